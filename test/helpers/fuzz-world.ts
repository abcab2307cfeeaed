/**
 * The objects a fuzzed request can point at: users of every kind with their tokens, a
 * category tree, products, an address, carts (user and guest), a pending and a paid order.
 * Made through the API, fresh for each operation, since the fuzz may delete or deactivate them.
 */
import type { TestContext } from './app.js';
import { unique } from './app.js';
import {
  bearer,
  makeAddress,
  makeAdmin,
  makeCategory,
  makeProduct,
  makeUser,
  placeOrder,
  type Shop,
} from './factories.js';
import type { FakeRazorpay } from './fake-razorpay.js';
import { initiated as initiatedFor, payOrder } from './payments.js';
import { ok, send } from './shop.js';
import type { Caller } from './fuzz-requests.js';

type Json = Record<string, any>;

export interface World {
  refs: {
    product: number;
    product2: number;
    inactiveProduct: number;
    category: number;
    childCategory: number;
    address: number;
    order: number;
    paidOrder: number;
    cartItem: number;
    guestCartItem: number;
    shopperId: number;
    adminId: number;
    victimId: number;
    categorySlug: string;
    childCategorySlug: string;
    productSlug: string;
    razorpayOrderId: string;
    paymentId: string;
    guestToken: string;
    refreshToken: string;
  };
  webhookSecret: string;
  /** The headers that make each kind of caller. */
  callers: Record<Caller, Record<string, string>>;
}

/** Builds a world in which every id the API knows exists at least once. */
export async function makeWorld(ctx: TestContext, fake: FakeRazorpay): Promise<World> {
  const admin = await makeAdmin(ctx);
  const shopper = await makeUser(ctx);
  const victim = await makeUser(ctx);
  const category = await makeCategory(ctx, admin, { name: unique('Fuzz ') });
  const child = await makeCategory(ctx, admin, { name: unique('Fuzz child '), parent: category.id });
  const shop: Shop = { ctx, admin, categoryId: category.id };
  const product = await makeProduct(shop, { stock: 1000 });
  const product2 = await makeProduct(shop, { price: '10.00', stock: 1000, category: child.id });
  const inactive = await makeProduct(shop, { is_active: false });
  const address = await makeAddress(ctx, shopper, {
    street_address: '1 Fuzz Street',
    city: 'Pune',
    state: 'MH',
    postal_code: '411001',
  });
  const orderOf = (productId: number) =>
    placeOrder(ctx, shopper, [[productId, 2]], { shipping_address_id: address.id });
  const paidOrder = await orderOf(product2.id);
  const { payment } = await payOrder(ctx, fake, shopper, paidOrder.id);
  const order = await orderOf(product.id);
  const initiated = await initiatedFor(ctx, shopper, order.id);
  const cart = ok(
    await send(
      ctx,
      'POST',
      '/api/cart/add/',
      { user: shopper },
      { product_id: product.id, quantity: 1 },
    ),
  );
  const guest = await send(
    ctx,
    'POST',
    '/api/cart/add/',
    {},
    { product_id: product2.id, quantity: 3 },
  );
  const guestToken = String(guest.headers['x-cart-token']);

  return {
    refs: {
      product: product.id,
      product2: product2.id,
      inactiveProduct: inactive.id,
      category: category.id,
      childCategory: child.id,
      address: address.id,
      order: order.id,
      paidOrder: paidOrder.id,
      cartItem: cart.items[0].id,
      guestCartItem: ok(guest).items[0].id,
      shopperId: shopper.id,
      adminId: admin.id,
      victimId: victim.id,
      categorySlug: category.slug,
      childCategorySlug: child.slug,
      productSlug: product.slug,
      razorpayOrderId: initiated.razorpay_order_id,
      paymentId: payment.id,
      guestToken,
      refreshToken: shopper.refresh,
    },
    webhookSecret: fake.webhookSecret,
    callers: {
      anonymous: {},
      shopper: bearer(shopper.access),
      admin: bearer(admin.access),
      guest: { 'x-cart-token': guestToken },
      'junk-token': { authorization: 'Bearer not.a.jwt' },
      'refresh-as-access': bearer(shopper.refresh),
    },
  };
}

/**
 * Whether the fuzz left the world as it was made: callers still signed in, every fixture
 * still there, the orders in their first state, the carts holding their lines. Cheaper
 * than a new world, which the fuzz needs only after an operation that broke this one.
 */
export async function worldIsIntact(ctx: TestContext, world: World): Promise<boolean> {
  const { refs, callers } = world;
  const get = async (url: string, headers: Record<string, string>) => {
    const res = await ctx.app.inject({ method: 'GET', url, headers });
    return res.statusCode === 200 ? res.json<Json>() : null;
  };
  const reads = await Promise.all([
    get('/api/auth/profile/', callers.shopper),
    get('/api/auth/profile/', callers.admin),
    get(`/api/products/${refs.product}/`, callers.admin),
    get(`/api/products/${refs.product2}/`, callers.admin),
    get(`/api/products/${refs.inactiveProduct}/`, callers.admin),
    get(`/api/categories/${refs.categorySlug}/`, {}),
    get(`/api/categories/${refs.childCategorySlug}/`, {}),
    get(`/api/auth/addresses/${refs.address}/`, callers.shopper),
    get(`/api/orders/${refs.order}/`, callers.shopper),
    get(`/api/orders/${refs.paidOrder}/`, callers.shopper),
    get('/api/cart/', callers.shopper),
    get('/api/cart/', callers.guest),
    get(`/api/admin/users/${refs.victimId}/`, callers.admin),
  ]);
  if (reads.some((body) => body === null)) return false;
  const [shopper, admin, product, product2, inactive, , , , order, paid, cart, guestCart, victim] =
    reads as Json[];
  const holds = (c: Json, id: number) =>
    (c.items as { id: number }[]).some((item) => item.id === id);
  return (
    shopper!.id === refs.shopperId &&
    admin!.is_staff === true &&
    product!.is_active &&
    product2!.is_active &&
    !inactive!.is_active &&
    product!.slug === refs.productSlug &&
    order!.status === 'pending' &&
    paid!.status === 'paid' &&
    holds(cart!, refs.cartItem) &&
    holds(guestCart!, refs.guestCartItem) &&
    victim!.is_active === true
  );
}
