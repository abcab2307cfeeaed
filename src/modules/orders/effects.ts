import type { FastifyBaseLogger } from 'fastify';
import type { Tx } from '../../db/client.js';
import { deductStock, restoreStock, type StockLine } from '../catalog/index.js';
import { recordEvents } from '../events/index.js';
import { releasePromotions } from '../pricing/index.js';
import * as stats from './stats.js';

/**
 * The lock order. Every transaction that changes orders takes its locks in this order, and
 * never goes back to an earlier step:
 *
 *   1. payment rows (payments module: by Razorpay order, payment or order id)
 *   2. order rows, one, or many in id order (the sweep's SKIP LOCKED never waits on one);
 *      a checkout's idempotency key and cart row take this place (it locks no order)
 *   2b. promotion rows (pricing module): a checkout takes its code's use (one row, then the
 *      customer's uses row); a cancellation or expiry gives uses back (promotions in id order,
 *      then their customers' rows, which are written only under their promotion's lock)
 *   3. products, ascending id, then their variants, ascending id (FOR NO KEY UPDATE, so that
 *      foreign-key checks of rows that reference them — a cart line, an order item, a first
 *      product_sales row — never wait on them). Checkout and restores lock both in one
 *      statement, ordered by (product id, variant id): each product, then its variants.
 *      Every writer of a variant holds its product's lock first, so the product locks alone
 *      decide who waits, in ascending order. The variants' stock trigger then updates the
 *      products (already locked).
 *   4. catalog_state (a product selling out or coming back moves the catalog version: the
 *      variants' trigger does it, inside the stock statement)
 *   5. analytics: product_sales (product id order), sales_buckets, order_counters (one
 *      shard, key order)
 *
 * For order use cases the writes of steps 3 to 5 happen only here: a use case locks its
 * payment and orders, writes the order rows and their history, and ends with one call of
 * `applyOrderEffects()`. (A checkout locks its products before, to check stock; what it
 * writes in between are new rows, which wait for no lock. An admin product write locks its
 * one product by its UPDATE, then moves the catalog version: the same order.)
 */
export interface OrderEffects {
  /**
   * Variant lines to take out of stock (the caller has locked these products and variants:
   * checkout), or to put back (locked here, in the lock order); one or the other, so that
   * they are locked once.
   */
  stock?: { deduct: StockLine[] } | { restore: StockLine[] };
  counters: stats.CounterDeltas;
  /** Promotion uses to give back (orders cancelled or expired that held a use). */
  releasePromotions?: { promotionId: number; userId: number }[];
  /** For a stock restore capped at the column's limit (what the warning names). */
  logContext?: Record<string, unknown>;
}

/** Writes the stock, catalog version and analytics changes of a use case, in the lock order. */
export async function applyOrderEffects(tx: Tx, effects: OrderEffects, log?: FastifyBaseLogger): Promise<void> {
  if (effects.releasePromotions?.length) await releasePromotions(tx, effects.releasePromotions);
  const stock = effects.stock;
  if (stock && 'deduct' in stock) {
    const soldOut = await deductStock(tx, stock.deduct);
    // Only when a variant sells out: the common checkout writes no event here.
    if (soldOut.length) {
      await recordEvents(
        tx,
        'product.out_of_stock',
        soldOut.map((s) => ({ product_id: s.productId, variant_id: s.variantId })),
      );
    }
  }
  if (stock && 'restore' in stock) {
    const capped = await restoreStock(tx, stock.restore);
    // Only stock set near 2^31 before the bounds existed gets here; the order must still move.
    for (const c of capped) log?.warn({ ...effects.logContext, ...c }, 'stock restore capped at the column limit');
  }
  await stats.writeCounters(tx, effects.counters);
}
