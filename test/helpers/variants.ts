/**
 * Variants past the API (the cart, order and analytics tests): a product's default variant,
 * more variants inserted directly (as the catalog's `POST /api/products/{id}/variants/` would
 * make them), and a variant's stored stock.
 */
import { asc, eq, inArray } from 'drizzle-orm';
import { productVariants } from '../../src/db/schema/index.js';
import type { TestContext } from './app.js';
import { unique } from './app.js';

/** The id of a product's first variant (its default variant, for a product made as in API.md). */
export async function defaultVariantOf(ctx: TestContext, productId: number): Promise<number> {
  const [row] = await ctx.database.db
    .select({ id: productVariants.id })
    .from(productVariants)
    .where(eq(productVariants.productId, productId))
    .orderBy(asc(productVariants.id))
    .limit(1);
  if (!row) throw new Error(`product ${productId} has no variant`);
  return row.id;
}

/** The default variant of each product, in the order given. */
export async function defaultVariantsOf(ctx: TestContext, productIds: number[]): Promise<number[]> {
  const rows = await ctx.database.db
    .select({ id: productVariants.id, productId: productVariants.productId })
    .from(productVariants)
    .where(inArray(productVariants.productId, productIds))
    .orderBy(asc(productVariants.id));
  return productIds.map((id) => rows.find((r) => r.productId === id)!.id);
}

export interface NewVariant {
  options: Record<string, string>;
  price?: string;
  stock?: number;
  isActive?: boolean;
  title?: string;
  sku?: string;
}

/**
 * Adds variants to a product (options must differ from its other variants', e.g. {Size: 'M'};
 * the default variant has {}). Returns their ids in the order given. The trigger moves the
 * product's price, price_max and stock.
 */
export async function insertVariants(ctx: TestContext, productId: number, variants: NewVariant[]): Promise<number[]> {
  const rows = await ctx.database.db
    .insert(productVariants)
    .values(
      variants.map((v, i) => ({
        productId,
        sku: v.sku ?? unique('SKU-'),
        title: v.title ?? Object.values(v.options).join(' / '),
        options: v.options,
        price: v.price ?? '100.00',
        stock: v.stock ?? 10,
        isActive: v.isActive ?? true,
        position: i + 1,
      })),
    )
    .returning({ id: productVariants.id });
  return rows.map((r) => r.id);
}

/** Removes a product's default variant (leaving the inserted ones), through the trigger. */
export async function deleteVariant(ctx: TestContext, variantId: number): Promise<void> {
  await ctx.database.db.delete(productVariants).where(eq(productVariants.id, variantId));
}

/** A variant's stored stock. */
export async function variantStock(ctx: TestContext, variantId: number): Promise<number> {
  const [row] = await ctx.database.db
    .select({ stock: productVariants.stock })
    .from(productVariants)
    .where(eq(productVariants.id, variantId));
  return row!.stock;
}
