/**
 * Helpers for the cart and order tests: requests as a user or a guest, products made
 * through the admin API, and the shapes the API answers.
 */
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestContext } from './app.js';
import { unique } from './app.js';
import { bearer, makeAdmin, type TestUser } from './factories.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who sends a request: a user (bearer), a guest with a token (header or cookie), or nobody. */
export interface As {
  user?: TestUser | null;
  /** Guest token sent in the X-Cart-Token header. */
  token?: string;
  /** Guest token sent as the cart_token cookie. */
  cookie?: string;
  headers?: Record<string, string>;
}

export function send(
  ctx: TestContext,
  method: Method,
  url: string,
  as: As = {},
  payload?: unknown,
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...as.headers };
  if (as.user) Object.assign(headers, bearer(as.user.access));
  if (as.token) headers['x-cart-token'] = as.token;
  return ctx.app.inject({
    method,
    url,
    headers,
    ...(as.cookie ? { cookies: { cart_token: as.cookie } } : {}),
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
}

/** Asserts the status (showing the body when it differs) and returns the parsed body. */
export function ok<T = any>(res: LightMyRequestResponse, status = 200): T {
  expect(res.statusCode, res.body).toBe(status);
  return res.json<T>();
}

export interface ProductDetail {
  id: number;
  name: string;
  slug: string;
  price: string;
  stock: number;
  image_url: string | null;
  is_active: boolean;
  is_featured: boolean;
  category: { id: number; name: string };
  category_name: string;
  created_at: string;
  updated_at: string;
  description: string;
}

interface CartItem {
  id: number;
  product: Record<string, unknown> & { id: number; stock: number; price: string };
  quantity: number;
  subtotal: string;
  added_at: string;
}

export interface Cart {
  id: number | null;
  items: CartItem[];
  total_items: number;
  total_amount: string;
  created_at: string | null;
  updated_at: string | null;
}

export interface OrderDetail {
  id: number;
  order_number: string;
  user_email: string;
  total_amount: string;
  status: string;
  payment_status: string;
  shipping_address: string;
  items: {
    id: number;
    product: number;
    product_name: string;
    quantity: number;
    price_at_purchase: string;
    subtotal: string;
  }[];
  status_history: {
    from_status: string | null;
    to_status: string;
    changed_by: string;
    note: string;
    created_at: string;
  }[];
  created_at: string;
  updated_at: string;
}

export interface OrderListItem {
  id: number;
  order_number: string;
  total_amount: string;
  status: string;
  payment_status: string;
  items_count: number;
  created_at: string;
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** An admin and a category of its own, to make products in. */
export interface Shop {
  ctx: TestContext;
  admin: TestUser;
  categoryId: number;
  categoryName: string;
}

export async function makeShop(ctx: TestContext): Promise<Shop> {
  const admin = await makeAdmin(ctx);
  const category = ok(await send(ctx, 'POST', '/api/categories/', { user: admin }, { name: unique('Shop category ') }), 201);
  return { ctx, admin, categoryId: category.id, categoryName: category.name };
}

/** A product with a unique name (defaults: price 100.00, stock 50, active). */
export async function makeProduct(shop: Shop, fields: Record<string, unknown> = {}): Promise<ProductDetail> {
  const res = await send(shop.ctx, 'POST', '/api/products/', { user: shop.admin }, {
    name: unique('Shop product '),
    price: '100.00',
    stock: 50,
    category: shop.categoryId,
    ...fields,
  });
  return ok<ProductDetail>(res, 201);
}

/** Admin PATCH of a product (stock, price, is_active…). */
export async function patchProduct(shop: Shop, id: number, fields: Record<string, unknown>): Promise<ProductDetail> {
  return ok<ProductDetail>(await send(shop.ctx, 'PATCH', `/api/products/${id}/`, { user: shop.admin }, fields));
}

/** A product's current stock (read as admin, so inactive products are visible too). */
export async function stockOf(shop: Shop, id: number): Promise<number> {
  return ok<ProductDetail>(await send(shop.ctx, 'GET', `/api/products/${id}/`, { user: shop.admin })).stock;
}

export async function getCart(ctx: TestContext, as: As): Promise<Cart> {
  return ok<Cart>(await send(ctx, 'GET', '/api/cart/', as));
}

export function addToCart(ctx: TestContext, as: As, productId: number, quantity?: number) {
  return send(ctx, 'POST', '/api/cart/add/', as, {
    product_id: productId,
    ...(quantity !== undefined ? { quantity } : {}),
  });
}

/** Adds as a user and asserts 200; returns the cart. */
export async function fillCart(ctx: TestContext, user: TestUser, lines: [number, number][]): Promise<Cart> {
  let cart: Cart | undefined;
  for (const [productId, quantity] of lines) cart = ok<Cart>(await addToCart(ctx, { user }, productId, quantity));
  return cart!;
}

export function createOrder(
  ctx: TestContext,
  user: TestUser | null,
  body: Record<string, unknown> = { shipping_address: '1 Test Street, Pune' },
  headers: Record<string, string> = {},
  url = '/api/orders/create_order/',
) {
  return send(ctx, 'POST', url, { user, headers }, body);
}

/** Fills the user's cart with the lines and places the order; asserts 201. */
export async function placeOrder(ctx: TestContext, user: TestUser, lines: [number, number][]): Promise<OrderDetail> {
  await fillCart(ctx, user, lines);
  return ok<OrderDetail>(await createOrder(ctx, user), 201);
}

export async function getOrder(ctx: TestContext, user: TestUser, id: number): Promise<OrderDetail> {
  return ok<OrderDetail>(await send(ctx, 'GET', `/api/orders/${id}/`, { user }));
}

export async function listOrders(ctx: TestContext, user: TestUser, query = ''): Promise<Page<OrderListItem>> {
  return ok<Page<OrderListItem>>(await send(ctx, 'GET', `/api/orders/${query}`, { user }));
}

/** A manual payment as staff record it when they mark an order paid by hand. */
export const CASH = { method: 'cash', reference: 'Counter receipt 0042' } as const;

export function updateStatus(
  ctx: TestContext,
  user: TestUser | null,
  id: number,
  status: string,
  note?: string,
  payment?: Record<string, unknown>,
) {
  return send(ctx, 'PATCH', `/api/orders/${id}/update_status/`, { user }, {
    status,
    ...(note !== undefined ? { note } : {}),
    ...(payment !== undefined ? { payment } : {}),
  });
}

export function cancelOrder(ctx: TestContext, user: TestUser | null, id: number) {
  return send(ctx, 'POST', `/api/orders/${id}/cancel/`, { user });
}

/** The product list item the cart embeds, derived from a product detail. */
export function listItemOf(p: ProductDetail) {
  return {
    id: p.id,
    name: p.name,
    slug: p.slug,
    price: p.price,
    stock: p.stock,
    image_url: p.image_url,
    is_active: p.is_active,
    is_featured: p.is_featured,
    category: p.category.id,
    category_name: p.category_name,
    created_at: p.created_at,
  };
}

export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
