import type { FastifyInstance } from 'fastify';

/**
 * `GET /api/products/{id}/` → `getApiProductsId`: a stable operationId for every documented
 * route, made from its method and path (unique, since a method and path name one route), so
 * that generated clients get readable, lasting function names. A route may set its own.
 */
function operationIdOf(method: string, url: string): string {
  const words = url
    .split('/')
    .flatMap((segment) => segment.replace(/^:/, '').split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** Gives every route with a schema an operationId (see operationIdOf). */
export function installOperationIds(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { operationId?: string } | undefined;
    if (!schema || schema.operationId || typeof route.method !== 'string') return;
    // A copy: one schema object may serve several routes (`orders/` and `orders/create_order/`).
    route.schema = { ...schema, operationId: operationIdOf(route.method, route.url) };
  });
}
