import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import { Type } from 'typebox';
import type { Database } from '../../db/client.js';
import { ServiceUnavailable, Unauthorized } from '../../http/errors.js';
import { problems, ref, Status as StatusBody } from '../../contract/index.js';
import { installHome } from './home.js';

export interface OpsRoutesOptions {
  database: Database;
  metrics: Registry;
  /** METRICS_TOKEN: when set, /metrics needs it as a bearer token. */
  metricsToken: string | null;
  /** SHOP_NAME, which `GET /` shows. */
  shopName: string;
  /** PUBLIC_URL: the base of the links of `GET /`'s page. */
  publicUrl: string | null;
}

/** Constant-time comparison of the presented bearer token with the configured one. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

const Status = ref(StatusBody);
const tags = ['operations'];

/** Liveness, readiness (a database ping), Prometheus metrics, and the server's home page and icon. */
export const opsRoutes: FastifyPluginAsyncTypebox<OpsRoutesOptions> = async (
  app,
  { database, metrics, metricsToken, shopName, publicUrl },
) => {
  installHome(app, shopName, publicUrl);

  app.get(
    '/health/live',
    { config: { auth: 'none' }, schema: { tags, summary: 'The process is up', response: { 200: Status } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/health/ready',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'The database answers',
        response: { 200: Status, ...problems(503) },
      },
    },
    async (request) => {
      try {
        await Promise.race([
          database.ping(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
        ]);
        return { status: 'ready' };
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed');
        throw new ServiceUnavailable('The database is not answering.');
      }
    },
  );

  app.get(
    '/metrics',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Prometheus metrics',
        description: 'Public unless METRICS_TOKEN is set; then it needs `Authorization: Bearer <METRICS_TOKEN>`.',
        produces: ['text/plain'],
        response: { 200: Type.String(), ...problems(401) },
      },
    },
    async (request, reply) => {
      if (metricsToken !== null && !bearerMatches(request.headers.authorization, metricsToken)) {
        throw new Unauthorized('GET /metrics needs the metrics token as a bearer token.');
      }
      return reply.type(metrics.contentType).send(await metrics.metrics());
    },
  );
};
