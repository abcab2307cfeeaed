/**
 * Variant use cases (API-v2 §1): create (one or many), update (one or many in one
 * statement), delete, read. Each write is one transaction that locks the product, then its
 * variants in id order, and moves the catalog version; the trigger of migration 0007 keeps
 * the product's price, price_max and stock.
 */
import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { isReferencedViolation } from '../../db/errors.js';
import { productVariants } from '../../db/schema/index.js';
import { Conflict, type FieldErrors, NotFound, say, ValidationError, wrongFields } from '../../http/errors.js';
import { parsePrice } from '../../lib/money.js';
import {
  MAX_STOCK,
  VARIANT_LIMITS,
  type VariantInput,
  type VariantPatchInput,
} from '../../contract/index.js';
import { bumpCatalogVersion } from './counts.js';
import { autoTitle, comboKey, optionsProblem, skuBase } from './variant-rules.js';
import {
  allocateSkus,
  imageIdsOf,
  type LockedProduct,
  lockProduct,
  skusInUse,
  taxClassForeignKeyError,
  uniqueAsValidation,
  type VariantRow,
} from './variant-store.js';
import { missingTaxClasses } from '../pricing/index.js';

export type { VariantRow };
const NOT_FOUND = 'Variant not found.';

/** A product's variants by position (all of them: staff only). */
export async function listVariants(database: Database, productId: number): Promise<VariantRow[]> {
  const rows = await database.db
    .select()
    .from(productVariants)
    .where(eq(productVariants.productId, productId))
    .orderBy(asc(productVariants.position), asc(productVariants.id));
  // Every product has a variant: none means no such product.
  if (!rows.length) throw new NotFound('Product not found.');
  return rows;
}

/** One variant of the product (404 when it belongs to another). */
export async function getVariant(database: Database, productId: number, variantId: number): Promise<VariantRow> {
  const [row] = await database.db.select().from(productVariants).where(eq(productVariants.id, variantId));
  if (!row || row.productId !== productId) throw new NotFound(NOT_FOUND);
  return row;
}

/** The tax class ids the inputs set (not null). */
function taxClassIds(inputs: { tax_class?: number | null }[]): number[] {
  return inputs.map((v) => v.tax_class).filter((id): id is number => id != null);
}

const taxClassMessage = (id: number) => say.noSuch('tax class', id);

function moneyField(errors: FieldErrors, field: string, raw: unknown): string | undefined {
  const parsed = parsePrice(raw);
  if (!parsed.ok) errors[field] = [parsed.message];
  return parsed.ok ? parsed.value : undefined;
}

/**
 * Creates variants (all or none): every problem reported, keyed `variants.<i>.<field>` when
 * `bulk`. `schemaErrors` are a single variant's fields its schema refused (`inputs` then holds
 * the rest): reported with the rules' findings, those fields are not judged again.
 */
export async function createVariants(
  database: Database,
  productId: number,
  inputs: Partial<VariantInput>[],
  bulk: boolean,
  schemaErrors: FieldErrors = {},
): Promise<VariantRow[]> {
  const at = (i: number, field: string) => (bulk ? `variants.${i}.${field}` : field);
  const refused = wrongFields(schemaErrors);
  try {
    return await database.db.transaction(async (tx) => {
      const locked = await lockProduct(tx, productId);
      const { product, variants } = locked;
      const errors: FieldErrors = { ...schemaErrors };
      if (variants.length + inputs.length > VARIANT_LIMITS.variants) {
        errors.variants = [
          `A product has at most ${VARIANT_LIMITS.variants} variants (this one has ${variants.length}).`,
        ];
      }
      const combos = new Set(variants.map((v) => comboKey(product.options, v.options)));
      const given = inputs.map((v) => v.sku).filter((s): s is string => s !== undefined);
      const used = await skusInUse(tx, given);
      const images = inputs.some((v) => v.image_id != null) ? await imageIdsOf(tx, productId) : new Set<number>();
      const noTaxClass = await missingTaxClasses(tx, taxClassIds(inputs));
      const skus = new Set<string>();
      const rows = inputs.map((input, i) => {
        if (input.tax_class != null && noTaxClass.has(input.tax_class)) {
          errors[at(i, 'tax_class')] = [taxClassMessage(input.tax_class)];
        }
        const options = input.options ?? {};
        if (input.options !== undefined) {
          const problem = optionsProblem(product.options, options);
          const key = comboKey(product.options, options);
          if (problem) errors[at(i, 'options')] = [problem];
          else if (combos.has(key)) errors[at(i, 'options')] = ['The product already has a variant with these option values.'];
          combos.add(key);
        }
        if (input.sku !== undefined) {
          const lower = input.sku.toLowerCase();
          if (used.has(lower) || skus.has(lower)) errors[at(i, 'sku')] = [`SKU "${input.sku}" is already used.`];
          skus.add(lower);
        }
        const price = refused.has('price') ? undefined : moneyField(errors, at(i, 'price'), input.price);
        const compareAt =
          input.compare_at_price == null ? null : moneyField(errors, at(i, 'compare_at_price'), input.compare_at_price);
        if (input.image_id != null && !images.has(input.image_id)) {
          errors[at(i, 'image_id')] = [`Image ${input.image_id} is not an image of this product.`];
        }
        return {
          productId,
          sku: input.sku ?? '',
          title: input.title?.trim() || autoTitle(product.options, options),
          options,
          price: price ?? '0',
          compareAtPrice: compareAt ?? null,
          stock: input.stock ?? 0,
          isActive: input.is_active ?? true,
          weightGrams: input.weight_grams ?? null,
          imageId: input.image_id ?? null,
          taxClassId: input.tax_class ?? null,
          position: variants.length + i,
        };
      });
      if (Object.keys(errors).length) throw new ValidationError(errors);
      const missing = rows.filter((r) => !r.sku);
      const made = await allocateSkus(
        tx,
        missing.map((r) => skuBase(product.slug, product.options, r.options)),
        skus,
      );
      missing.forEach((r, i) => (r.sku = made[i]!));
      const created = await tx.insert(productVariants).values(rows).returning();
      await bumpCatalogVersion(tx);
      return created;
    });
  } catch (err) {
    const index = (sku: string) => Math.max(0, inputs.findIndex((v) => v.sku?.toLowerCase() === sku.toLowerCase()));
    throw (
      taxClassForeignKeyError(err, bulk ? 'variants' : 'tax_class') ??
      uniqueAsValidation(err, (sku) => at(index(sku), 'sku'), bulk ? 'variants' : 'options')
    );
  }
}

type PatchItem = VariantPatchInput & { id: number };

/** The row values of one patch, checked against the locked rows; problems go to `errors`. */
function patchValues(
  locked: LockedProduct,
  current: VariantRow,
  input: VariantPatchInput,
  errors: FieldErrors,
  field: (name: string) => string,
  images: Set<number>,
) {
  const { options } = locked.product;
  const next = input.options ?? current.options;
  if (input.options !== undefined) {
    const problem = optionsProblem(options, input.options);
    if (problem) errors[field('options')] = [problem];
  }
  const price = input.price !== undefined ? moneyField(errors, field('price'), input.price) : undefined;
  const compareAt =
    input.compare_at_price === undefined || input.compare_at_price === null
      ? input.compare_at_price
      : moneyField(errors, field('compare_at_price'), input.compare_at_price);
  if (input.stock !== undefined && input.stock_adjustment !== undefined) {
    errors[field('stock')] = errors[field('stock_adjustment')] = ['Give stock or stock_adjustment, not both.'];
  } else if (input.stock_adjustment !== undefined) {
    const result = current.stock + input.stock_adjustment;
    if (result < 0 || result > MAX_STOCK) {
      errors[field('stock_adjustment')] = [
        `Stock is ${current.stock}; adding ${input.stock_adjustment} would leave it outside 0..${MAX_STOCK}.`,
      ];
    }
  }
  if (input.image_id != null && !images.has(input.image_id)) {
    errors[field('image_id')] = [`Image ${input.image_id} is not an image of this product.`];
  }
  // A title made from the values follows them; one typed in stays.
  const followsValues = current.title === autoTitle(options, current.options);
  const title = input.title?.trim() || (input.options && followsValues ? autoTitle(options, next) : undefined);
  return {
    id: current.id,
    sku: input.sku ?? null,
    title: title ?? null,
    options: input.options ?? null,
    price: price ?? null,
    set_compare: compareAt !== undefined,
    compare_at_price: compareAt ?? null,
    stock: input.stock ?? null,
    adjustment: input.stock_adjustment ?? null,
    is_active: input.is_active ?? null,
    set_weight: input.weight_grams !== undefined,
    weight_grams: input.weight_grams ?? null,
    set_image: input.image_id !== undefined,
    image_id: input.image_id ?? null,
  };
}

/**
 * Updates variants of one product (all or none) with one set-based UPDATE, whatever their
 * number. Errors are keyed `variants.<i>.<field>` when `bulk`.
 */
export async function updateVariants(
  database: Database,
  productId: number,
  items: PatchItem[],
  bulk: boolean,
  schemaErrors: FieldErrors = {},
): Promise<VariantRow[]> {
  const at = (i: number) => (name: string) => (bulk ? `variants.${i}.${name}` : name);
  try {
    return await database.db.transaction(async (tx) => {
      const locked = await lockProduct(tx, productId);
      const byId = new Map(locked.variants.map((v) => [v.id, v]));
      // A single patch's refused fields are absent from its item: reported, not judged again.
      const errors: FieldErrors = { ...schemaErrors };
      const images = items.some((v) => v.image_id != null) ? await imageIdsOf(tx, productId) : new Set<number>();
      const given = items.map((v) => v.sku).filter((s): s is string => s !== undefined);
      const used = await skusInUse(tx, given);
      const noTaxClass = await missingTaxClasses(tx, taxClassIds(items));
      const seen = new Set<number>();
      const skus = new Set<string>();
      const values = items.flatMap((item, i) => {
        const current = byId.get(item.id);
        if (!current) {
          if (!bulk) throw new NotFound(NOT_FOUND);
          errors[`variants.${i}.id`] = [`Variant ${item.id} is not a variant of this product.`];
          return [];
        }
        if (seen.has(item.id)) errors[`variants.${i}.id`] = [`Variant ${item.id} is given twice.`];
        seen.add(item.id);
        if (item.sku !== undefined) {
          const lower = item.sku.toLowerCase();
          const owner = used.get(lower);
          if ((owner !== undefined && owner !== item.id) || skus.has(lower)) {
            errors[at(i)('sku')] = [`SKU "${item.sku}" is already used.`];
          }
          skus.add(lower);
        }
        if (item.tax_class != null && noTaxClass.has(item.tax_class)) {
          errors[at(i)('tax_class')] = [taxClassMessage(item.tax_class)];
        }
        const row = {
          ...patchValues(locked, current, item, errors, at(i), images),
          set_tax: item.tax_class !== undefined,
          tax_class_id: item.tax_class ?? null,
        };
        return [{ index: i, row }];
      });
      checkCombinations(locked, values, errors, at);
      if (Object.keys(errors).length) throw new ValidationError(errors);
      await tx.execute(sql`
        update product_variants v set
          sku = coalesce(u.sku, v.sku),
          title = coalesce(u.title, v.title),
          options = coalesce(u.options, v.options),
          price = coalesce(u.price, v.price),
          compare_at_price = case when u.set_compare then u.compare_at_price else v.compare_at_price end,
          stock = case when u.adjustment is not null then (v.stock::bigint + u.adjustment)::int
                       else coalesce(u.stock, v.stock) end,
          is_active = coalesce(u.is_active, v.is_active),
          weight_grams = case when u.set_weight then u.weight_grams else v.weight_grams end,
          image_id = case when u.set_image then u.image_id else v.image_id end,
          tax_class_id = case when u.set_tax then u.tax_class_id else v.tax_class_id end,
          updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(values.map((v) => v.row))}::jsonb) as u(
          id int, sku text, title text, options jsonb, price numeric, set_compare boolean,
          compare_at_price numeric, stock int, adjustment bigint, is_active boolean,
          set_weight boolean, weight_grams int, set_image boolean, image_id int, set_tax boolean, tax_class_id int)
        where v.id = u.id and v.product_id = ${productId}`);
      await bumpCatalogVersion(tx);
      const rows = await tx
        .select()
        .from(productVariants)
        .where(eq(productVariants.productId, productId));
      const updated = new Map(rows.map((r) => [r.id, r]));
      return items.map((item) => updated.get(item.id)!);
    });
  } catch (err) {
    const index = (sku: string) => Math.max(0, items.findIndex((v) => v.sku?.toLowerCase() === sku.toLowerCase()));
    throw (
      taxClassForeignKeyError(err, bulk ? 'variants' : 'tax_class') ??
      uniqueAsValidation(err, (sku) => at(index(sku))('sku'), bulk ? 'variants' : 'options')
    );
  }
}

/** After the patches, no two variants of the product may share a combination. */
function checkCombinations(
  locked: LockedProduct,
  values: { index: number; row: { id: number; options: Record<string, string> | null } }[],
  errors: FieldErrors,
  at: (i: number) => (name: string) => string,
) {
  const { options } = locked.product;
  const changed = new Map(values.filter((v) => v.row.options).map((v) => [v.row.id, v]));
  if (!changed.size) return;
  const owners = new Map<string, number>();
  for (const v of locked.variants) {
    if (!changed.has(v.id)) owners.set(comboKey(options, v.options), v.id);
  }
  for (const [id, { index, row }] of changed) {
    const key = comboKey(options, row.options!);
    const owner = owners.get(key);
    if (owner !== undefined && owner !== id) {
      errors[at(index)('options')] ??= ['Another variant of the product has these option values.'];
    }
    owners.set(key, id);
  }
}

/** Deletes a variant: never the product's last one, nor one that appears in an order (409). */
export async function deleteVariant(database: Database, productId: number, variantId: number): Promise<void> {
  try {
    await database.db.transaction(async (tx) => {
      const { variants } = await lockProduct(tx, productId);
      if (!variants.some((v) => v.id === variantId)) throw new NotFound(NOT_FOUND);
      if (variants.length === 1) {
        throw new Conflict('This is the product’s last variant: a product has at least one.');
      }
      await tx.delete(productVariants).where(eq(productVariants.id, variantId));
      await bumpCatalogVersion(tx);
    });
  } catch (err) {
    // order_items references variants ON DELETE RESTRICT (23001).
    if (isReferencedViolation(err)) {
      throw new Conflict('This variant appears in orders and cannot be deleted; set is_active to false instead.');
    }
    throw err;
  }
}
