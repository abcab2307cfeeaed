import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import { Type } from 'typebox';
import type { Database } from '../../db/client.js';
import { ServiceUnavailable } from '../../http/errors.js';
import { problems } from '../../http/schemas.js';

export interface OpsRoutesOptions {
  database: Database;
  metrics: Registry;
}

const Status = Type.Object({ status: Type.String() });
const tags = ['operations'];

/** Liveness, readiness (a database ping) and Prometheus metrics. */
export const opsRoutes: FastifyPluginAsyncTypebox<OpsRoutesOptions> = async (app, { database, metrics }) => {
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
        produces: ['text/plain'],
        response: { 200: Type.String() },
      },
    },
    async (_request, reply) =>
      reply.type(metrics.contentType).send(await metrics.metrics()),
  );
};
