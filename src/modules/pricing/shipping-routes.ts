import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import {
  IdParams,
  problems,
  ref,
  ShippingMethod,
  ShippingMethodCreate,
  ShippingMethodListQuery,
  ShippingMethodPage,
  ShippingMethodUpdate,
} from '../../contract/index.js';
import type { Database } from '../../db/client.js';
import { attachedBodyErrors } from '../../http/problem.js';
import { assertPageExists, offsetOf, pageParams, paged } from '../../http/pagination.js';
import { formatMoney } from '../../lib/money.js';
import * as methods from './shipping-methods.js';

/** A method as staff see it: money in the two-decimal form, bands by weight. */
function shippingMethodView(row: methods.ShippingMethodRow): Static<typeof ShippingMethod> {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    price: row.price === null ? null : formatMoney(row.price),
    rates: row.rates.map((r) => ({ up_to_grams: r.up_to_grams, price: formatMoney(r.price) })),
    free_over: row.freeOver === null ? null : formatMoney(row.freeOver),
    countries: row.countries,
    is_active: row.isActive,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** Staff routes over shipping methods (under /api/admin). */
export const shippingMethodRoutes: FastifyPluginAsyncTypebox<{ database: Database }> = async (
  app,
  { database },
) => {
  const tags = ['shipping'];
  const config = { auth: 'admin' as const };
  const { db } = database;
  const rules =
    '`flat`: `price` ≥ 0 and no `rates`. `weight`: at least one band of `{up_to_grams, price}` (positive, ' +
    'distinct weights; stored in ascending order) and no `price`. `free_over` ≥ 0 or null; `countries` a ' +
    'non-empty list of ISO 3166-1 alpha-2 codes (any case; `India` is `IN`). A 400 names every wrong field at once, ' +
    'the schema’s and the rules’ alike ' +
    '(`rates.<i>.up_to_grams`, `rates.<i>.price` for a band, by its position in the request).';

  app.get(
    '/shipping-methods/',
    {
      config,
      schema: {
        tags,
        summary: 'Shipping methods (paged, by id)',
        querystring: ShippingMethodListQuery,
        response: { 200: ref(ShippingMethodPage), ...problems(400, 404) },
      },
    },
    async (request) => {
      const params = pageParams(request.query);
      const { rows, count } = await methods.listShippingMethods(
        db,
        { isActive: request.query.is_active },
        params.pageSize,
        offsetOf(params),
      );
      assertPageExists(params, count);
      return paged(request, params, count, rows.map(shippingMethodView));
    },
  );

  app.post(
    '/shipping-methods/',
    {
      config,
      attachValidation: true,
      schema: {
        tags,
        summary: 'Add a shipping method',
        description: rules,
        body: ref(ShippingMethodCreate),
        response: { 201: ref(ShippingMethod), ...problems(400) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          shippingMethodView(
            await methods.createShippingMethod(db, request.body, attachedBodyErrors(request)),
          ),
        ),
  );

  app.get(
    '/shipping-methods/:id/',
    {
      config,
      schema: {
        tags,
        summary: 'A shipping method',
        params: IdParams,
        response: { 200: ref(ShippingMethod), ...problems(404) },
      },
    },
    async (request) => shippingMethodView(await methods.getShippingMethod(db, request.params.id)),
  );

  app.patch(
    '/shipping-methods/:id/',
    {
      config,
      attachValidation: true,
      schema: {
        tags,
        summary: 'Change a shipping method',
        description:
          `${rules} The method is checked as it will be after the change. Changing \`kind\` drops the other ` +
          'kind’s field (a flat price or the bands) unless it is given; the new kind’s own field is then required. ' +
          'Orders placed with the method keep the name and price they were charged.',
        params: IdParams,
        body: ref(ShippingMethodUpdate),
        response: { 200: ref(ShippingMethod), ...problems(400, 404) },
      },
    },
    async (request) =>
      shippingMethodView(
        await methods.updateShippingMethod(
          db,
          request.params.id,
          request.body,
          attachedBodyErrors(request),
        ),
      ),
  );

  app.delete(
    '/shipping-methods/:id/',
    {
      config,
      schema: {
        tags,
        summary: 'Delete a shipping method',
        description:
          'Orders that used it keep its name and price (their `shipping_method_id` becomes null).',
        params: IdParams,
        response: { 204: Type.Null(), ...problems(404) },
      },
    },
    async (request, reply) => {
      await methods.deleteShippingMethod(db, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
