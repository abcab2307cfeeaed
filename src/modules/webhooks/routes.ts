import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  IdParams,
  PageQueryParams,
  problems,
  ref,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookDeliveryQuery,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointCreated,
  WebhookEndpointPage,
  WebhookEndpointUpdate,
} from '../../contract/index.js';
import { assertPageExists, offsetOf, pageParams, paged } from '../../http/pagination.js';
import { listDeliveries, retryDelivery } from './deliveries.js';
import type { WebhooksDeps } from './deps.js';
import * as endpoints from './endpoints.js';
import { deliveryView, endpointView } from './views.js';

/** Staff routes over outgoing webhooks: endpoints, their attempts, and retries (under /api/admin). */
export const webhookRoutes: FastifyPluginAsyncTypebox<{ deps: WebhooksDeps }> = async (app, { deps }) => {
  const tags = ['webhooks'];
  const config = { auth: 'admin' as const };
  const { db } = deps.database;

  app.get(
    '/webhook-endpoints/',
    {
      config,
      schema: {
        tags,
        summary: 'Outgoing webhook endpoints (paged, newest first)',
        querystring: PageQueryParams,
        response: { 200: ref(WebhookEndpointPage), ...problems(400, 404) },
      },
    },
    async (request) => {
      const params = pageParams(request.query);
      const { rows, count } = await endpoints.listEndpoints(db, params.pageSize, offsetOf(params));
      assertPageExists(params, count);
      return paged(request, params, count, rows.map(endpointView));
    },
  );

  app.post(
    '/webhook-endpoints/',
    {
      config,
      schema: {
        tags,
        summary: 'Add an endpoint; the answer shows its signing secret, once',
        description:
          'The URL must be `https` and its host must resolve to public addresses only (unless the server runs ' +
          'with `WEBHOOK_ALLOW_PRIVATE=true`); otherwise 400 naming `url`.',
        body: ref(WebhookEndpointCreate),
        response: { 201: ref(WebhookEndpointCreated), ...problems(400) },
      },
    },
    async (request, reply) => {
      const row = await endpoints.createEndpoint(deps, request.body);
      return reply.code(201).send({ ...endpointView(row), secret: row.secret });
    },
  );

  app.get(
    '/webhook-endpoints/:id/',
    { config, schema: { tags, summary: 'An endpoint', params: IdParams, response: { 200: ref(WebhookEndpoint), ...problems(404) } } },
    async (request) => endpointView(await endpoints.getEndpoint(db, request.params.id)),
  );

  app.patch(
    '/webhook-endpoints/:id/',
    {
      config,
      schema: {
        tags,
        summary: 'Change an endpoint’s URL, event types, or switch it on or off',
        description: 'Switching an endpoint back on clears `failing_since`.',
        params: IdParams,
        body: ref(WebhookEndpointUpdate),
        response: { 200: ref(WebhookEndpoint), ...problems(400, 404) },
      },
    },
    async (request) => endpointView(await endpoints.updateEndpoint(deps, request.params.id, request.body)),
  );

  app.delete(
    '/webhook-endpoints/:id/',
    {
      config,
      schema: {
        tags,
        summary: 'Delete an endpoint and its delivery history',
        params: IdParams,
        response: { 204: Type.Null(), ...problems(404) },
      },
    },
    async (request, reply) => {
      await endpoints.deleteEndpoint(db, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhook-endpoints/:id/deliveries/',
    {
      config,
      schema: {
        tags,
        summary: 'An endpoint’s delivery attempts (paged, newest first), one row per attempt',
        params: IdParams,
        querystring: WebhookDeliveryQuery,
        response: { 200: ref(WebhookDeliveryPage), ...problems(400, 404) },
      },
    },
    async (request) => {
      const params = pageParams(request.query);
      const { rows, count } = await listDeliveries(
        db,
        request.params.id,
        { status: request.query.status },
        params.pageSize,
        offsetOf(params),
      );
      assertPageExists(params, count);
      return paged(request, params, count, rows.map(deliveryView));
    },
  );

  app.post(
    '/webhook-deliveries/:id/retry/',
    {
      config,
      schema: {
        tags,
        summary: 'Send that attempt’s event again now',
        description:
          'A new attempt (answered `pending`, 202) of the same event with the same `webhook-id` and body. It is one ' +
          'attempt: should it fail, no automatic schedule follows it. 409 when the endpoint is disabled.',
        params: IdParams,
        response: { 202: ref(WebhookDelivery), ...problems(404, 409) },
      },
    },
    async (request, reply) => reply.code(202).send(deliveryView(await retryDelivery(deps, request.params.id))),
  );
};
