import { inArray, sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../../db/client.js';
import { namedStatement } from '../../db/sql.js';
import { bumpCatalogVersion } from './counts.js';
import { products } from '../../db/schema/index.js';

/** What the cart and checkout need to know of a product's availability. */
interface StockRow {
  id: number;
  name: string;
  price: string;
  stock: number;
  isActive: boolean;
}

export interface StockLine {
  productId: number;
  quantity: number;
}

const stockColumns = {
  id: products.id,
  name: products.name,
  price: products.price,
  stock: products.stock,
  isActive: products.isActive,
};

/**
 * Locks the products in ascending id order (the lock is applied above the sort), so that
 * two checkouts or cancellations over crossing sets of products never deadlock. FOR NO KEY
 * UPDATE, as the stock UPDATE itself takes: the foreign-key checks of rows that reference a
 * product (a cart line, a first product_sales row) take KEY SHARE, which it lets through.
 */
async function lockProducts(ex: Executor, ids: number[]): Promise<StockRow[]> {
  if (!ids.length) return [];
  return ex
    .select(stockColumns)
    .from(products)
    .where(inArray(products.id, ids))
    .orderBy(products.id)
    .for('no key update');
}

function linesTable(lines: StockLine[]) {
  return sql.join(
    lines.map((l) => sql`(${l.productId}::int, ${l.quantity}::int)`),
    sql`, `,
  );
}

/**
 * Takes the lines' quantities out of stock. Call with the rows locked (lockProducts).
 * A product selling out changes the in-stock counts: the catalog version moves.
 */
export async function deductStock(ex: Executor, lines: StockLine[]): Promise<void> {
  if (!lines.length) return;
  const rows = await deductStatement(ex, [lines.map((l) => l.productId), lines.map((l) => l.quantity)]);
  if (rows.some((r) => r.sold_out)) await bumpCatalogVersion(ex);
}

const deductStatement = namedStatement<{ sold_out: boolean }>(
  'stock_deduct',
  `update products p set stock = p.stock - v.quantity, updated_at = now()
   from unnest($1::int[], $2::int[]) as v(product_id, quantity)
   where p.id = v.product_id
   returning p.stock = 0 as sold_out`,
);

/** The integer column's limit: a restore never writes past it. */
const STOCK_COLUMN_MAX = 2_147_483_647;

/** Units a restore could not put back because the product's stock would pass the column. */
export interface CappedRestore {
  productId: number;
  stockBefore: number;
  unitsNotRestored: number;
}

/**
 * Puts the lines' quantities back, locking the products in id order first. A restore must
 * not fail (a cancellation or the expiry job would fail with it, forever): where the sum
 * would pass the integer column (stock set near 2^31 before bounds existed), the stock is
 * capped at the column's limit and the units left out are returned for the caller to log.
 */
export async function restoreStock(ex: Executor, lines: StockLine[]): Promise<CappedRestore[]> {
  if (!lines.length) return [];
  const locked = await lockProducts(
    ex,
    lines.map((l) => l.productId),
  );
  const rows = await queryRows<{ restocked: boolean }>(
    ex,
    sql`update ${products}
        set stock = least(${products.stock}::bigint + v.quantity, ${STOCK_COLUMN_MAX})::int, updated_at = now()
        from (values ${linesTable(lines)}) as v(product_id, quantity)
        where ${products.id} = v.product_id
        returning ${products.stock} = v.quantity as restocked`,
  );
  if (rows.some((r) => r.restocked)) await bumpCatalogVersion(ex);
  return cappedRestores(locked, lines);
}

function cappedRestores(locked: StockRow[], lines: StockLine[]): CappedRestore[] {
  const before = new Map(locked.map((r) => [r.id, r.stock]));
  const capped: CappedRestore[] = [];
  for (const line of lines) {
    const stockBefore = before.get(line.productId);
    if (stockBefore === undefined) continue;
    const over = stockBefore + line.quantity - STOCK_COLUMN_MAX;
    if (over > 0) capped.push({ productId: line.productId, stockBefore, unitsNotRestored: over });
  }
  return capped;
}

