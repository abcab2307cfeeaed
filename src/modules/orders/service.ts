import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Database, Tx } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import {
  addFieldError,
  AppError,
  BadRequest,
  Conflict,
  type FieldErrors,
  NotFound,
  say,
  throwIfAny,
  TotalTooLarge,
  ValidationError,
  wrongFields,
} from '../../http/errors.js';
import { checkedFields } from '../../http/validation.js';
import { formatMoney, fromPaise, MAX_TOTAL_PAISE } from '../../lib/money.js';
import { getAddress } from '../accounts/index.js';
import type { Actor } from '../../kernel/actor.js';
import { emptyCart, lockCartForCheckout, lockCheckoutLines } from '../cart/index.js';
import {
  claimPromotion,
  COUNTRY_MESSAGE,
  countryCode,
  INDIAN_PIN,
  indianStateCode,
  PROMOTION_MESSAGES,
  type PromotionRejection,
  promotionExists,
  quote,
} from '../pricing/index.js';
import * as idempotency from '../idempotency/index.js';
import {
  allowedTransitions,
  canTransition,
  CUSTOMER_CANCELLABLE,
  type OrderStatus,
  PAID_PAYMENT_STATUSES,
  paymentStatusAfter,
  restoresStock,
} from './order-state.js';
import { insertJobRows, type JobQueue } from '../jobs/index.js';
import { recordEvent, recordEvents } from '../events/index.js';
import type { StockLine } from '../catalog/index.js';
import { applyOrderEffects } from './effects.js';
import * as repo from './repository.js';
import * as stats from './stats.js';
import { loadOrderDetail, orderDetailView, type OrderDetailView, orderListView } from './views.js';

/** Runs inside the transaction that cancels a paid order (payments starts the refund). */
type PaidOrderCancelled = (tx: Tx, order: repo.OrderRow) => Promise<void>;

/** How staff say they received an order's money outside Razorpay. */
export interface ManualPayment {
  method: 'cash' | 'bank_transfer' | 'upi' | 'other';
  reference: string;
}

/** Runs inside the transaction that marks an order paid by hand (payments records the payment). */
export type ManualPaymentRecorder = (tx: Tx, order: repo.OrderRow, payment: ManualPayment, by: Actor) => Promise<void>;

export interface OrdersDeps {
  database: Database;
  jobs: JobQueue;
  paymentTimeoutSeconds: number;
  /** SHOP_STATE's code: orders shipped within it split GST into CGST + SGST. */
  shopState: string | null;
  onPaidOrderCancelled: PaidOrderCancelled[];
  log: FastifyBaseLogger;
  /** Set by the payments module; marking an order paid by hand needs it. */
  recordManualPayment: ManualPaymentRecorder | null;
  /** The zone the export's days are counted in (REPORT_TIMEZONE); UTC when not given. */
  timeZone?: string;
}

interface CreateOrderInput {
  shipping_address_id?: number;
  shipping_address?: string | ShippingAddressObject;
  shipping_method_id?: number;
}

interface ShippingAddressObject {
  street_address: string;
  city: string;
  state: string;
  postal_code: string;
  country: string;
}

/** Where an order ships: the text it keeps, and the country and state that price and tax it. */
interface ShipTo {
  text: string;
  /** ISO 3166-1 alpha-2, or null for a country name the shop cannot map. */
  country: string | null;
  /** An Indian state's code, or null when not known (free text, another country). */
  state: string | null;
}

const NOT_FOUND = 'Order not found.';

function newOrderNumber(): string {
  return `ORD-${randomBytes(6).toString('hex').toUpperCase()}`;
}

function addressShipTo(a: ShippingAddressObject): ShipTo {
  const country = countryCode(a.country);
  return {
    text: [a.street_address, a.city, a.state, a.postal_code, a.country].map((p) => p.trim()).join(', '),
    country,
    state: country === 'IN' ? indianStateCode(a.state) : null,
  };
}

/**
 * A checkout's address object, checked as an address is: every wrong field's message goes into
 * `errors`; fields the schema refused (already in `errors`) are not judged again. Undefined when
 * anything is wrong.
 */
function checkAddressObject(given: Record<string, unknown>, errors: FieldErrors): ShipTo | undefined {
  const wrong = new Set(Object.keys(errors));
  const a: Record<string, string> = {};
  for (const key of ADDRESS_KEYS) {
    const field = `shipping_address.${key}`;
    const value = given[key];
    if (wrong.has(field) || typeof value !== 'string') continue;
    if (!value.trim()) addFieldError(errors, field, say.blank);
    else a[key] = value;
  }
  const country = a.country === undefined ? null : countryCode(a.country);
  if (a.country !== undefined && country === null) addFieldError(errors, 'shipping_address.country', COUNTRY_MESSAGE);
  if (country === 'IN') {
    if (a.state !== undefined && indianStateCode(a.state) === null) {
      addFieldError(errors, 'shipping_address.state', 'Choose an Indian state or union territory (a name, or a code such as KA).');
    }
    if (a.postal_code !== undefined && !INDIAN_PIN.test(a.postal_code.trim())) {
      addFieldError(errors, 'shipping_address.postal_code', 'An Indian postal code (PIN) is six digits, e.g. 560001.');
    }
  }
  if (Object.keys(errors).length) return undefined;
  return addressShipTo(a as unknown as ShippingAddressObject);
}

const ADDRESS_KEYS = ['street_address', 'city', 'state', 'postal_code', 'country'] as const;

/**
 * Where a checkout ships, from the body (`input`: the fields that passed the schema; `raw`: the
 * body as sent). Every wrong field is reported in one 400, the schema's (`schemaErrors`) too.
 */
async function shipTo(
  deps: OrdersDeps,
  actor: Actor,
  input: Partial<CreateOrderInput>,
  raw: unknown,
  schemaErrors: FieldErrors,
): Promise<ShipTo> {
  const errors: FieldErrors = { ...schemaErrors };
  const wrong = wrongFields(schemaErrors);
  let to: ShipTo | undefined;
  if (input.shipping_address_id !== undefined) {
    const a = await getAddress(deps.database, actor, input.shipping_address_id).catch((err: unknown) => {
      if (err instanceof NotFound) return null;
      throw err;
    });
    if (!a) addFieldError(errors, 'shipping_address_id', 'No address of yours has this id.');
    else {
      to = addressShipTo({
        street_address: a.streetAddress,
        city: a.city,
        state: a.state,
        postal_code: a.postalCode,
        country: a.country,
      });
    }
  } else if (!wrong.has('shipping_address_id')) {
    // An address object the schema refused in part: its other fields are checked all the same.
    const sent = (raw as { shipping_address?: unknown } | null)?.shipping_address;
    const given = input.shipping_address ?? sent;
    if (given !== null && typeof given === 'object' && !Array.isArray(given)) {
      to = checkAddressObject(given as Record<string, unknown>, errors);
    } else if (typeof given === 'string' && given.trim() && !wrong.has('shipping_address')) {
      // Free text (v1): its state is unknown (IGST); it ships within India, the shop's country.
      to = { text: given.trim(), country: 'IN', state: null };
    } else if (!wrong.has('shipping_address')) {
      addFieldError(errors, 'shipping_address', 'Give shipping_address_id or a shipping_address of 1–500 characters.');
    }
  }
  throwIfAny(errors);
  return to!;
}

function promotionError(code: PromotionRejection): AppError {
  return new BadRequest(PROMOTION_MESSAGES[code], code, { promotion: [PROMOTION_MESSAGES[code]] });
}

/**
 * The cart's promotion, its use taken (see pricing's claimPromotion), as it is now; a code
 * used up (or deleted meanwhile) is 400 and the transaction rolls back.
 */
async function claimCartPromotion(tx: Tx, promotionId: number, userId: number) {
  const claimed = await claimPromotion(tx, promotionId, userId);
  if (!claimed) {
    throw promotionError((await promotionExists(tx, promotionId)) ? 'promotion_exhausted' : 'promotion_not_found');
  }
  if (!claimed.customerOk) throw promotionError('promotion_exhausted');
  // Its use is taken (the limits held): judge the rest on the row as it was before this use.
  return {
    facts: { ...claimed.facts, timesUsed: claimed.facts.timesUsed - 1 },
    eligibleCategoryIds: claimed.eligibleCategoryIds,
    customerUses: null,
  };
}

/**
 * Checkout: in one transaction, lock the cart; take a use of its promotion code (the code's
 * row lock comes before the products'); lock its products and variants in id order and check
 * each variant's stock; price it (promotion, shipping, tax: pricing's quote); write the order
 * with its money, price, variant and tax snapshots and its first history row; empty the cart;
 * and deduct the variants' stock (with the counters, in the lock order). Anything short,
 * inactive or not applicable is 400 and changes nothing. About eight statements whatever the
 * cart's size (one more with a promotion code); the response is built from what they returned.
 */
async function placeOrder(
  tx: Tx,
  deps: OrdersDeps,
  actor: Actor,
  to: ShipTo,
  shippingMethodId: number | undefined,
): Promise<OrderDetailView> {
  const cart = await lockCartForCheckout(tx, actor.id);
  const promotion = cart?.promotionId ? await claimCartPromotion(tx, cart.promotionId, actor.id) : null;
  const lines = cart ? await lockCheckoutLines(tx, cart.id) : [];
  if (!cart || !lines.length) throw new BadRequest('Your cart is empty.', 'cart_empty');
  for (const line of lines) {
    if (!line.isActive || line.stock < line.quantity) {
      const available = line.isActive ? line.stock : 0;
      // A default variant is the product itself; another is named by its title too.
      const label = line.variantTitle === 'Default' ? line.name : `${line.name} (${line.variantTitle})`;
      throw new AppError(
        400,
        'insufficient_stock',
        `Insufficient stock for "${label}": ${available} available, ${line.quantity} requested.`,
        { items: [`${label}: ${available} available, ${line.quantity} requested`] },
      );
    }
  }
  const priced = quote({
    lines: lines.map((l) => ({ ...l, unitPrice: l.price })),
    promotion,
    methods: cart.methods,
    country: to.country ?? '',
    methodId: shippingMethodId,
    taxSplit: deps.shopState !== null && to.state === deps.shopState ? 'intra' : 'inter',
    now: new Date(),
  });
  if (priced.rejection) throw promotionError(priced.rejection);
  if (priced.noShippingMethod) {
    const detail =
      shippingMethodId !== undefined
        ? 'This shipping method cannot ship your cart there.'
        : 'No shipping method can ship your cart there.';
    throw new BadRequest(detail, 'no_shipping_method', { shipping_method_id: [detail] });
  }
  const totals = priced.totals;
  // Exact at any size: a cart priced before the bounds existed can pass 2^53 paise.
  if (totals.total > MAX_TOTAL_PAISE) throw new TotalTooLarge(fromPaise(totals.total));
  const paymentDeadline = new Date(Date.now() + deps.paymentTimeoutSeconds * 1000);
  const eventId = randomUUID();
  const placed = await repo.insertPlacedOrder(
    tx,
    { orderNumber: newOrderNumber(), userId: actor.id, shippingAddress: to.text, paymentDeadline },
    {
      subtotal: fromPaise(totals.subtotal),
      discountTotal: fromPaise(totals.discountTotal),
      shippingTotal: fromPaise(totals.shippingTotal),
      taxTotal: fromPaise(totals.taxTotal),
      cgst: fromPaise(totals.taxBreakdown.cgst),
      sgst: fromPaise(totals.taxBreakdown.sgst),
      igst: fromPaise(totals.taxBreakdown.igst),
      totalAmount: fromPaise(totals.total),
      promotion: promotion && { id: promotion.facts.id, code: promotion.facts.code },
      shippingMethod: priced.shipping && { id: priced.shipping.method.id, name: priced.shipping.method.name },
      shippingState: to.state,
    },
    lines.map((l, i) => ({
      productId: l.productId,
      variantId: l.variantId,
      productName: l.name,
      sku: l.sku,
      variantTitle: l.variantTitle,
      variantOptions: l.variantOptions,
      quantity: l.quantity,
      priceAtPurchase: l.price,
      discount: fromPaise(totals.lines[i]!.discount),
      taxRate: l.taxRate,
      taxAmount: fromPaise(totals.lines[i]!.taxAmount),
    })),
    { id: actor.id, label: actor.username },
    eventId,
  );
  await emptyCart(tx, cart.id, promotion !== null);
  // Stock, catalog version and counters last, in the lock order (effects.ts).
  await applyOrderEffects(tx, { stock: { deduct: lines }, counters: stats.newOrder(stats.noDeltas()) });
  // Enqueued with the order (outbox): they exist exactly when the order does. One statement:
  // the expiry at the deadline, and the dispatch of the order.placed event now.
  await insertJobRows(tx, [
    { name: 'order-expire', data: { orderId: placed.order.id }, startAfter: paymentDeadline },
    { name: 'event-dispatch', data: { eventId } },
  ]);
  return orderDetailView(placed.order, placed.email, placed.items, [
    { fromStatus: null, toStatus: 'pending', changedBy: actor.username, note: 'Order placed', createdAt: placed.historyAt },
  ], actor);
}

type ItemView = OrderDetailView['items'][number];
type StoredItem = Omit<ItemView, 'variant_id' | 'sku' | 'variant_title' | 'variant_options' | 'discount' | 'tax_rate' | 'tax_amount'> &
  Partial<ItemView>;
type MoneyFields = 'subtotal' | 'discount_total' | 'shipping_total' | 'tax_total' | 'tax_breakdown' | 'promotion_code' | 'shipping_method';

/**
 * A stored first answer, replayed. One stored before the detail carried `allowed_transitions`
 * (a required field) gets it computed from its status, as it would have been then; one
 * stored before items carried their variant (migration 0007) or the order its money
 * (migration 0010) gets what those migrations wrote, read from the order's rows (as the
 * detail would have shown them then: the same figures).
 */
async function replayedDetail(tx: Tx, stored: unknown, actor: Actor): Promise<OrderDetailView> {
  const body = stored as Omit<OrderDetailView, 'allowed_transitions' | 'items' | MoneyFields> &
    Partial<OrderDetailView> & { items: StoredItem[] };
  let items = body.items as ItemView[];
  if (body.items.some((i) => i.variant_id === undefined || i.tax_amount === undefined)) {
    const rows = new Map((await repo.itemsOf(tx, body.id)).map((r) => [r.id, r]));
    items = body.items.map((i) => {
      const row = rows.get(i.id)!;
      return {
        ...i,
        variant_id: row.variantId,
        sku: row.sku,
        variant_title: row.variantTitle,
        variant_options: row.variantOptions,
        discount: formatMoney(row.discount),
        tax_rate: formatMoney(row.taxRate),
        tax_amount: formatMoney(row.taxAmount),
      };
    });
  }
  let money: Pick<OrderDetailView, MoneyFields>;
  if (body.subtotal === undefined) {
    const order = (await repo.findOrderWithEmail(tx, body.id))!.order;
    const { subtotal, discount_total, shipping_total, tax_total, tax_breakdown, promotion_code, shipping_method } =
      orderDetailView(order, '', [], [], actor);
    money = { subtotal, discount_total, shipping_total, tax_total, tax_breakdown, promotion_code, shipping_method };
  } else {
    money = body as Pick<OrderDetailView, MoneyFields>;
  }
  return {
    ...body,
    ...money,
    // Stored before orders carried fulfilment (none is known at checkout anyway).
    tracking_number: body.tracking_number ?? null,
    carrier: body.carrier ?? null,
    tracking_url: body.tracking_url ?? null,
    items,
    refunds: body.refunds ?? [],
    allowed_transitions: body.allowed_transitions ?? [...allowedTransitions(body.status, actor.isStaff)],
  };
}

/** Creates an order from the caller's cart, honouring an Idempotency-Key. */
export async function createOrder(
  deps: OrdersDeps,
  actor: Actor,
  body: unknown,
  idempotencyKey: string | null,
  schemaErrors: FieldErrors = {},
): Promise<{ status: number; body: OrderDetailView; replayed: boolean }> {
  const to = await shipTo(deps, actor, checkedFields<CreateOrderInput>(body, schemaErrors), body, schemaErrors);
  // Every field passed the schema and the rules.
  const input = body as CreateOrderInput;
  const idem = idempotencyKey
    ? { userId: actor.id, scope: 'orders.create', key: idempotencyKey, hash: idempotency.bodyHash(input) }
    : null;
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.database.db.transaction(async (tx) => {
        const replay = idem && (await idempotency.claimOrReplay(tx, idem));
        if (replay) return { status: replay.status, body: await replayedDetail(tx, replay.body, actor), replayed: true };
        const body = await placeOrder(tx, deps, actor, to, input.shipping_method_id);
        if (idem) await idempotency.complete(tx, idem, { status: 201, body });
        return { status: 201, body, replayed: false };
      });
    } catch (err) {
      // 48 random bits collide about never; if they do, the whole checkout runs again.
      if (attempt < 3 && isUniqueViolation(err, 'orders_order_number_uq')) continue;
      throw err;
    }
  }
}

/** An order the actor may see: their own, or any for an admin. Others' are 404. */
export async function getOrder(deps: OrdersDeps, actor: Actor, id: number): Promise<OrderDetailView> {
  const detail = await loadOrderDetail(deps.database.db, id, actor);
  if (!detail) throw new NotFound(NOT_FOUND);
  return detail;
}

/** Who changed an order: a person (their id and username) or the system ("system"). */
export interface ChangedBy {
  id: number | null;
  label: string;
}
export const SYSTEM: ChangedBy = { id: null, label: 'system' };

/**
 * Applies a status change to an order locked by the caller: sets the status (and the
 * payment status that goes with it), records history, lets payments start a refund when a
 * paid order is cancelled, and last restores stock on cancellation and moves the counters
 * (`applyOrderEffects()`, in the lock order). The caller writes nothing after it.
 */
export async function applyTransition(
  tx: Tx,
  deps: OrdersDeps,
  order: repo.OrderRow,
  to: OrderStatus,
  by: ChangedBy,
  note: string,
  paymentStatus = paymentStatusAfter(to, order.paymentStatus),
): Promise<void> {
  const from = order.status;
  await repo.setStatus(tx, order.id, to, paymentStatus);
  await repo.insertHistory(tx, {
    orderId: order.id,
    fromStatus: from,
    toStatus: to,
    changedById: by.id,
    changedBy: by.label,
    note,
  });
  if (to === 'cancelled' && PAID_PAYMENT_STATUSES.includes(order.paymentStatus)) {
    for (const hook of deps.onPaidOrderCancelled) await hook(tx, order);
  }
  const event = TRANSITION_EVENTS[to];
  if (event === 'order.shipped') {
    // The parcel's tracking (set alongside the move) rides on the event: e-mails and webhooks show it.
    const { trackingNumber, carrier, trackingUrl } = order;
    await recordEvent(tx, event, { order_id: order.id, tracking_number: trackingNumber, carrier, tracking_url: trackingUrl });
  } else if (event) await recordEvent(tx, event, { order_id: order.id });
  await applyOrderEffects(
    tx,
    {
      stock: restoresStock(from, to) ? { restore: await repo.quantitiesOf(tx, order.id) } : undefined,
      counters: stats.change(stats.noDeltas(), order, to, paymentStatus),
      // A cancelled order gives its promotion's use back (cancelled is final: once).
      releasePromotions: to === 'cancelled' ? promotionUses([order]) : undefined,
      logContext: { orderId: order.id },
    },
    deps.log,
  );
}

/** The promotion uses the orders hold. */
function promotionUses(orders: repo.OrderRow[]) {
  return orders.flatMap((o) => (o.promotionId === null ? [] : [{ promotionId: o.promotionId, userId: o.userId }]));
}

/** The event a move to a status records (API-v2 §4), in the transaction of the move. */
const TRANSITION_EVENTS: Partial<Record<OrderStatus, 'order.paid' | 'order.cancelled' | 'order.shipped' | 'order.delivered'>> = {
  paid: 'order.paid',
  cancelled: 'order.cancelled',
  shipped: 'order.shipped',
  delivered: 'order.delivered',
};

/** Moves an order to a new status under its row lock, if `allowedFrom` permits. */
async function changeStatus(
  deps: OrdersDeps,
  actor: Actor,
  id: number,
  to: OrderStatus,
  allowedFrom: (from: OrderStatus) => boolean,
  note: string,
  alongside?: (tx: Tx, order: repo.OrderRow) => Promise<repo.OrderRow | void>,
): Promise<OrderDetailView> {
  return deps.database.db.transaction(async (tx) => {
    const order = await repo.lockOrder(tx, id);
    if (!order || (!actor.isStaff && order.userId !== actor.id)) throw new NotFound(NOT_FOUND);
    const from = order.status;
    if (!allowedFrom(from)) {
      throw new Conflict(`An order that is ${from} cannot become ${to}.`);
    }
    // Before the transition, whose stock and counter writes come last (the lock order).
    const current = (alongside && (await alongside(tx, order))) || order;
    await applyTransition(tx, deps, current, to, { id: actor.id, label: actor.username }, note);
    return (await loadOrderDetail(tx, order.id, actor))!;
  });
}

/**
 * Cancels an unpaid order whose payment deadline has passed (the expiry job). Idempotent:
 * an order that was paid, cancelled or expired meanwhile is left alone.
 */
async function expireOrder(deps: OrdersDeps, orderId: number, now = new Date()): Promise<boolean> {
  return deps.database.db.transaction(async (tx) => {
    const order = await repo.lockOrder(tx, orderId);
    if (
      !order ||
      !CUSTOMER_CANCELLABLE.includes(order.status) ||
      order.paymentStatus === 'success' ||
      !order.paymentDeadline ||
      order.paymentDeadline > now
    ) {
      return false;
    }
    await applyTransition(tx, deps, order, 'cancelled', SYSTEM, EXPIRY_NOTE);
    return true;
  });
}

/** How many overdue orders one expiry transaction cancels (its statements do all at once). */
const EXPIRY_CHUNK = 200;
const EXPIRY_NOTE = 'Payment not received in time';

/**
 * Cancels overdue unpaid orders locked by the caller, all at once: one status update, one
 * history insert, then one stock restore summed per product and one counter update, in the
 * lock order. (They are unpaid, so no refund follows; `applyTransition` does the same for
 * a single order.)
 */
async function cancelOverdue(deps: OrdersDeps, tx: Tx, rows: repo.OrderRow[]): Promise<void> {
  if (!rows.length) return;
  const ids = rows.map((r) => r.id);
  await repo.setStatusOfMany(tx, ids, 'cancelled');
  await recordEvents(
    tx,
    'order.cancelled',
    ids.map((id) => ({ order_id: id, reason: 'payment_expired' })),
  );
  await repo.insertHistoryMany(
    tx,
    rows.map((r) => ({
      orderId: r.id,
      fromStatus: r.status,
      toStatus: 'cancelled',
      changedById: SYSTEM.id,
      changedBy: SYSTEM.label,
      note: EXPIRY_NOTE,
    })),
  );
  await applyOrderEffects(
    tx,
    {
      stock: { restore: await repo.quantitiesOfMany(tx, ids) },
      releasePromotions: promotionUses(rows),
      counters: stats.statusChanges(
        stats.noDeltas(),
        rows.map((r) => r.status),
        'cancelled',
      ),
      // Quantities are summed per product over the batch, so a warning names the batch's orders.
      logContext: { orderIds: ids },
    },
    deps.log,
  );
}

export interface ExpiryOutcome {
  expired: number[];
  /** Orders whose expiry failed, with the error (their jobs are retried). */
  failed: Map<number, unknown>;
}

/** Expires the orders one transaction each (after a shared transaction failed). */
async function expireOneByOne(deps: OrdersDeps, ids: number[], now: Date): Promise<ExpiryOutcome> {
  const outcome: ExpiryOutcome = { expired: [], failed: new Map() };
  for (const id of ids) {
    try {
      if (await expireOrder(deps, id, now)) outcome.expired.push(id);
    } catch (err) {
      outcome.failed.set(id, err);
    }
  }
  return outcome;
}

/**
 * Expires those of `ids` that are still unpaid and overdue (a batch of expiry jobs) in one
 * transaction; should that fail, order by order, so that one bad order holds back no other.
 * Idempotent like `expireOrder`: orders paid, cancelled or expired meanwhile are left alone.
 */
export async function expireOrders(deps: OrdersDeps, ids: number[], now = new Date()): Promise<ExpiryOutcome> {
  try {
    const expired = await deps.database.db.transaction(async (tx) => {
      const rows = await repo.lockOverdueAmong(tx, ids, now);
      await cancelOverdue(deps, tx, rows);
      return rows.map((r) => r.id);
    });
    return { expired, failed: new Map() };
  } catch (err) {
    if (ids.length === 1) return { expired: [], failed: new Map([[ids[0]!, err]]) };
    return expireOneByOne(deps, ids, now);
  }
}

/**
 * The sweep behind the per-order expiry jobs: expires every overdue unpaid order (up to
 * `limit`), a chunk per transaction, skipping orders another transaction holds, so that
 * several sweeps (and the jobs) share the work. A chunk that fails is retried order by
 * order; orders that still fail are left for the next sweep.
 */
export async function expireOverdueOrders(deps: OrdersDeps, limit = 100_000, now = new Date()): Promise<number> {
  let expired = 0;
  const failed: number[] = [];
  while (expired < limit) {
    const chunk = Math.min(EXPIRY_CHUNK, limit - expired);
    let ids: number[] = [];
    try {
      ids = await deps.database.db.transaction(async (tx) => {
        const rows = await repo.lockOverdueOrders(tx, now, chunk, failed);
        ids = rows.map((r) => r.id);
        await cancelOverdue(deps, tx, rows);
        return ids;
      });
      expired += ids.length;
    } catch (err) {
      if (!ids.length) throw err;
      const outcome = await expireOneByOne(deps, ids, now);
      expired += outcome.expired.length;
      failed.push(...outcome.failed.keys());
    }
    if (ids.length < chunk) break;
  }
  return expired;
}

/** The owner or an admin cancels a pending or payment-failed order; stock comes back. */
export function cancelOrder(deps: OrdersDeps, actor: Actor, id: number) {
  return changeStatus(
    deps,
    actor,
    id,
    'cancelled',
    (from) => CUSTOMER_CANCELLABLE.includes(from),
    actor.isStaff ? 'Cancelled by staff' : 'Cancelled by customer',
  );
}

/**
 * An admin moves an order along the transition table. Marking it paid by hand requires
 * the manual payment (method and reference), which is recorded with the change; shipping
 * it may give the parcel's tracking, stored on the order.
 */
export function updateOrderStatus(
  deps: OrdersDeps,
  actor: Actor,
  id: number,
  to: OrderStatus,
  note?: string,
  payment?: ManualPayment,
  fulfilment: Fulfilment = {},
) {
  assertExtrasFit(to, payment, fulfilment);
  // Checked once the move itself is allowed (a missing order is 404, a wrong move 409).
  const alongside = async (tx: Tx, order: repo.OrderRow) => {
    if (to === 'shipped') return repo.setFulfilment(tx, order.id, fulfilment);
    if (to !== 'paid') return;
    if (!payment) {
      throw ValidationError.field(
        'payment',
        'Marking an order paid by hand requires the payment received: {method: cash | bank_transfer | upi | other, reference}.',
      );
    }
    if (!deps.recordManualPayment) throw new Error('manual payments are not wired (payments module missing)');
    await deps.recordManualPayment(tx, order, payment, actor);
  };
  return changeStatus(deps, actor, id, to, (from) => canTransition(from, to), note ?? '', alongside);
}

/** What staff may say about a parcel when an order ships. */
export interface Fulfilment {
  tracking_number?: string;
  carrier?: string;
  tracking_url?: string;
}

/** A payment goes only with `paid`, tracking only with `shipped`: 400 naming every misplaced field. */
function assertExtrasFit(to: OrderStatus, payment: ManualPayment | undefined, fulfilment: Fulfilment) {
  const errors: Record<string, string[]> = {};
  if (to !== 'paid' && payment) errors.payment = ['A payment is given only with status "paid".'];
  if (to !== 'shipped') {
    for (const field of ['tracking_number', 'carrier', 'tracking_url'] as const) {
      if (fulfilment[field] !== undefined) errors[field] = [`${field} is given only with status "shipped".`];
    }
  }
  if (Object.keys(errors).length) throw new ValidationError(errors);
}

/**
 * What a search term looks for: an order number (whole or its beginning, "ORD-…"), or for
 * staff a part of the customer's e-mail or username when it is no order number's start
 * and has 3 characters or more (shorter parts cannot use the trigram indexes).
 */
function searchFilter(actor: Actor, search: string | undefined): Pick<repo.OrderListFilter, 'orderNumber' | 'customer'> {
  const term = search?.trim();
  if (!term) return {};
  const upper = term.toUpperCase();
  const orderNumberLike = upper.startsWith('ORD-') || 'ORD-'.startsWith(upper);
  if (actor.isStaff && !orderNumberLike && term.length >= 3) return { customer: term };
  return { orderNumber: term };
}

export async function listOrders(
  deps: OrdersDeps,
  actor: Actor,
  query: { status?: OrderStatus; user?: number; search?: string },
  limit: number,
  offset: number,
) {
  const filter: repo.OrderListFilter = {
    status: query.status,
    userId: actor.isStaff ? query.user : actor.id,
    ...searchFilter(actor, query.search),
  };
  const [rows, count] = await Promise.all([
    repo.listOrders(deps.database.db, filter, limit, offset),
    repo.countOrders(deps.database.db, filter),
  ]);
  return { rows, count };
}

/** The newest orders of every user, as list items (the staff dashboard's "recent orders"). */
export async function recentOrders(database: Database, limit: number) {
  const rows = await repo.listOrders(database.db, {}, limit, 0);
  return rows.map(orderListView);
}

/** How many orders each of these users has placed (0 for none): one query. */
export function orderCountsByUser(database: Database, userIds: number[]): Promise<Map<number, number>> {
  return repo.countOrdersByUser(database.db, userIds);
}

/** The caller's own order (admins included: paying is the owner's business); others' are 404. */
export async function findOwnOrder(deps: OrdersDeps, actor: Actor, id: number): Promise<repo.OrderRow> {
  const found = await repo.findOrderWithEmail(deps.database.db, id);
  if (!found || found.order.userId !== actor.id) throw new NotFound(NOT_FOUND);
  return found.order;
}

/** Locks an order row in the caller's transaction (payments apply their outcome under it). */
export function lockOrderRow(tx: Tx, id: number): Promise<repo.OrderRow | undefined> {
  return repo.lockOrder(tx, id);
}

/** A processed refund as the order sees it (payments settles it under the order's row lock). */
export interface RefundApplied {
  /** The order's payment status now: some of its money given back, or all. */
  paymentStatus: 'refunded' | 'partially_refunded';
  paise: number;
  /** What the order's processed refunds came to before this one. */
  refundedBeforePaise: number;
  /** Units going back to stock (a refund with `restock`), or none. */
  restock: StockLine[];
}

/**
 * Applies a processed refund to an order locked by the caller: its payment status, then the
 * restock and the analytics (`refunded` grows by the refund while the order counts as paid),
 * in the lock order. The caller writes nothing after it.
 */
export async function applyRefund(tx: Tx, deps: OrdersDeps, order: repo.OrderRow, refund: RefundApplied): Promise<void> {
  if (order.paymentStatus !== refund.paymentStatus) await repo.setStatus(tx, order.id, order.status, refund.paymentStatus);
  await applyOrderEffects(
    tx,
    {
      stock: refund.restock.length ? { restore: refund.restock } : undefined,
      counters: stats.refund(stats.noDeltas(), order, refund.paymentStatus, refund.paise, refund.refundedBeforePaise),
      logContext: { orderId: order.id },
    },
    deps.log,
  );
}

/**
 * Sets only the payment status (a refund confirmed after the order was cancelled); the
 * counters follow in the lock order. The caller writes nothing after it.
 */
export async function setPaymentStatus(
  tx: Tx,
  order: repo.OrderRow,
  paymentStatus: 'refunded' | 'partially_refunded' | 'failed',
) {
  await repo.setStatus(tx, order.id, order.status, paymentStatus);
  await applyOrderEffects(tx, { counters: stats.change(stats.noDeltas(), order, order.status, paymentStatus) });
}
