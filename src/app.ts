import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify';
import { CONTRACT_SCHEMAS } from './contract/index.js';
import { installAuth } from './http/auth.js';
import { errorCodesMarkdown } from './http/errors.js';
import { installMetrics } from './http/plugins/metrics.js';
import { installSecurityHeaders, securityOptions } from './http/plugins/security-headers.js';
import { finishDocument } from './http/openapi.js';
import { installOperationIds } from './http/operation-ids.js';
import { clientErrorHandler, frameworkErrorHandler, installProblemHandlers } from './http/problem.js';
import { installPublicUrl } from './http/public-url.js';
import { RequestLog } from './http/request-log.js';
import { buildSerializer } from './http/serialization.js';
import { buildValidator } from './http/validation.js';
import { accountsRoutes, authenticate, type LoginHook, setupRoutes } from './modules/accounts/index.js';
import { adminRoutes } from './modules/admin/index.js';
import { analyticsRoutes } from './modules/analytics/index.js';
import { cartLoginHook, cartRoutes } from './modules/cart/index.js';
import { categoryRoutes, CountCache, productRoutes } from './modules/catalog/index.js';
import { mediaFiles, mediaRoutes, openMediaStorage, removeMediaOnProductDelete } from './modules/media/index.js';
import { emailAdminRoutes } from './modules/notifications/index.js';
import { opsRoutes } from './modules/ops/index.js';
import { orderRoutes } from './modules/orders/index.js';
import { orderRefundRoutes, paymentRoutes } from './modules/payments/index.js';
import { pricingAdminRoutes } from './modules/pricing/index.js';
import { setupAdminRoutes } from './modules/setup/index.js';
import { shippingMethodRoutes } from './modules/pricing/index.js';
import { webhookRoutes } from './modules/webhooks/index.js';
import { createLogger } from './logging.js';
import type { Services } from './services.js';

export interface AppOptions {
  services: Services;
  logger?: FastifyServerOptions['logger'] | FastifyBaseLogger;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The longest path segment the router accepts (longer is 414): the slug columns' width
 * (products.slug is varchar(220)), so that every stored slug is reachable, including the
 * up to 100-character-plus-suffix slugs that versions before the 80-character limit made.
 */
const MAX_PARAM_LENGTH = 220;

const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const CORS_REQUEST_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Cart-Token', 'X-Request-Id'] as const;
const CORS_EXPOSED_HEADERS = ['X-Cart-Token', 'X-Request-Id', 'Retry-After', 'Location'] as const;

/** Builds the whole HTTP application; never listens (server.ts and the tests do). */
export async function buildApp({ services, logger }: AppOptions) {
  const { config, database, redis } = services;
  const loggerOptions =
    logger && typeof logger === 'object' && 'child' in logger
      ? { loggerInstance: logger as FastifyBaseLogger }
      : logger === undefined
        ? { loggerInstance: createLogger(config) }
        : { logger };
  const app = Fastify({
    ...loggerOptions,
    // One line per request (method, path, status, ms, reqId) instead of Fastify's two.
    logController: new RequestLog(),
    bodyLimit: 1024 * 1024,
    // (one of Fastify's accepted forms; the union confuses its overloads)
    trustProxy: config.trustProxy as boolean,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkErrorHandler(MAX_PARAM_LENGTH),
    clientErrorHandler,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: {
      customOptions: { allErrors: true, verbose: true, keywords: ['x-error', 'x-allowed'] },
    },
    // No type coercion in bodies; strict text parsing in queries, params and headers.
    schemaController: { compilersFactory: { buildValidator: buildValidator(), buildSerializer: buildSerializer() } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  // JSON only: everything else is 415 (the webhook route adds its own raw-body parser).
  app.removeContentTypeParser('text/plain');

  installProblemHandlers(app);
  installPublicUrl(app, config);
  // The contract's named shapes, once each: routes refer to them by `$id`.
  for (const schema of CONTRACT_SCHEMAS) app.addSchema(schema);

  // Product images come from the media base: this origin, PUBLIC_URL's, or MEDIA_PUBLIC_URL's.
  installSecurityHeaders(
    app,
    securityOptions([config.publicUrl, config.media.publicUrl].flatMap((url) => (url ? [new URL(url).origin] : []))),
  );
  if (config.corsOrigins.length) {
    await app.register(cors, {
      origin: config.corsOrigins.includes('*') ? true : [...config.corsOrigins],
      credentials: !config.corsOrigins.includes('*'),
      // A storefront on another origin runs every shopper flow (API-v2 §0): every method the
      // API uses, the request headers it reads, and the response headers a client needs.
      methods: [...CORS_METHODS],
      allowedHeaders: [...CORS_REQUEST_HEADERS],
      exposedHeaders: [...CORS_EXPOSED_HEADERS],
      // Browsers may cache a preflight this long (Chromium caps it at 2 hours).
      maxAge: 7200,
    });
  }
  await app.register(cookie);
  if (config.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      max: config.rateLimitPerMinute,
      timeWindow: 60_000,
      ...(redis ? { redis, nameSpace: `${config.redisKeyPrefix}rate-limit:` } : {}),
      // Redis down: serve unthrottled rather than fail every request.
      skipOnError: true,
      // Load balancers' probes are never throttled.
      allowList: (request) => request.url.startsWith('/health/'),
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        message: `Rate limit of ${context.max} requests per minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} seconds.`,
      }),
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Shop API',
        version: '1.0.0',
        description:
          'REST API of the shop: accounts, catalog, cart, orders, payments, analytics.\n\n' +
          'Errors are `application/problem+json` with a stable `code`:\n\n' +
          errorCodesMarkdown(),
      },
      // Relative to the document unless PUBLIC_URL says where the API is served.
      servers: [{ url: config.publicUrl ?? '/', description: 'This server' }],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string) || `def-${i}`,
    },
    transformObject: (document) =>
      'openapiObject' in document ? finishDocument(document.openapiObject) : document.swaggerObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () => app.swagger());

  const deps = services.accounts;
  installAuth(app, (token) => authenticate(deps, token));
  installOperationIds(app);
  const metrics = installMetrics(app, () => database.poolStats());

  const loginHooks: LoginHook[] = [cartLoginHook()];
  await app.register(opsRoutes, {
    database,
    metrics,
    metricsToken: config.metricsToken,
    shopName: config.mail.shopName,
    publicUrl: config.publicUrl,
  });
  await app.register(accountsRoutes, { prefix: '/api/auth', deps, loginHooks });
  await app.register(setupRoutes, { prefix: '/api/auth', deps });
  const counts = new CountCache();
  const media = { database, storage: openMediaStorage(config.media), log: app.log };
  await app.register(categoryRoutes, { prefix: '/api/categories', database, config, counts });
  await app.register(productRoutes, {
    prefix: '/api/products',
    database,
    config,
    counts,
    onProductDelete: [removeMediaOnProductDelete(media)],
  });
  await app.register(mediaRoutes, { prefix: '/api/products', deps: media, maxBytes: config.media.maxBytes });
  if (config.media.storage === 'local') await app.register(mediaFiles, { storage: media.storage });
  await app.register(cartRoutes, { prefix: '/api/cart', database });
  await app.register(orderRoutes, { prefix: '/api/orders', deps: services.orders });
  await app.register(paymentRoutes, { prefix: '/api/payments', deps: services.payments });
  await app.register(orderRefundRoutes, { prefix: '/api/orders', deps: services.payments });
  await app.register(analyticsRoutes, { database, config });
  await app.register(adminRoutes, { prefix: '/api/admin', database, payments: services.payments });
  await app.register(emailAdminRoutes, { prefix: '/api/admin/emails', database });
  await app.register(webhookRoutes, { prefix: '/api/admin', deps: services.webhooks });
  await app.register(pricingAdminRoutes, { prefix: '/api/admin', database });
  await app.register(shippingMethodRoutes, { prefix: '/api/admin', database });
  await app.register(setupAdminRoutes, { prefix: '/api/admin', deps: { database, media } });
  await app.register(adminWebApp);

  return app;
}

/** Where `npm run build` puts the /admin single-page app: dist/admin, from src/ or dist/. */
function adminWebRoot(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, 'admin'), join(here, '..', 'dist', 'admin')]) {
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

/** The staff web dashboard: static files under /admin/, index.html for its client routes. */
async function adminWebApp(app: FastifyInstance) {
  const root = adminWebRoot();
  if (!root) {
    app.get('/admin', { config: { auth: 'none' }, schema: { hide: true } }, async (_request, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send('The admin dashboard is not built: run `npm run build`.'),
    );
    return;
  }
  const index = await readFile(join(root, 'index.html'));
  const sendIndex = (reply: FastifyReply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
  // Every route here is public: the app itself holds no data, the API it calls checks tokens.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, auth: 'none' };
  });
  // Vite fingerprints the assets' names, so they can be cached for good.
  await app.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: '/admin/assets/',
    index: false,
    wildcard: false,
    decorateReply: false,
    maxAge: '365d',
    immutable: true,
  });
  app.get('/admin', { config: { auth: 'none' }, schema: { hide: true } }, async (_request, reply) => sendIndex(reply));
  app.get('/admin/*', { config: { auth: 'none' }, schema: { hide: true } }, async (request, reply) => {
    // Unknown files under assets/ are real 404s; anything else is a client-side route.
    if (request.url.startsWith('/admin/assets/')) return reply.callNotFound();
    return sendIndex(reply);
  });
}

export type App = Awaited<ReturnType<typeof buildApp>>;
