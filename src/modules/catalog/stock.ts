import type { Executor } from '../../db/client.js';
import { namedStatement } from '../../db/sql.js';

/**
 * Stock lives on variants. A product's stock (and price, price_max) follows its active
 * variants through the product_variants trigger (migration 0007), which also moves the
 * catalog version when a product sells out or comes back: nothing here writes products.
 */
export interface StockLine {
  productId: number;
  variantId: number;
  quantity: number;
}

/**
 * Takes the lines' quantities out of their variants' stock, in one statement. Call with the
 * products and variants locked (checkout's cart_checkout_lines statement); lines name each
 * variant once.
 */
export async function deductStock(ex: Executor, lines: StockLine[]): Promise<void> {
  if (!lines.length) return;
  await deductStatement(ex, [lines.map((l) => l.variantId), lines.map((l) => l.quantity)]);
}

const deductStatement = namedStatement(
  'stock_deduct',
  `update product_variants v set stock = v.stock - l.quantity, updated_at = now()
   from unnest($1::int[], $2::int[]) as l(variant_id, quantity)
   where v.id = l.variant_id`,
);

/** The integer column's limit: a restore never writes past it. */
const STOCK_COLUMN_MAX = 2_147_483_647;

/** Units a restore could not put back because the variant's stock would pass the column. */
export interface CappedRestore {
  productId: number;
  variantId: number;
  stockBefore: number;
  unitsNotRestored: number;
}

/**
 * Locks the lines' products and variants in the lock order (each product, then its
 * variants, ascending; the lock is applied above the sort) and reads the variants' stock.
 * FOR NO KEY UPDATE, as the stock UPDATE itself takes: the foreign-key checks of rows that
 * reference them (a cart line, a first product_sales row) take KEY SHARE, which it lets through.
 */
const lockVariantsStatement = namedStatement(
  'stock_lock_variants',
  `select p.id as product_id, v.id as variant_id, v.stock
   from product_variants v join products p on p.id = v.product_id
   where v.id = any($1::int[])
   order by p.id, v.id
   for no key update of p, v`,
  (r: { product_id: number; variant_id: number; stock: number }) => ({
    productId: r.product_id,
    variantId: r.variant_id,
    stock: r.stock,
  }),
);

const restoreStatement = namedStatement(
  'stock_restore',
  `update product_variants v
   set stock = least(v.stock::bigint + l.quantity, ${STOCK_COLUMN_MAX})::int, updated_at = now()
   from unnest($1::int[], $2::int[]) as l(variant_id, quantity)
   where v.id = l.variant_id`,
);

/**
 * Puts the lines' quantities back on their variants (lines name each variant once), locking
 * the products and variants in the lock order first. A restore must not fail (a cancellation
 * or the expiry job would fail with it, forever): where the sum would pass the integer
 * column (stock set near 2^31 before bounds existed), the stock is capped at the column's
 * limit and the units left out are returned for the caller to log.
 */
export async function restoreStock(ex: Executor, lines: StockLine[]): Promise<CappedRestore[]> {
  if (!lines.length) return [];
  const locked = await lockVariantsStatement(ex, [lines.map((l) => l.variantId)]);
  await restoreStatement(ex, [lines.map((l) => l.variantId), lines.map((l) => l.quantity)]);
  return cappedRestores(locked, lines);
}

function cappedRestores(locked: { variantId: number; stock: number }[], lines: StockLine[]): CappedRestore[] {
  const before = new Map(locked.map((r) => [r.variantId, r.stock]));
  const capped: CappedRestore[] = [];
  for (const line of lines) {
    const stockBefore = before.get(line.variantId);
    if (stockBefore === undefined) continue;
    const over = stockBefore + line.quantity - STOCK_COLUMN_MAX;
    if (over > 0) {
      capped.push({ productId: line.productId, variantId: line.variantId, stockBefore, unitsNotRestored: over });
    }
  }
  return capped;
}
