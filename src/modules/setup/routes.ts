import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DemoCatalogResult, problems, ref } from '../../contract/index.js';
import { type DemoCatalogDeps, loadDemoCatalog } from './service.js';

/** A new shop's first steps, for staff (registered under /api/admin). */
export const setupAdminRoutes: FastifyPluginAsyncTypebox<{ deps: DemoCatalogDeps }> = async (app, { deps }) => {
  app.post(
    '/demo-catalog/',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['administration'],
        summary: 'Load the demo catalogue into an empty shop',
        description:
          'The categories, products, variants and pictures that `npm run db:seed` loads (the setup page ' +
          'offers it after the first admin is made). 409 `conflict` when any product or category exists.',
        response: { 201: ref(DemoCatalogResult), ...problems(409) },
      },
    },
    async (_request, reply) => reply.code(201).send(await loadDemoCatalog(deps)),
  );
};
