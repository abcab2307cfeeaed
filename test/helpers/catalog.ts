import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { expect, vi } from 'vitest';
import { eq } from 'drizzle-orm';
import { orderItems, orders, productVariants } from '../../src/db/schema/index.js';
import type { TestContext } from './app.js';
import type { ResponseBody, Schemas } from './client.js';
import { bearer, makeAdmin, makeUser, type TestUser } from './factories.js';

export type Category = Schemas['Category'];
export type ProductItem = Schemas['ProductListItem'];
export type ProductDetail = Schemas['ProductDetail'];

/** A page of a list endpoint (products, categories, orders…), holding `T`s. */
export type Page<T> = Omit<ResponseBody<'getApiProducts'>, 'results'> & { results: T[] };

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** `inject` with an optional caller (null: anonymous) and JSON body. */
export function call(
  ctx: TestContext,
  method: Method,
  url: string,
  as: TestUser | null = null,
  payload?: unknown,
): Promise<LightMyRequestResponse> {
  return ctx.app.inject({
    method,
    url,
    headers: as ? bearer(as.access) : {},
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
}

/** An admin and a normal user, for the catalog's admin-only writes. */
export async function catalogActors(
  ctx: TestContext,
): Promise<{ admin: TestUser; user: TestUser }> {
  const [admin, user] = await Promise.all([makeAdmin(ctx), makeUser(ctx)]);
  return { admin, user };
}

/** GET of a paged list, asserting 200; returns the body. */
export async function getPage<T = ProductItem>(
  ctx: TestContext,
  url: string,
  as: TestUser | null = null,
): Promise<Page<T>> {
  const res = await call(ctx, 'GET', url, as);
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json<Page<T>>();
}

/** `/api/products/?…` from query parameters (encoded). */
export function productsUrl(query: Record<string, string | number | boolean>): string {
  const params = new URLSearchParams(
    Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
  );
  return `/api/products/?${params.toString()}`;
}

/** Inserts an order holding the product straight into the database (no order API yet). */
export async function orderProduct(
  ctx: TestContext,
  userId: number,
  product: Pick<ProductDetail, 'id' | 'name' | 'price'>,
): Promise<void> {
  const orderNumber = `ORD-${randomBytes(6).toString('hex').toUpperCase()}`;
  const [order] = await ctx.database.db
    .insert(orders)
    .values({
      orderNumber,
      userId,
      totalAmount: product.price,
      // No discount or shipping: the total is the subtotal (orders_totals_chk, migration 0010).
      subtotal: product.price,
      shippingAddress: '12 MG Road, Bengaluru',
    })
    .returning({ id: orders.id });
  // The product's first variant (the default one of a product made as in v1).
  const [variant] = await ctx.database.db
    .select()
    .from(productVariants)
    .where(eq(productVariants.productId, product.id))
    .orderBy(productVariants.id)
    .limit(1);
  await ctx.database.db.insert(orderItems).values({
    orderId: order!.id,
    productId: product.id,
    variantId: variant!.id,
    sku: variant!.sku,
    variantTitle: variant!.title,
    productName: product.name,
    quantity: 1,
    priceAtPurchase: product.price,
  });
}

/**
 * The SQL text of each statement the app sends while `fn` runs, on PostgreSQL (the pool) and
 * on PGlite alike: both drivers send every statement through their client's `query`.
 */
export async function sentStatements(
  ctx: TestContext,
  fn: () => Promise<unknown>,
): Promise<string[]> {
  const client = (
    ctx.database.db as unknown as { $client: { query: (...args: unknown[]) => unknown } }
  ).$client;
  const spy = vi.spyOn(client, 'query');
  try {
    await fn();
    return spy.mock.calls.map(([q]) => (typeof q === 'string' ? q : (q as { text: string }).text));
  } finally {
    spy.mockRestore();
  }
}

/** How many SQL statements the app sends while `fn` runs. */
export async function countQueries(ctx: TestContext, fn: () => Promise<unknown>): Promise<number> {
  return (await sentStatements(ctx, fn)).length;
}
