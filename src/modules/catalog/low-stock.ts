import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { categories, products, productVariants } from '../../db/schema/index.js';
import { isActive, listColumns, type ProductListRow } from './search.js';

interface LowVariant {
  id: number;
  sku: string;
  title: string;
  stock: number;
}
export type LowStockRow = ProductListRow & { lowVariants: LowVariant[] };

/**
 * Active products with an active variant below the threshold, that variant's stock lowest
 * first; each with those variants (`lowVariants`). One query.
 */
export async function lowStockProducts(database: Database, threshold: number, limit = 100): Promise<LowStockRow[]> {
  const low = sql`(select v.product_id, min(v.stock) as lowest,
        json_agg(json_build_object('id', v.id, 'sku', v.sku, 'title', v.title, 'stock', v.stock)
                 order by v.stock, v.id) as variants
      from ${productVariants} v where v.is_active and v.stock < ${threshold} group by v.product_id)`;
  const rows = await database.db
    .select({ ...listColumns, lowVariants: sql<LowVariant[]>`low.variants` })
    .from(products)
    .innerJoin(sql`${low} low`, sql`low.product_id = ${products.id}`)
    .innerJoin(categories, eq(categories.id, products.categoryId))
    .where(isActive)
    .orderBy(sql`low.lowest`, asc(products.id))
    .limit(limit);
  return rows;
}
