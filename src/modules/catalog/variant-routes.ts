import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Database } from '../../db/client.js';
import { attachedBodyErrors } from '../../http/problem.js';
import { checkedFields } from '../../http/validation.js';
import {
  IdParams,
  problems,
  ProductDetail,
  ProductOptionsBody,
  ref,
  Variant,
  VariantBody,
  VariantBulkCreateBody,
  VariantBulkPatchBody,
  VariantBulkResult,
  VariantList,
  VariantParams,
  VariantPatchBody,
  type VariantInput,
  type VariantPatchInput,
} from '../../contract/index.js';
import { setProductOptions } from './options.js';
import { readProduct } from './products.js';
import * as variants from './variants.js';
import { productDetailView, variantView } from './views.js';

/** Staff routes of a product's options and variants, under `/api/products/{id}/`. */
export const variantRoutes: FastifyPluginAsyncTypebox<{ database: Database }> = async (app, { database }) => {
  const tags = ['variants'];
  const config = { auth: 'admin' as const };
  const bulkResult = (rows: variants.VariantRow[]) => ({ variants: rows.map(variantView) });

  app.put(
    '/:id/options/',
    {
      config,
      attachValidation: true,
      schema: {
        tags,
        summary: 'Replace a product’s options',
        description:
          'The whole list, at most 3 options, values in display order. The first time options are set on a ' +
          'product whose only variant is the default, that variant takes the first value of each option. A new ' +
          'option gives every variant its first value. Removing an option while the product has several ' +
          'variants, or a value that a variant uses, is 409. Names and values are trimmed; they are unique ' +
          'ignoring case. An option whose name changes only in case keeps its variants’ values.',
        params: IdParams,
        body: ref(ProductOptionsBody),
        response: { 200: ref(ProductDetail), ...problems(400, 404, 409) },
      },
    },
    async (request) => {
      await setProductOptions(database, request.params.id, request.body, attachedBodyErrors(request));
      return productDetailView(await readProduct(database, String(request.params.id), true), app.mediaBase(request), true);
    },
  );

  app.get(
    '/:id/variants/',
    {
      config,
      schema: {
        tags,
        summary: 'A product’s variants, inactive ones included, by position',
        params: IdParams,
        response: { 200: ref(VariantList), ...problems(404) },
      },
    },
    async (request) => (await variants.listVariants(database, request.params.id)).map(variantView),
  );

  app.post(
    '/:id/variants/',
    {
      config,
      attachValidation: true,
      schema: {
        tags,
        summary: 'Add a variant',
        description:
          '`options` names exactly the product’s options, with one of each one’s values; the combination is ' +
          'new to the product. Without `sku`, one is made from the slug and the values (`-2`, … when taken). ' +
          'Without `title`, the values joined by " / ". At most 100 variants a product.',
        params: IdParams,
        body: ref(VariantBody),
        response: { 201: ref(Variant), ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      const schemaErrors = attachedBodyErrors(request);
      const input = checkedFields<VariantInput>(request.body, schemaErrors);
      const [row] = await variants.createVariants(database, request.params.id, [input], false, schemaErrors);
      return reply.code(201).send(variantView(row!));
    },
  );

  app.post(
    '/:id/variants/bulk/',
    {
      config,
      schema: {
        tags,
        summary: 'Add many variants at once (all or none)',
        description:
          'As `POST variants/` for each of 1..100 variants, in one transaction; errors name their item ' +
          '(`variants.3.sku`). Answers the variants created, in the request’s order.',
        params: IdParams,
        body: ref(VariantBulkCreateBody),
        response: { 201: ref(VariantBulkResult), ...problems(400, 404) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(bulkResult(await variants.createVariants(database, request.params.id, request.body.variants, true))),
  );

  app.patch(
    '/:id/variants/',
    {
      config,
      schema: {
        tags,
        summary: 'Update many variants at once (all or none)',
        description:
          'Each item is `{id, …}` with the fields of `PATCH variants/{variant_id}/`; one transaction and one ' +
          'UPDATE whatever their number. Errors name their item (`variants.3.sku`).',
        params: IdParams,
        body: ref(VariantBulkPatchBody),
        response: { 200: ref(VariantBulkResult), ...problems(400, 404) },
      },
    },
    async (request) => bulkResult(await variants.updateVariants(database, request.params.id, request.body.variants, true)),
  );

  app.get(
    '/:id/variants/:variant_id/',
    {
      config,
      schema: { tags, summary: 'A variant', params: VariantParams, response: { 200: ref(Variant), ...problems(404) } },
    },
    async (request) => variantView(await variants.getVariant(database, request.params.id, request.params.variant_id)),
  );

  app.patch(
    '/:id/variants/:variant_id/',
    {
      config,
      attachValidation: true,
      schema: {
        tags,
        summary: 'Update a variant',
        description:
          'The given fields change. `stock_adjustment` adds to the stock in the UPDATE itself (not with `stock`). ' +
          'A title made from the option values follows them when `options` change.',
        params: VariantParams,
        body: ref(VariantPatchBody),
        response: { 200: ref(Variant), ...problems(400, 404) },
      },
    },
    async (request) => {
      const { id, variant_id } = request.params;
      const schemaErrors = attachedBodyErrors(request);
      const input = checkedFields<VariantPatchInput>(request.body, schemaErrors);
      const [row] = await variants.updateVariants(database, id, [{ ...input, id: variant_id }], false, schemaErrors);
      return variantView(row!);
    },
  );

  app.delete(
    '/:id/variants/:variant_id/',
    {
      config,
      schema: {
        tags,
        summary: 'Delete a variant',
        description: '409 for the product’s last variant, and for one that appears in an order (deactivate it).',
        params: VariantParams,
        response: { 204: Type.Null(), ...problems(404, 409) },
      },
    },
    async (request, reply) => {
      await variants.deleteVariant(database, request.params.id, request.params.variant_id);
      return reply.code(204).send(null);
    },
  );
};
