import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '../../db/client.js';
import {
  Cart,
  CartAddBody,
  CartHeaders,
  CartItemBody,
  CartPromotionBody,
  CartShippingMethodList,
  IdParams,
  problems,
  ref,
  ShippingMethodsQuery,
} from '../../contract/index.js';
import { ValidationError } from '../../http/errors.js';
import { attachedBodyErrors } from '../../http/problem.js';
import { checkedFields } from '../../http/validation.js';
import { formatMoney, fromPaise } from '../../lib/money.js';
import { COUNTRY_MESSAGE, countryCode, PROMOTION_MESSAGES } from '../pricing/index.js';
import type { LoginHook } from '../accounts/index.js';
import { productListView } from '../catalog/index.js';
import * as service from './service.js';
import type { CartOwner, CartSnapshot, CartWrite } from './service.js';
import { clearCartToken, requestCartToken, sendCartToken } from './token.js';

/**
 * The whole cart, money as strings computed in integer paise (pricing's quote): in BigInt,
 * because a cart priced before the bounds existed (or raised since) can pass 2^53 paise and
 * must still show.
 */
function cartView({ cart, lines, pricing }: CartSnapshot, media: string) {
  let totalItems = 0;
  const { totals, rejection, shipping } = pricing.quote;
  const items = lines.map((line, i) => {
    totalItems += line.quantity;
    return {
      id: line.id,
      product: productListView(line.product, media),
      variant: line.variant,
      unit_price: formatMoney(line.unitPrice),
      quantity: line.quantity,
      subtotal: fromPaise(totals.lines[i]!.subtotal),
      added_at: line.addedAt.toISOString(),
    };
  });
  const promotion = pricing.promotion?.facts;
  return {
    id: cart?.id ?? null,
    items,
    total_items: totalItems,
    subtotal: fromPaise(totals.subtotal),
    discount_total: fromPaise(totals.discountTotal),
    shipping_total: fromPaise(totals.shippingTotal),
    tax_total: fromPaise(totals.taxTotal),
    promotion: promotion
      ? {
          code: promotion.code,
          description: promotion.description,
          applies: rejection === null,
          discount: fromPaise(totals.discountTotal),
          free_shipping: rejection === null && promotion.kind === 'free_shipping',
          reason: rejection,
          message: rejection && PROMOTION_MESSAGES[rejection],
        }
      : null,
    shipping_method: shipping && { id: shipping.method.id, name: shipping.method.name, price: fromPaise(totals.shippingTotal) },
    total_amount: fromPaise(totals.total),
    created_at: cart?.createdAt.toISOString() ?? null,
    updated_at: cart?.updatedAt.toISOString() ?? null,
  };
}

function ownerOf(request: FastifyRequest): CartOwner {
  return request.actor
    ? { kind: 'user', actor: request.actor }
    : { kind: 'guest', token: requestCartToken(request) };
}

function reply(request: FastifyRequest, res: FastifyReply, result: CartWrite) {
  if (result.issuedToken) sendCartToken(request, res, result.issuedToken);
  return cartView(result, request.server.mediaBase(request));
}

/** The cart module's part in login and register: merge the guest cart the request names. */
export function cartLoginHook(): LoginHook {
  return (request, res) => {
    const token = requestCartToken(request);
    if (!token) return undefined;
    return async (tx, userId) => {
      if (await service.mergeGuestCart(tx, token, userId)) clearCartToken(res);
    };
  };
}

export const cartRoutes: FastifyPluginAsyncTypebox<{ database: Database }> = async (app, { database }) => {
  const tags = ['cart'];
  const description =
    'Guests are identified by the `cart_token` cookie or the `X-Cart-Token` header, both issued on the first add.';
  const guestHeaders = CartHeaders;
  const response = { 200: ref(Cart), ...problems(400, 404) };

  app.get(
    '/',
    {
      config: { auth: 'optional' },
      schema: { tags, summary: 'Your cart', description, headers: guestHeaders, response },
    },
    async (request) => cartView(await service.readCart(database, ownerOf(request)), request.server.mediaBase(request)),
  );

  app.post(
    '/add/',
    {
      config: { auth: 'optional' },
      attachValidation: true,
      schema: {
        tags,
        summary: 'Add a variant (or a single-variant product) to the cart',
        description,
        headers: guestHeaders,
        body: ref(CartAddBody),
        response,
      },
    },
    async (request, res) => {
      if (request.validationError) {
        const schemaErrors = attachedBodyErrors(request);
        const given = checkedFields<{ variant_id: number; product_id: number }>(request.body, schemaErrors);
        return service.refuseAdd(database, { variantId: given.variant_id, productId: given.product_id }, schemaErrors);
      }
      return reply(
        request,
        res,
        await service.addToCart(
          database,
          ownerOf(request),
          { variantId: request.body.variant_id, productId: request.body.product_id },
          request.body.quantity ?? 1,
        ),
      );
    },
  );

  app.patch(
    '/items/:id/',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'Set the quantity of a cart line',
        headers: guestHeaders,
        params: IdParams,
        body: ref(CartItemBody),
        response,
      },
    },
    async (request) =>
      cartView(await service.setItemQuantity(database, ownerOf(request), request.params.id, request.body.quantity), request.server.mediaBase(request)),
  );

  app.delete(
    '/items/:id/',
    {
      config: { auth: 'optional' },
      schema: { tags, summary: 'Remove a cart line', headers: guestHeaders, params: IdParams, response },
    },
    async (request) => cartView(await service.removeItem(database, ownerOf(request), request.params.id), request.server.mediaBase(request)),
  );

  app.delete(
    '/clear/',
    {
      config: { auth: 'optional' },
      schema: { tags, summary: 'Empty the cart', headers: guestHeaders, response },
    },
    async (request) => cartView(await service.clearCart(database, ownerOf(request)), request.server.mediaBase(request)),
  );

  app.post(
    '/promotion/',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'Apply a promotion code to the cart',
        description:
          'The code (any case) must apply to the cart as it is now, else `400` with the reason as `code`: ' +
          '`promotion_not_found`, `promotion_not_started`, `promotion_expired`, `promotion_min_subtotal`, ' +
          '`promotion_exhausted`, `promotion_not_applicable` (and `cart_empty`). It replaces any code the cart had. ' +
          'The cart shows the code and what it gives; if the cart changes so that it no longer applies, the cart ' +
          'says why and checkout refuses it until it is removed.',
        headers: guestHeaders,
        body: ref(CartPromotionBody),
        response,
      },
    },
    async (request) =>
      cartView(await service.applyPromotion(database, ownerOf(request), request.body.code), request.server.mediaBase(request)),
  );

  app.delete(
    '/promotion/',
    {
      config: { auth: 'optional' },
      schema: { tags, summary: 'Remove the cart’s promotion code', headers: guestHeaders, response },
    },
    async (request) => cartView(await service.removePromotion(database, ownerOf(request)), request.server.mediaBase(request)),
  );

  app.get(
    '/shipping-methods/',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'The shipping methods that can ship the cart, with their price for it',
        description:
          'Active methods that ship to `country` (default IN) and can carry the cart’s weight (a weight band applies ' +
          'when the weight is ≤ its `up_to_grams`), priced for the cart’s subtotal after discount (`free_over`), ' +
          'cheapest first. Checkout takes one of these ids as `shipping_method_id`.',
        headers: guestHeaders,
        querystring: ShippingMethodsQuery,
        response: { 200: ref(CartShippingMethodList), ...problems(400) },
      },
    },
    async (request) => {
      const raw = request.query.country ?? 'IN';
      const country = countryCode(raw);
      if (!country) throw ValidationError.field('country', COUNTRY_MESSAGE);
      const options = await service.shippingOptions(database, ownerOf(request), country);
      return options.map((o) => ({ id: o.id, name: o.name, price: fromPaise(o.price) }));
    },
  );
};
