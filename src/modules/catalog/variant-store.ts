/**
 * The queries behind variant writes: locking a product and its variants (the lock order),
 * SKUs in use, a product's image ids, and the unique-index violations read as 400s.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { isUniqueViolation, pgError } from '../../db/errors.js';
import { productImages, products, productVariants } from '../../db/schema/index.js';
import { NotFound, ValidationError } from '../../http/errors.js';
import { skuCandidates, trimSku } from './variant-rules.js';
import { TAX_CLASS_FOREIGN_KEYS } from '../pricing/index.js';

export type VariantRow = typeof productVariants.$inferSelect;
export interface LockedProduct {
  product: { id: number; slug: string; options: { name: string; values: string[] }[] };
  variants: VariantRow[];
}

/**
 * Locks the product (FOR NO KEY UPDATE), then its variants in id order: the lock order of
 * every variant writer, since the trigger that keeps the product's price and stock writes
 * the product row. 404 when there is no such product.
 */
export async function lockProduct(tx: Executor, productId: number): Promise<LockedProduct> {
  const [product] = await tx
    .select({ id: products.id, slug: products.slug, options: products.options })
    .from(products)
    .where(eq(products.id, productId))
    .for('no key update');
  if (!product) throw new NotFound('Product not found.');
  const variants = await tx
    .select()
    .from(productVariants)
    .where(eq(productVariants.productId, productId))
    .orderBy(asc(productVariants.id))
    .for('no key update');
  return { product, variants };
}

/** Which of these SKUs are in use: lower-cased SKU → the variant that has it. */
export async function skusInUse(ex: Executor, skus: string[]): Promise<Map<string, number>> {
  if (!skus.length) return new Map();
  const lower = sql<string>`lower(${productVariants.sku})`;
  const rows = await ex
    .select({ sku: lower, id: productVariants.id })
    .from(productVariants)
    .where(inArray(lower, [...new Set(skus.map((s) => s.toLowerCase()))]));
  return new Map(rows.map((r) => [r.sku, r.id]));
}

/**
 * Free SKUs made from each base (`base`, `base-2`, … then a random suffix), distinct from
 * each other and from `reserved` (lower-cased). One query. A concurrent writer may still
 * take one first: the unique index then answers (see skuTaken).
 */
export async function allocateSkus(
  ex: Executor,
  bases: string[],
  reserved: Set<string>,
): Promise<string[]> {
  const candidates = bases.map((base) => skuCandidates(base));
  const used = await skusInUse(ex, candidates.flat());
  const taken = new Set([...used.keys(), ...reserved]);
  return candidates.map((list) => {
    const free =
      list.find((c) => !taken.has(c.toLowerCase())) ??
      trimSku(list[0]!, `-${Math.random().toString(36).slice(2, 8)}`);
    taken.add(free.toLowerCase());
    return free;
  });
}

/** The ids of the product's images. */
export async function imageIdsOf(ex: Executor, productId: number): Promise<Set<number>> {
  const rows = await ex
    .select({ id: productImages.id })
    .from(productImages)
    .where(and(eq(productImages.productId, productId)));
  return new Set(rows.map((r) => r.id));
}

/**
 * A unique index violated by a concurrent write, as the 400 the checks give: the SKU
 * (`field` names the SKU given, found in the violation's detail) or the combination.
 */
export function uniqueAsValidation(
  err: unknown,
  fieldOfSku: (sku: string) => string,
  optionsField: string,
) {
  if (isUniqueViolation(err, 'product_variants_sku_lower_uq')) {
    const sku = /\)=\((.*)\)/.exec(pgError(err)?.detail ?? '')?.[1] ?? '';
    return ValidationError.field(fieldOfSku(sku), `SKU "${sku}" is already used.`);
  }
  if (isUniqueViolation(err, 'product_variants_product_options_uq')) {
    return ValidationError.field(
      optionsField,
      'The product already has a variant with these option values.',
    );
  }
  return err;
}

/** A tax class deleted between the check and the write (its foreign key), as the 400 the check gives; else null. */
export function taxClassForeignKeyError(err: unknown, field: string): ValidationError | null {
  const pg = pgError(err);
  if (
    pg?.code !== '23503' ||
    !(TAX_CLASS_FOREIGN_KEYS as readonly string[]).includes(pg.constraint ?? '')
  )
    return null;
  return ValidationError.field(field, 'The tax class does not exist.');
}
