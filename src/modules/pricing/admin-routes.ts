import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Database } from '../../db/client.js';
import {
  IdParams,
  PageQueryParams,
  problems,
  Promotion,
  PromotionBody,
  PromotionPage,
  PromotionPatchBody,
  PromotionQuery,
  ref,
  TaxClass,
  TaxClassBody,
  TaxClassPage,
  TaxClassPatchBody,
} from '../../contract/index.js';
import { assertPageExists, offsetOf, pageParams, paged } from '../../http/pagination.js';
import { attachedBodyErrors } from '../../http/problem.js';
import * as promotions from './promotions.js';
import * as taxClasses from './tax-classes.js';

const ALL_AT_ONCE =
  'Every wrong field is reported at once (`400 validation_error`, `errors` by field), the schema’s and the rules’ alike.';

/** Staff routes over promotions and tax classes (under /api/admin). */
export const pricingAdminRoutes: FastifyPluginAsyncTypebox<{ database: Database }> = async (
  app,
  { database },
) => {
  const config = { auth: 'admin' as const };
  const { db } = database;

  {
    const tags = ['promotions'];
    app.get(
      '/promotions/',
      {
        config,
        schema: {
          tags,
          summary: 'Promotions (paged, newest first), searchable by code',
          querystring: PromotionQuery,
          response: { 200: ref(PromotionPage), ...problems(400, 404) },
        },
      },
      async (request) => {
        const params = pageParams(request.query);
        const filter = { search: request.query.search, isActive: request.query.is_active };
        const { rows, count } = await promotions.listPromotions(
          database,
          filter,
          params.pageSize,
          offsetOf(params),
        );
        assertPageExists(params, count);
        return paged(request, params, count, rows.map(promotions.promotionView));
      },
    );

    app.post(
      '/promotions/',
      {
        config,
        attachValidation: true,
        schema: {
          tags,
          summary: 'Create a promotion',
          description:
            '`code` is unique ignoring case; `percentage` takes a `value` 0–100, `fixed_amount` a `value` > 0 ' +
            '(rupees), `free_shipping` none; `starts_at` < `ends_at`; `applies_to` ids must exist. ' +
            ALL_AT_ONCE,
          body: ref(PromotionBody),
          response: { 201: ref(Promotion), ...problems(400) },
        },
      },
      async (request, reply) => {
        const row = await promotions.createPromotion(database, request.body, attachedBodyErrors(request));
        return reply.code(201).send(promotions.promotionView(row));
      },
    );

    app.get(
      '/promotions/:id/',
      {
        config,
        schema: {
          tags,
          summary: 'A promotion',
          params: IdParams,
          response: { 200: ref(Promotion), ...problems(404) },
        },
      },
      async (request) =>
        promotions.promotionView(await promotions.getPromotion(db, request.params.id)),
    );

    app.put(
      '/promotions/:id/',
      {
        config,
        attachValidation: true,
        schema: {
          tags,
          summary: 'Replace a promotion (fields left out take their defaults)',
          description: '`times_used` is read-only (ignored in a body). ' + ALL_AT_ONCE,
          params: IdParams,
          body: ref(PromotionBody),
          response: { 200: ref(Promotion), ...problems(400, 404) },
        },
      },
      async (request) =>
        promotions.promotionView(
          await promotions.updatePromotion(
            database,
            request.params.id,
            request.body,
            'replace',
            attachedBodyErrors(request),
          ),
        ),
    );

    app.patch(
      '/promotions/:id/',
      {
        config,
        attachValidation: true,
        schema: {
          tags,
          summary: 'Change some of a promotion’s fields',
          description:
            'The rules apply to the promotion as it would be: a changed `kind` needs its `value` again (none for ' +
            '`free_shipping`, whose value is cleared), and a new `starts_at` or `ends_at` must keep the window in ' +
            'order. `times_used` is read-only. ' +
            ALL_AT_ONCE,
          params: IdParams,
          body: ref(PromotionPatchBody),
          response: { 200: ref(Promotion), ...problems(400, 404) },
        },
      },
      async (request) =>
        promotions.promotionView(
          await promotions.updatePromotion(
            database,
            request.params.id,
            request.body,
            'patch',
            attachedBodyErrors(request),
          ),
        ),
    );

    app.delete(
      '/promotions/:id/',
      {
        config,
        schema: {
          tags,
          summary: 'Delete a promotion no order has used',
          description:
            'Carts holding the code lose it. A promotion that orders used is 409: set `is_active` to false instead.',
          params: IdParams,
          response: { 204: Type.Null(), ...problems(404, 409) },
        },
      },
      async (request, reply) => {
        await promotions.deletePromotion(database, request.params.id);
        return reply.code(204).send(null);
      },
    );
  }

  {
    const tags = ['tax classes'];
    app.get(
      '/tax-classes/',
      {
        config,
        schema: {
          tags,
          summary: 'Tax classes (paged, by id)',
          querystring: PageQueryParams,
          response: { 200: ref(TaxClassPage), ...problems(400, 404) },
        },
      },
      async (request) => {
        const params = pageParams(request.query);
        const { rows, count } = await taxClasses.listTaxClasses(
          database,
          params.pageSize,
          offsetOf(params),
        );
        assertPageExists(params, count);
        return paged(request, params, count, rows.map(taxClasses.taxClassView));
      },
    );

    app.post(
      '/tax-classes/',
      {
        config,
        attachValidation: true,
        schema: {
          tags,
          summary: 'Create a tax class',
          description:
            '`name` is unique ignoring case; `rate` is a percentage 0–100 with at most two decimals. With ' +
            '`is_default: true` it becomes the default and the previous default an ordinary class. ' +
            ALL_AT_ONCE,
          body: ref(TaxClassBody),
          response: { 201: ref(TaxClass), ...problems(400) },
        },
      },
      async (request, reply) => {
        const row = await taxClasses.createTaxClass(database, request.body, attachedBodyErrors(request));
        return reply.code(201).send(taxClasses.taxClassView(row));
      },
    );

    app.get(
      '/tax-classes/:id/',
      {
        config,
        schema: {
          tags,
          summary: 'A tax class',
          params: IdParams,
          response: { 200: ref(TaxClass), ...problems(404) },
        },
      },
      async (request) =>
        taxClasses.taxClassView(await taxClasses.getTaxClass(db, request.params.id)),
    );

    const updateDescription =
      '`is_default: true` makes this class the default (the previous default becomes an ordinary class, in the ' +
      'same transaction); `is_default: false` on the default is 409 — make another class the default instead. ' +
      ALL_AT_ONCE;
    app.put(
      '/tax-classes/:id/',
      {
        config,
        attachValidation: true,
        schema: {
          tags,
          summary: 'Replace a tax class’s name and rate',
          description: `\`is_default\` left out stays as it is. ${updateDescription}`,
          params: IdParams,
          body: ref(TaxClassBody),
          response: { 200: ref(TaxClass), ...problems(400, 404, 409) },
        },
      },
      async (request) =>
        taxClasses.taxClassView(
          await taxClasses.updateTaxClass(
            database,
            request.params.id,
            request.body,
            'replace',
            attachedBodyErrors(request),
          ),
        ),
    );

    app.patch(
      '/tax-classes/:id/',
      {
        config,
        attachValidation: true,
        schema: {
          tags,
          summary: 'Change a tax class, or make it the default',
          description: updateDescription,
          params: IdParams,
          body: ref(TaxClassPatchBody),
          response: { 200: ref(TaxClass), ...problems(400, 404, 409) },
        },
      },
      async (request) =>
        taxClasses.taxClassView(
          await taxClasses.updateTaxClass(
            database,
            request.params.id,
            request.body,
            'patch',
            attachedBodyErrors(request),
          ),
        ),
    );

    app.delete(
      '/tax-classes/:id/',
      {
        config,
        schema: {
          tags,
          summary: 'Delete a tax class that is not the default',
          description:
            'Products and variants that had this class lose it and are sold under the default class from then on ' +
            '(a variant without a class of its own under its product’s). Orders keep the rates they were placed with. ' +
            'The default class is 409: make another class the default first.',
          params: IdParams,
          response: { 204: Type.Null(), ...problems(404, 409) },
        },
      },
      async (request, reply) => {
        await taxClasses.deleteTaxClass(database, request.params.id);
        return reply.code(204).send(null);
      },
    );
  }
};
