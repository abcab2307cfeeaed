import type { Database, Executor, Tx } from '../../db/client.js';
import { BadRequest, NotFound, TotalTooLarge, ValidationError } from '../../http/errors.js';
import { fromPaise, MAX_TOTAL_PAISE, toPaiseBig } from '../../lib/money.js';
import type { Actor } from '../../kernel/actor.js';
import * as repo from './repository.js';
import { hashCartToken, newCartToken } from './token.js';

/** Whose cart a request is about: a user, or a guest with (or without) a token. */
export type CartOwner = { kind: 'user'; actor: Actor } | { kind: 'guest'; token: string | null };

export interface CartSnapshot {
  cart: repo.CartRow | null;
  lines: repo.CartLine[];
}

export interface CartWrite extends CartSnapshot {
  /** A token issued by this write (a guest's first add). */
  issuedToken?: string;
}

const NOT_IN_CART = 'Cart item not found.';
const MAX_LINE_QUANTITY = 999;

function findCart(ex: Executor, owner: CartOwner) {
  if (owner.kind === 'user') return repo.findUserCart(ex, owner.actor.id);
  return owner.token ? repo.findGuestCart(ex, hashCartToken(owner.token)) : Promise.resolve(undefined);
}

/** The cart and its lines: two queries whatever its size. A guest without a cart gets none. */
export async function readCart(database: Database, owner: CartOwner): Promise<CartSnapshot> {
  const cart = await findCart(database.db, owner);
  return { cart: cart ?? null, lines: cart ? await repo.cartLines(database.db, cart.id) : [] };
}

/** The owner's cart, locked for this transaction and marked as used now. */
function lockCart(tx: Tx, owner: CartOwner) {
  if (owner.kind === 'user') return repo.lockUserCartRow(tx, owner.actor.id);
  return owner.token ? repo.lockGuestCart(tx, hashCartToken(owner.token)) : Promise.resolve(undefined);
}

/** Runs a write on the owner's cart (created if needed) under the cart's row lock. */
async function writeCart(
  database: Database,
  owner: CartOwner,
  create: boolean,
  work: (tx: Tx, cart: repo.CartRow) => Promise<void>,
): Promise<CartWrite> {
  return database.db.transaction(async (tx) => {
    let cart = await lockCart(tx, owner);
    let issuedToken: string | undefined;
    if (!cart) {
      if (!create) return { cart: null, lines: [] };
      if (owner.kind === 'user') cart = await repo.ensureUserCart(tx, owner.actor.id);
      else {
        issuedToken = newCartToken();
        cart = await repo.createGuestCart(tx, hashCartToken(issuedToken));
      }
      // A row just inserted is ours; one another request inserted first is locked here.
      cart = await repo.lockAndTouchCart(tx, cart.id);
    }
    await work(tx, cart);
    return { cart, lines: await repo.cartLines(tx, cart.id), issuedToken };
  });
}

/** What a shopper adds: a variant, or a product that has exactly one (both must agree). */
interface CartAddTarget {
  variantId?: number;
  productId?: number;
}

/**
 * `field` names what the request chose the variant by; `line` is a cart line's variant (a
 * quantity change), reported under both names: `product_id` as v1 clients read it.
 */
function checkAvailability<V extends { stock: number; isActive: boolean }>(
  variant: V | undefined,
  quantity: number,
  field: 'variant_id' | 'product_id' | 'line',
): asserts variant is V {
  if (!variant || !variant.isActive) {
    const variantGone = 'Variant not found or inactive';
    const productGone = 'Product not found or inactive';
    if (field === 'line') throw new ValidationError({ product_id: [productGone], variant_id: [variantGone] });
    throw ValidationError.field(field, field === 'variant_id' ? variantGone : productGone);
  }
  if (quantity > variant.stock) {
    throw ValidationError.field('quantity', `Only ${variant.stock} items available in stock`);
  }
}

/**
 * A write that raises the cart's total past MAX_TOTAL_PAISE is refused. One that lowers it
 * is not, even when the cart stays above (a price raised after the line was added): the
 * shopper must be able to bring such a cart back within bounds.
 */
function assertTotalFits(line: { price: string; otherLines: string }, before: number, after: number) {
  if (after <= before) return;
  const total = toPaiseBig(line.otherLines) + toPaiseBig(line.price) * BigInt(after);
  if (total > MAX_TOTAL_PAISE) throw new TotalTooLarge(fromPaise(total), 'quantity');
}

/**
 * The variant an add names: by `variant_id` (whose product must be `product_id` when both
 * are given), or the only variant of `product_id` (400 `variant_required` when it has several).
 */
async function resolveVariant(tx: Tx, cartId: number, target: CartAddTarget) {
  if (target.variantId !== undefined) {
    const variant = await repo.variantForCart(tx, cartId, target.variantId);
    if (variant && target.productId !== undefined && variant.productId !== target.productId) {
      throw ValidationError.field('variant_id', 'This variant is not one of product_id’s variants.');
    }
    return { variant, field: 'variant_id' as const };
  }
  const rows = await repo.productVariantsForCart(tx, cartId, target.productId!);
  if (rows.length > 1) {
    throw new BadRequest('This product has several variants: give variant_id.', 'variant_required', {
      variant_id: ['This product has several variants: choose one.'],
    });
  }
  return { variant: rows[0], field: 'product_id' as const };
}

/** Adds to the line of that variant (or starts one); the line may not exceed stock or 999, nor the cart the total bound. */
export function addToCart(database: Database, owner: CartOwner, target: CartAddTarget, quantity: number) {
  if (target.variantId === undefined && target.productId === undefined) {
    throw ValidationError.field('variant_id', 'This field is required (or product_id, for a product with one variant).');
  }
  return writeCart(database, owner, true, async (tx, cart) => {
    const { variant, field } = await resolveVariant(tx, cart.id, target);
    const current = variant?.inCart ?? 0;
    const total = current + quantity;
    if (total > MAX_LINE_QUANTITY) {
      throw ValidationError.field(
        'quantity',
        `A cart line holds at most ${MAX_LINE_QUANTITY} items; this one already has ${current}.`,
      );
    }
    checkAvailability(variant, total, field);
    assertTotalFits(variant, current, total);
    await repo.upsertLine(tx, cart.id, variant, total);
  });
}

/** Sets a line's quantity (within stock and the total bound); an item of another cart is 404. */
export function setItemQuantity(database: Database, owner: CartOwner, itemId: number, quantity: number) {
  return writeCart(database, owner, false, async (tx, cart) => {
    const item = await repo.findItem(tx, cart.id, itemId);
    if (!item) throw new NotFound(NOT_IN_CART);
    const variant = await repo.variantForCart(tx, cart.id, item.variantId);
    checkAvailability(variant, quantity, 'line');
    assertTotalFits(variant, item.quantity, quantity);
    await repo.setItemQuantity(tx, item.id, quantity);
  }).then((result) => {
    if (!result.cart) throw new NotFound(NOT_IN_CART);
    return result;
  });
}

export function removeItem(database: Database, owner: CartOwner, itemId: number) {
  return writeCart(database, owner, false, async (tx, cart) => {
    if (!(await repo.deleteItem(tx, cart.id, itemId))) throw new NotFound(NOT_IN_CART);
  }).then((result) => {
    if (!result.cart) throw new NotFound(NOT_IN_CART);
    return result;
  });
}

export function clearCart(database: Database, owner: CartOwner) {
  return writeCart(database, owner, false, (tx, cart) => repo.clearItems(tx, cart.id));
}

/**
 * Inside the login/register transaction: moves the guest cart named by `token` into the
 * user's cart (sum per variant, capped at the variant's stock and 999) and deletes the guest cart.
 * Returns whether there was a guest cart.
 */
export async function mergeGuestCart(tx: Tx, token: string, userId: number): Promise<boolean> {
  const guest = await repo.findGuestCart(tx, hashCartToken(token));
  if (!guest) return false;
  const cart = await repo.ensureUserCart(tx, userId);
  await repo.lockAndTouchCart(tx, cart.id);
  await repo.mergeLines(tx, guest.id, cart.id);
  await repo.deleteCart(tx, guest.id);
  return true;
}

/**
 * Checkout's view of the user's cart, in two statements: the cart row locked (one user's
 * concurrent checkouts run one after the other) and its lines with their variants and
 * products locked in id order. Null when the user has no cart.
 */
export async function lockCartForCheckout(tx: Tx, userId: number) {
  return (await repo.lockUserCart(tx, userId)) ?? null;
}

/**
 * The cart's lines with their variants and products, locked in (product id, variant id)
 * order, each with its category, weight and tax rate.
 */
export function lockCheckoutLines(tx: Tx, cartId: number) {
  return repo.lockCheckoutLines(tx, cartId);
}

/** Empties a cart inside the checkout transaction (and drops its promotion code, used by the order). */
export function emptyCart(tx: Tx, cartId: number, withPromotion: boolean): Promise<void> {
  return withPromotion ? repo.clearItemsAndPromotion(tx, cartId) : repo.clearItems(tx, cartId);
}

/** Deletes guest carts nobody has touched for `days` days (the idle-cart job). */
export function deleteIdleGuestCarts(database: Database, days = 30): Promise<number> {
  return repo.deleteIdleGuestCarts(database.db, new Date(Date.now() - days * 86_400_000));
}
