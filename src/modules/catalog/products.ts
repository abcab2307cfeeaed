import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database, Db, Executor } from '../../db/client.js';
import { preparedFor } from '../../db/sql.js';
import { isReferencedViolation, isUniqueViolation, pgError } from '../../db/errors.js';
import { categories, productImages, products, productVariants } from '../../db/schema/index.js';
// The media module has no index yet (its helper adds one); urls.ts is its pure part.
// eslint-disable-next-line no-restricted-imports
import type { ImageRow } from '../media/urls.js';
import { BadRequest, Conflict, type FieldErrors, NotFound, say, throwIfAny, ValidationError } from '../../http/errors.js';
import { checkedFields } from '../../http/validation.js';
import { parseMoney, parsePrice } from '../../lib/money.js';
import { findProducts, isActive, listColumns, type ProductFilter, type ProductListRow } from './search.js';
import { MAX_STOCK, type ProductInput, type ProductListInput } from '../../contract/index.js';
import { uniqueSlug } from './slugs.js';
import { bumpCatalogVersion, type CountCache } from './counts.js';
import { allocateSkus, taxClassForeignKeyError } from './variant-store.js';
import { missingTaxClasses } from '../pricing/index.js';

// The low-stock list lives in low-stock.ts; re-exported here, where the module's index takes it.
export { lowStockProducts } from './low-stock.js';

type ProductRow = typeof products.$inferSelect;
type CategoryRow = typeof categories.$inferSelect;
export interface ProductDetailRow {
  product: ProductRow;
  category: CategoryRow;
  variants: VariantJson[];
  images: ImageRow[];
}
/** A variant as the detail query reads it (json_build_object): money as text. */
export interface VariantJson {
  id: number;
  sku: string;
  title: string;
  options: Record<string, string>;
  price: string;
  compareAtPrice: string | null;
  stock: number;
  isActive: boolean;
  weightGrams: number | null;
  imageId: number | null;
  taxClassId: number | null;
}

// The detail's variants and images, read in the product's query (one round trip).
const detailColumns = {
  product: products,
  category: categories,
  variants: sql<VariantJson[]>`(select coalesce(json_agg(json_build_object(
      'id', v.id, 'sku', v.sku, 'title', v.title, 'options', v.options, 'price', v.price::text,
      'compareAtPrice', v.compare_at_price::text, 'stock', v.stock, 'isActive', v.is_active,
      'weightGrams', v.weight_grams, 'imageId', v.image_id, 'taxClassId', v.tax_class_id) order by v.position, v.id), '[]'::json)
    from ${productVariants} v where v.product_id = ${products.id})`,
  images: sql<ImageRow[]>`(select coalesce(json_agg(json_build_object(
      'id', i.id, 'key', i.key, 'format', i.format, 'alt', i.alt, 'width', i.width,
      'height', i.height, 'position', i.position) order by i.position, i.id), '[]'::json)
    from ${productImages} i where i.product_id = ${products.id})`,
};

// Names of the product routes that sit beside `products/{id or slug}/`.
const RESERVED_SLUGS = ['featured', 'analytics', 'low_stock'];
const NOT_FOUND = 'Product not found.';

/** Validates the list's price filters into a ProductFilter (bad numbers are 400). */
export function productFilter(query: ProductListInput): ProductFilter {
  const errors: FieldErrors = {};
  const price = (field: 'min_price' | 'max_price') => {
    const raw = query[field];
    if (raw === undefined || raw === '') return undefined;
    const parsed = parseMoney(raw);
    if (!parsed.ok) errors[field] = [parsed.message];
    return parsed.ok ? parsed.value : undefined;
  };
  const filter: ProductFilter = {
    search: query.search,
    categorySlug: query.category || undefined,
    minPrice: price('min_price'),
    maxPrice: price('max_price'),
    inStock: query.in_stock,
    options: optionFilter(query.option, errors),
    ordering: query.ordering,
  };
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return filter;
}

/**
 * `?option=Colour:Red&option=Colour:Blue&option=Size:M` → [["Colour", ["Blue", "Red"]], ["Size", ["M"]]]
 * (sorted, so that one filter has one cache key). Undefined without the parameter.
 */
function optionFilter(raw: string[] | undefined, errors: FieldErrors): [string, string[]][] | undefined {
  if (!raw?.length) return undefined;
  const groups = new Map<string, Set<string>>();
  for (const entry of raw) {
    const at = entry.indexOf(':');
    const name = at > 0 ? entry.slice(0, at).trim() : '';
    const value = at > 0 ? entry.slice(at + 1).trim() : '';
    if (!name || !value) {
      (errors.option ??= []).push(`"${entry}": give an option as Name:Value, e.g. Colour:Red.`);
      continue;
    }
    if (!groups.has(name)) groups.set(name, new Set());
    groups.get(name)!.add(value);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, values]) => [name, [...values].sort()]);
}

/** A page of products (active ones unless staff ask for all): rows, and the count unless a cached one is still current. */
export function listProducts(
  database: Database,
  counts: CountCache,
  filter: ProductFilter,
  limit: number,
  offset: number,
  includeInactive = false,
) {
  return findProducts(database.db, filter, { limit, offset }, counts, !includeInactive);
}

export function featuredProducts(database: Database): Promise<ProductListRow[]> {
  return database.db
    .select(listColumns)
    .from(products)
    .innerJoin(categories, eq(categories.id, products.categoryId))
    .where(and(isActive, sql`${products.isFeatured}`))
    .orderBy(desc(products.createdAt), desc(products.id))
    .limit(10);
}

/** How many products (inactive ones included) and categories the catalog holds. */
export async function catalogSize(database: Database): Promise<{ products: number; categories: number }> {
  const { db } = database;
  const [[productCount], [categoryCount]] = await Promise.all([
    db.select({ count: sql<number>`count(*)::int` }).from(products),
    db.select({ count: sql<number>`count(*)::int` }).from(categories),
  ]);
  return { products: productCount!.count, categories: categoryCount!.count };
}

/** One product by id or slug, with its category: one query. Inactive ones only for admins. */
async function getProduct(
  ex: Executor,
  idOrSlug: string | number,
  includeInactive: boolean,
): Promise<ProductDetailRow> {
  const byId = typeof idOrSlug === 'number' || /^\d{1,10}$/.test(idOrSlug);
  // A number beyond int4 names no product (and must not reach the query as an out-of-range error).
  if (byId && Number(idOrSlug) > 2_147_483_647) throw new NotFound(NOT_FOUND);
  const [row] = await ex
    .select(detailColumns)
    .from(products)
    .innerJoin(categories, eq(categories.id, products.categoryId))
    .where(byId ? eq(products.id, Number(idOrSlug)) : eq(products.slug, String(idOrSlug)));
  return visible(row, includeInactive);
}

function visible(row: ProductDetailRow | undefined, includeInactive: boolean): ProductDetailRow {
  if (!row || (!row.product.isActive && !includeInactive)) throw new NotFound(NOT_FOUND);
  return row;
}

const detailQueries = preparedFor((db: Db) => {
  const base = () =>
    db
      .select(detailColumns)
      .from(products)
      .innerJoin(categories, eq(categories.id, products.categoryId));
  return {
    byId: base().where(eq(products.id, sql.placeholder('id'))).prepare('product_detail_by_id'),
    bySlug: base().where(eq(products.slug, sql.placeholder('slug'))).prepare('product_detail_by_slug'),
  };
});

/** The product page's read: getProduct as a prepared statement (outside transactions). */
export async function readProduct(
  database: Database,
  idOrSlug: string,
  includeInactive: boolean,
): Promise<ProductDetailRow> {
  const byId = /^\d{1,10}$/.test(idOrSlug);
  if (byId && Number(idOrSlug) > 2_147_483_647) throw new NotFound(NOT_FOUND);
  const queries = detailQueries(database.db);
  const [row] = byId
    ? await queries.byId.execute({ id: Number(idOrSlug) })
    : await queries.bySlug.execute({ slug: idOrSlug });
  return visible(row, includeInactive);
}


/**
 * Checks and converts the writable fields; every problem is reported at once, with the body
 * schema's messages (`schemaErrors`: a field the schema refused is not judged again).
 */
async function productValues(ex: Executor, body: unknown, schemaErrors: FieldErrors) {
  const input = checkedFields<ProductInput>(body, schemaErrors);
  const errors: FieldErrors = { ...schemaErrors };
  const values: Partial<typeof products.$inferInsert> = {};
  if (input.name !== undefined) {
    values.name = input.name.trim();
    if (!values.name) errors.name = [say.blank];
  }
  if (input.price !== undefined) {
    const price = parsePrice(input.price);
    if (!price.ok) errors.price = [price.message];
    else values.price = price.value;
  }
  if (input.stock !== undefined) values.stock = input.stock;
  if (input.stock !== undefined && input.stock_adjustment !== undefined) {
    const message = 'Give stock or stock_adjustment, not both.';
    errors.stock = [message];
    errors.stock_adjustment = [message];
  }
  if (input.image_url !== undefined) values.imageUrl = input.image_url || null;
  if (input.description !== undefined) values.description = input.description;
  if (input.is_active !== undefined) values.isActive = input.is_active;
  if (input.is_featured !== undefined) values.isFeatured = input.is_featured;
  if (input.category !== undefined) {
    const [found] = await ex
      .select({ id: categories.id })
      .from(categories)
      .where(eq(categories.id, input.category));
    if (!found) errors.category = [say.noSuch('category', input.category)];
    values.categoryId = input.category;
  }
  if (input.tax_class !== undefined) {
    values.taxClassId = input.tax_class;
    if (input.tax_class !== null && (await missingTaxClasses(ex, [input.tax_class])).size) {
      errors.tax_class = [say.noSuch('tax class', input.tax_class)];
    }
  }
  throwIfAny(errors);
  return values;
}

/** Creates a product with a unique slug from its name; answers the detail. */
export async function createProduct(
  database: Database,
  body: unknown,
  schemaErrors: FieldErrors = {},
): Promise<ProductDetailRow> {
  const { db } = database;
  const values = await productValues(db, body, schemaErrors);
  // Two products with one name created at once: the slug index decides, the loser retries.
  for (let attempt = 1; ; attempt++) {
    const slug = await uniqueSlug(db, 'products', values.name!, RESERVED_SLUGS);
    try {
      const id = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(products)
          .values({ ...(values as typeof products.$inferInsert), priceMax: values.price!, slug })
          .returning({ id: products.id });
        // Every product has a variant: the default one holds its price and stock. Its SKU
        // is the slug, unless a variant of another product has that SKU already.
        const [sku] = await allocateSkus(tx, [defaultSku(slug, row!.id)], new Set());
        await tx.insert(productVariants).values({
          productId: row!.id,
          sku: sku!,
          title: 'Default',
          price: values.price!,
          stock: values.stock ?? 0,
        });
        await bumpCatalogVersion(tx);
        return row!.id;
      });
      return getProduct(db, id, true);
    } catch (err) {
      if (attempt < 5 && isUniqueViolation(err, 'products_slug_uq')) continue;
      if (attempt < 5 && isUniqueViolation(err, 'product_variants_sku_lower_uq')) continue;
      throw foreignKeyAsCategoryError(err);
    }
  }
}

/** PUT/PATCH: the given fields change; the slug stays as it was, so links keep working. */
export async function updateProduct(
  database: Database,
  id: number,
  body: unknown,
  schemaErrors: FieldErrors = {},
): Promise<ProductDetailRow> {
  const { db } = database;
  const values = await productValues(db, body, schemaErrors);
  // Every field passed the schema and the rules.
  const adjustment = (body as ProductInput).stock_adjustment;
  // Price and stock belong to the product's only variant (the trigger copies them back).
  const { price, stock, ...own } = values;
  try {
    await db.transaction(async (tx) => {
      const updated = await tx
        .update(products)
        .set({ ...own, updatedAt: new Date() })
        .where(eq(products.id, id))
        .returning({ id: products.id });
      if (!updated.length) throw new NotFound(NOT_FOUND);
      if (price !== undefined || stock !== undefined || adjustment !== undefined) {
        const variants = await tx
          .select({ id: productVariants.id })
          .from(productVariants)
          .where(eq(productVariants.productId, id))
          .orderBy(productVariants.id)
          .for('no key update');
        if (variants.length !== 1) {
          throw new BadRequest(
            'This product has several variants: set price and stock on each variant.',
            'use_variants',
          );
        }
        const changed = await tx
          .update(productVariants)
          .set({
            ...(price !== undefined ? { price } : {}),
            ...(stock !== undefined ? { stock } : {}),
            ...(adjustment !== undefined ? adjustedStock(adjustment) : {}),
            updatedAt: new Date(),
          })
          .where(and(eq(productVariants.id, variants[0]!.id), adjustment !== undefined ? adjustmentFits(adjustment) : undefined))
          .returning({ id: productVariants.id });
        if (!changed.length) throw await adjustmentRefused(tx, variants[0]!.id, adjustment);
      }
      await bumpCatalogVersion(tx);
    });
  } catch (err) {
    throw foreignKeyAsCategoryError(err);
  }
  return getProduct(db, id, true);
}

/**
 * A relative stock edit, `stock = stock + n` in the UPDATE itself: it applies to the row as
 * it is when the row lock is granted, so a checkout's deduction committed meanwhile is kept.
 */
function adjustedStock(adjustment: number) {
  return { stock: sql<number>`(${productVariants.stock}::bigint + ${adjustment}::bigint)::int` };
}

/** The UPDATE's guard: the adjusted stock stays within 0..MAX_STOCK (else no row changes). */
function adjustmentFits(adjustment: number) {
  return sql`${productVariants.stock}::bigint + ${adjustment}::bigint between 0 and ${MAX_STOCK}`;
}

/** Why a variant's UPDATE changed no row: no such variant (404), or the adjustment leaves the bounds (400). */
async function adjustmentRefused(ex: Executor, variantId: number, adjustment: number | undefined) {
  const [row] =
    adjustment === undefined
      ? []
      : await ex.select({ stock: productVariants.stock }).from(productVariants).where(eq(productVariants.id, variantId));
  if (!row) return new NotFound(NOT_FOUND);
  return ValidationError.field(
    'stock_adjustment',
    `Stock is ${row.stock}; adding ${adjustment} would leave it outside 0..${MAX_STOCK}.`,
  );
}

/** A default variant's SKU: the product's slug (unique), shortened with the id when too long. */
function defaultSku(slug: string, id: number): string {
  return slug.length <= 64 ? slug : `${slug.slice(0, 52)}-${id}`;
}

/**
 * Called in a product's deleting transaction, before the delete; the function it returns
 * runs after the commit (the media module reads the image keys, then removes their files).
 */
export type ProductDeleteHook = (tx: Executor, productId: number) => Promise<() => Promise<void>>;

/** Deletes a product that was never ordered; one that was is 409 (deactivate it instead). */
export async function deleteProduct(database: Database, id: number, hooks: ProductDeleteHook[] = []): Promise<void> {
  try {
    const afterCommit = await database.db.transaction(async (tx) => {
      const after: (() => Promise<void>)[] = [];
      for (const hook of hooks) after.push(await hook(tx, id));
      const deleted = await tx.delete(products).where(eq(products.id, id)).returning({ id: products.id });
      if (!deleted.length) throw new NotFound(NOT_FOUND);
      await bumpCatalogVersion(tx);
      return after;
    });
    for (const run of afterCommit) await run();
  } catch (err) {
    // order_items references products ON DELETE RESTRICT: that is 23001, not 23503.
    if (isReferencedViolation(err)) {
      throw new Conflict(
        'This product appears in orders and cannot be deleted; set is_active to false instead.',
      );
    }
    throw err;
  }
}

function foreignKeyAsCategoryError(err: unknown) {
  // The tax class or the category was deleted between the check and the write.
  const taxClass = taxClassForeignKeyError(err, 'tax_class');
  if (taxClass) return taxClass;
  if (pgError(err)?.code === '23503') {
    return ValidationError.field('category', 'The category was just deleted; choose another.');
  }
  return err;
}
