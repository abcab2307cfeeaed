/**
 * The test factories: users (customers, staff, their tokens), categories, products,
 * addresses and orders, made through the API with the typed client so that what they
 * return is the contract's shape. Each test makes its own, so tests never share rows.
 */
import type { RequestBody } from '@shop/client';
import { eq } from 'drizzle-orm';
import { insertDefaultVariants } from '../../src/db/seed.js';
import { products, users } from '../../src/db/schema/index.js';
import type { TestContext } from './app.js';
import { unique } from './app.js';
import { api, dataOf, type Schemas } from './client.js';

export const PASSWORD = 'Correct-Horse-42';

export interface TestUser {
  id: number;
  username: string;
  email: string;
  password: string;
  access: string;
  refresh: string;
}

export function bearer(access: string) {
  return { authorization: `Bearer ${access}` };
}

/** Registers a new user through the API and returns it with its first token pair. */
export async function makeUser(
  ctx: TestContext,
  overrides: Partial<RequestBody<'postApiAuthRegister'>> = {},
): Promise<TestUser> {
  const username = overrides.username ?? unique('user_');
  const email = overrides.email ?? `${username}@example.com`;
  const password = overrides.password ?? PASSWORD;
  const body = dataOf(
    'makeUser',
    await api(ctx).POST('/api/auth/register/', {
      body: {
        username,
        email,
        password,
        password2: password,
        first_name: 'Test',
        last_name: 'User',
        ...overrides,
      },
    }),
  );
  return { id: body.user.id, username, email, password, ...body.tokens };
}

/** A staff user (registered, then promoted as `admin:create` would). */
export async function makeAdmin(ctx: TestContext): Promise<TestUser> {
  const user = await makeUser(ctx);
  await ctx.database.db.update(users).set({ isStaff: true }).where(eq(users.id, user.id));
  return user;
}

/** Logs the user in again: a new session's token pair (and the user's profile). */
export async function login(ctx: TestContext, user: Pick<TestUser, 'username' | 'password'>) {
  const { username, password } = user;
  return dataOf('login', await api(ctx).POST('/api/auth/login/', { body: { username, password } }));
}

/** Creates a category through the admin API (unique name unless given). */
export async function makeCategory(
  ctx: TestContext,
  admin: TestUser,
  fields: Partial<RequestBody<'postApiCategories'>> = {},
): Promise<Schemas['Category']> {
  const body = { name: unique('Category '), ...fields };
  return dataOf('makeCategory', await api(ctx, admin.access).POST('/api/categories', { body }));
}

/** Where products are made: an app, a staff user to make them, and their category. */
export interface Shop {
  ctx: TestContext;
  admin: TestUser;
  categoryId: number;
}

/** A staff user and a category of its own, to make products in. */
export async function makeShop(ctx: TestContext, admin?: TestUser): Promise<Shop> {
  const staff = admin ?? (await makeAdmin(ctx));
  const category = await makeCategory(ctx, staff, { name: unique('Shop category ') });
  return { ctx, admin: staff, categoryId: category.id };
}

/**
 * Creates a product through the admin API. Defaults: a unique name, price 100.00, stock 50
 * (not low stock, so that other tests' `low_stock/` lists stay short), active, not featured.
 */
export async function makeProduct(
  shop: Shop,
  fields: Partial<RequestBody<'postApiProducts'>> = {},
): Promise<Schemas['ProductDetail']> {
  const body = { name: unique('Product '), price: '100.00', stock: 50, category: shop.categoryId, ...fields };
  return dataOf('makeProduct', await api(shop.ctx, shop.admin.access).POST('/api/products', { body }));
}

/** Saves an address in the user's book (defaults: a Bengaluru shipping address). */
export async function makeAddress(
  ctx: TestContext,
  user: TestUser,
  fields: Partial<RequestBody<'postApiAuthAddresses'>> = {},
): Promise<Schemas['Address']> {
  const body = {
    street_address: '12 MG Road',
    city: 'Bengaluru',
    state: 'Karnataka',
    postal_code: '560001',
    country: 'India',
    ...fields,
  };
  return dataOf('makeAddress', await api(ctx, user.access).POST('/api/auth/addresses/', { body }));
}

const SHIPPING_ADDRESS = '1 Test Street, Pune';

/** Puts the lines ([productId, quantity]) in the user's cart and checks out: the order. */
export async function placeOrder(
  ctx: TestContext,
  user: TestUser,
  lines: [number, number][],
  shipping: RequestBody<'postApiOrdersCreateOrder'> = { shipping_address: SHIPPING_ADDRESS },
): Promise<Schemas['OrderDetail']> {
  const client = api(ctx, user.access);
  for (const [product_id, quantity] of lines) {
    dataOf('placeOrder: add to cart', await client.POST('/api/cart/add/', { body: { product_id, quantity } }));
  }
  return dataOf('placeOrder', await client.POST('/api/orders/create_order/', { body: shipping }));
}

/**
 * Inserts products past the API (states the API refuses, such as prices or stock beyond its
 * bounds), each with its default variant as the API would create it. Returns the rows.
 */
export async function insertProducts(
  ctx: TestContext,
  rows: (Omit<typeof products.$inferInsert, 'priceMax'> & { priceMax?: string })[],
): Promise<(typeof products.$inferSelect)[]> {
  const created = await ctx.database.db
    .insert(products)
    .values(rows.map((r) => ({ ...r, priceMax: r.priceMax ?? r.price })))
    .returning();
  await insertDefaultVariants(ctx.database.db);
  return created;
}
