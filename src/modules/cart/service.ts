import type { Database, Executor, Tx } from '../../db/client.js';
import {
  addFieldError,
  BadRequest,
  type FieldErrors,
  NotFound,
  TotalTooLarge,
  ValidationError,
} from '../../http/errors.js';
import { fromPaise, MAX_TOTAL_PAISE, toPaiseBig } from '../../lib/money.js';
import type { Actor } from '../../kernel/actor.js';
import {
  PROMOTION_MESSAGES,
  promotionByCode,
  promotionById,
  type PromotionRead,
  type Quote,
  quote,
  shippingPrice,
} from '../pricing/index.js';
import * as repo from './repository.js';
import { hashCartToken, newCartToken } from './token.js';

/** Whose cart a request is about: a user, or a guest with (or without) a token. */
export type CartOwner = { kind: 'user'; actor: Actor } | { kind: 'guest'; token: string | null };

export interface CartSnapshot {
  cart: repo.CartRow | null;
  lines: repo.CartLine[];
  /** The cart's money now: its promotion (if any) with pricing's verdict, shipping, totals. */
  pricing: CartPricing;
}

interface CartPricing {
  quote: Quote;
  promotion: PromotionRead | null;
}

/** The country a cart's shipping is estimated for (the shop ships from India). */
const CART_COUNTRY = 'IN';

function quoteLines(lines: repo.CartLine[], promotion: PromotionRead | null, country: string): Quote {
  return quote({
    lines: lines.map((l) => ({
      productId: l.product.id,
      categoryId: l.product.categoryId,
      unitPrice: l.unitPrice,
      quantity: l.quantity,
      taxRate: l.taxRate,
      weightGrams: l.weightGrams,
    })),
    promotion,
    methods: lines[0]?.methods ?? [],
    country,
    // The shipping address is not known yet: the tax is shown whole (its split comes at checkout).
    taxSplit: 'inter',
    now: new Date(),
  });
}

/** Prices a cart read: one more query only when it holds a promotion code. */
async function priced(
  ex: Executor,
  owner: CartOwner,
  cart: repo.CartRow | null,
  lines: repo.CartLine[],
): Promise<CartSnapshot> {
  const promotion = cart?.promotionId ? await promotionById(ex, cart.promotionId, ownerId(owner)) : null;
  return { cart, lines, pricing: { quote: quoteLines(lines, promotion, CART_COUNTRY), promotion } };
}

function ownerId(owner: CartOwner): number | null {
  return owner.kind === 'user' ? owner.actor.id : null;
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
  return priced(database.db, owner, cart ?? null, cart ? await repo.cartLines(database.db, cart.id) : []);
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
  /** Returns the cart's new promotion id when it sets one (or null when it removes it). */
  work: (tx: Tx, cart: repo.CartRow) => Promise<void | number | null>,
): Promise<CartWrite> {
  return database.db.transaction(async (tx) => {
    let cart = await lockCart(tx, owner);
    let issuedToken: string | undefined;
    if (!cart) {
      if (!create) return priced(tx, owner, null, []);
      if (owner.kind === 'user') cart = await repo.ensureUserCart(tx, owner.actor.id);
      else {
        issuedToken = newCartToken();
        cart = await repo.createGuestCart(tx, hashCartToken(issuedToken));
      }
      // A row just inserted is ours; one another request inserted first is locked here.
      cart = await repo.lockAndTouchCart(tx, cart.id);
    }
    const promotionId = await work(tx, cart);
    if (promotionId !== undefined) cart = { ...cart, promotionId };
    return { ...(await priced(tx, owner, cart, await repo.cartLines(tx, cart.id))), issuedToken };
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

/**
 * An add whose body the schema refused in part: the id it did accept is looked up as well (a
 * read, no cart made), so that one 400 names every wrong field. Always throws.
 */
export async function refuseAdd(database: Database, target: CartAddTarget, schemaErrors: FieldErrors): Promise<never> {
  const errors: FieldErrors = { ...schemaErrors };
  const noCart = 0;
  if (target.variantId !== undefined) {
    const variant = await repo.variantForCart(database.db, noCart, target.variantId);
    if (!variant?.isActive) addFieldError(errors, 'variant_id', 'Variant not found or inactive');
  } else if (target.productId !== undefined) {
    const rows = await repo.productVariantsForCart(database.db, noCart, target.productId);
    if (!rows.some((row) => row.isActive)) addFieldError(errors, 'product_id', 'Product not found or inactive');
  }
  throw new ValidationError(errors);
}

/** Adds to the line of that variant (or starts one); the line may not exceed stock or 999, nor the cart the total bound. */
export function addToCart(database: Database, owner: CartOwner, target: CartAddTarget, quantity: number) {
  if (target.variantId === undefined && target.productId === undefined) {
    throw ValidationError.field('variant_id', 'Required (or product_id, for a product with one variant).');
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

/**
 * Applies a promotion code to the cart (any case). A code that does not apply to the cart as
 * it is now is 400 with the reason's code and is not kept; one that applies is kept, and
 * checked again whenever the cart is shown and at checkout.
 */
export function applyPromotion(database: Database, owner: CartOwner, code: string) {
  return writeCart(database, owner, false, async (tx, cart) => {
    const lines = await repo.cartLines(tx, cart.id);
    if (!lines.length) throw new BadRequest('Your cart is empty: add something before applying a code.', 'cart_empty');
    const promotion = await promotionByCode(tx, code, ownerId(owner));
    const rejection = promotion ? quoteLines(lines, promotion, CART_COUNTRY).rejection : 'promotion_not_found';
    if (rejection) throw new BadRequest(PROMOTION_MESSAGES[rejection], rejection, { code: [PROMOTION_MESSAGES[rejection]] });
    await repo.setPromotion(tx, cart.id, promotion!.facts.id);
    return promotion!.facts.id;
  }).then((result) => {
    if (!result.cart) throw new BadRequest('Your cart is empty: add something before applying a code.', 'cart_empty');
    return result;
  });
}

/** Removes the cart's promotion code (a cart without one is answered as it is). */
export function removePromotion(database: Database, owner: CartOwner) {
  return writeCart(database, owner, false, async (tx, cart) => {
    if (cart.promotionId === null) return undefined;
    await repo.setPromotion(tx, cart.id, null);
    return null;
  });
}

/**
 * The shipping methods that can ship the cart to `country` with their price for it (by its
 * weight and its subtotal after discount), cheapest first.
 */
export async function shippingOptions(database: Database, owner: CartOwner, country: string) {
  const { lines, pricing } = await readCart(database, owner);
  const methods = lines[0]?.methods ?? [];
  const q = quoteLines(lines, pricing.promotion, country);
  const options = [];
  for (const method of methods) {
    const price = shippingPrice(method, { country, weightGrams: q.weightGrams, netPaise: q.totals.subtotal - q.totals.discountTotal });
    if (price !== null) options.push({ id: method.id, name: method.name, price });
  }
  return options.sort((a, b) => (a.price === b.price ? a.id - b.id : a.price < b.price ? -1 : 1));
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
  // The guest's promotion code comes along unless the user's cart has one of its own.
  if (guest.promotionId !== null && cart.promotionId === null) await repo.setPromotion(tx, cart.id, guest.promotionId);
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
