import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '../../db/client.js';
import { Cart, CartAddBody, CartHeaders, CartItemBody, IdParams, problems, ref } from '../../contract/index.js';
import { formatMoney, fromPaise, toPaiseBig } from '../../lib/money.js';
import type { LoginHook } from '../accounts/index.js';
import { productListView } from '../catalog/index.js';
import * as service from './service.js';
import type { CartOwner, CartSnapshot, CartWrite } from './service.js';
import { clearCartToken, requestCartToken, sendCartToken } from './token.js';

/**
 * The whole cart, money as strings computed in integer paise: in BigInt, because a cart
 * priced before the bounds existed (or raised since) can pass 2^53 paise and must still show.
 */
function cartView({ cart, lines }: CartSnapshot, media: string) {
  let totalPaise = 0n;
  let totalItems = 0;
  const items = lines.map((line) => {
    const subtotal = toPaiseBig(line.unitPrice) * BigInt(line.quantity);
    totalPaise += subtotal;
    totalItems += line.quantity;
    return {
      id: line.id,
      product: productListView(line.product, media),
      variant: line.variant,
      unit_price: formatMoney(line.unitPrice),
      quantity: line.quantity,
      subtotal: fromPaise(subtotal),
      added_at: line.addedAt.toISOString(),
    };
  });
  return {
    id: cart?.id ?? null,
    items,
    total_items: totalItems,
    subtotal: fromPaise(totalPaise),
    discount_total: '0.00',
    shipping_total: '0.00',
    tax_total: '0.00',
    promotion: null,
    shipping_method: null,
    total_amount: fromPaise(totalPaise),
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
      schema: {
        tags,
        summary: 'Add a variant (or a single-variant product) to the cart',
        description,
        headers: guestHeaders,
        body: ref(CartAddBody),
        response,
      },
    },
    async (request, res) =>
      reply(
        request,
        res,
        await service.addToCart(
          database,
          ownerOf(request),
          { variantId: request.body.variant_id, productId: request.body.product_id },
          request.body.quantity ?? 1,
        ),
      ),
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
};
