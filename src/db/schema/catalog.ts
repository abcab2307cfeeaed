import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/pg-core';
import { taxClasses } from './pricing.js';
import { createdAt, id, money, updatedAt } from './columns.js';

export const categories = pgTable(
  'categories',
  {
    id: id(),
    name: varchar('name', { length: 100 }).notNull(),
    slug: varchar('slug', { length: 120 }).notNull(),
    description: text('description').notNull().default(''),
    // Deleting a category removes its subtree; products keep it from happening (RESTRICT).
    parentId: integer('parent_id').references((): AnyPgColumn => categories.id, {
      onDelete: 'cascade',
    }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('categories_slug_uq').on(t.slug),
    uniqueIndex('categories_name_lower_uq').on(sql`lower(${t.name})`),
    index('categories_parent_idx').on(t.parentId),
    check('categories_not_own_parent_chk', sql`${t.parentId} is null or ${t.parentId} <> ${t.id}`),
  ],
);

export const products = pgTable(
  'products',
  {
    id: id(),
    name: varchar('name', { length: 200 }).notNull(),
    slug: varchar('slug', { length: 220 }).notNull(),
    description: text('description').notNull().default(''),
    // Kept by the product_variants trigger (migration 0007): the lowest and highest price
    // of the active variants, and the sum of their stock (capped at the column's limit).
    // With no active variant, the prices stay as they were and the stock is 0.
    price: money('price').notNull(),
    priceMax: money('price_max').notNull(),
    stock: integer('stock').notNull().default(0),
    imageUrl: varchar('image_url', { length: 500 }),
    // The options variants choose from, values in display order: [{name, values}], at most 3.
    options: jsonb('options').$type<ProductOption[]>().notNull().default([]),
    // The storage key of the first image's thumbnail (kept by the media service), so that
    // a list reads it without a join.
    imageThumbKey: varchar('image_thumb_key', { length: 200 }),
    isActive: boolean('is_active').notNull().default(true),
    isFeatured: boolean('is_featured').notNull().default(false),
    // null: the shop's default tax class.
    taxClassId: integer('tax_class_id').references(() => taxClasses.id, { onDelete: 'set null' }),
    categoryId: integer('category_id')
      .notNull()
      .references(() => categories.id, { onDelete: 'restrict' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('products_price_positive_chk', sql`${t.price} > 0`),
    check('products_stock_nonnegative_chk', sql`${t.stock} >= 0`),
    uniqueIndex('products_slug_uq').on(t.slug),
    index('products_category_idx').on(t.categoryId),
    // Public lists read active products only, in one of the whitelisted orderings. Indexes
    // are ascending: a backward scan serves ORDER BY … DESC (whose NULLS FIRST a DESC
    // NULLS LAST index would not match).
    index('products_active_created_idx')
      .on(t.createdAt, t.id)
      .where(sql`${t.isActive}`),
    index('products_active_price_idx').on(t.price, t.id).where(sql`${t.isActive}`),
    index('products_active_name_idx').on(t.name, t.id).where(sql`${t.isActive}`),
    index('products_featured_idx')
      .on(t.createdAt, t.id)
      .where(sql`${t.isActive} and ${t.isFeatured}`),
    // No index holds `stock`: checkout changes it on every order, and an update that touches
    // no indexed column is a HOT update (no new index entries; the table keeps 10 % of each
    // page free for them, migration 0004). The low-stock list reads the table instead.
    // Typo-tolerant search (pg_trgm): `term <% name`. Exact terms are matched in
    // product_search (below).
    index('products_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')),
  ],
);

/**
 * What search reads (migration 0015): per product, the columns a search needs, the name (for
 * the ranking) and the name and description lower-cased once when written (`search_text`: each term is a plain
 * `search_text LIKE lower('%term%')`, which is ILIKE over both). Narrow on purpose: a common
 * word's matches lie on nearly every page, and this table has half the products table's
 * pages. Kept by triggers on products (insert; update of name, description, is_active,
 * created_at); deleted with its product.
 */
export const productSearch = pgTable(
  'product_search',
  {
    productId: integer('product_id')
      .primaryKey()
      .references(() => products.id, { onDelete: 'cascade' }),
    isActive: boolean('is_active').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    // lower(name): `name_lower LIKE lower(pattern)` is exactly `name ILIKE pattern`.
    nameLower: text('name_lower').notNull(),
    searchText: text('search_text').notNull(),
  },
  (t) => [index('product_search_text_trgm_idx').using('gin', t.searchText.op('gin_trgm_ops'))],
);

export interface ProductOption {
  name: string;
  values: string[];
}

/**
 * What is sold: a product has 1..100 variants, each with its own SKU, price and stock.
 * `options` maps each of the product's option names to one of its values ({} for the
 * default variant of a product without options).
 *
 * Lock order: a transaction that writes variants locks their products first (ascending id),
 * then the variants (ascending id): the trigger that keeps the product's price and stock
 * updates the product row, and two writers taking the rows in different orders would deadlock.
 */
export const productVariants = pgTable(
  'product_variants',
  {
    id: id(),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    sku: varchar('sku', { length: 64 }).notNull(),
    title: varchar('title', { length: 200 }).notNull(),
    options: jsonb('options').$type<Record<string, string>>().notNull().default({}),
    price: money('price').notNull(),
    compareAtPrice: money('compare_at_price'),
    stock: integer('stock').notNull().default(0),
    isActive: boolean('is_active').notNull().default(true),
    weightGrams: integer('weight_grams'),
    // null: the product's tax class.
    taxClassId: integer('tax_class_id').references(() => taxClasses.id, { onDelete: 'set null' }),
    imageId: integer('image_id').references((): AnyPgColumn => productImages.id, { onDelete: 'set null' }),
    position: integer('position').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('product_variants_price_positive_chk', sql`${t.price} > 0`),
    check('product_variants_compare_at_chk', sql`${t.compareAtPrice} is null or ${t.compareAtPrice} > 0`),
    check('product_variants_stock_nonnegative_chk', sql`${t.stock} >= 0`),
    check('product_variants_weight_chk', sql`${t.weightGrams} is null or ${t.weightGrams} >= 0`),
    uniqueIndex('product_variants_sku_lower_uq').on(sql`lower(${t.sku})`),
    uniqueIndex('product_variants_product_options_uq').on(t.productId, t.options),
    index('product_variants_product_idx').on(t.productId, t.position, t.id),
    // `?option=Colour:Red` is `options @> '{"Colour":"Red"}'`.
    index('product_variants_options_idx').using('gin', t.options.op('jsonb_path_ops')),
  ],
);

/**
 * A product's picture. The files live in the media storage under `key` (a content hash):
 * `<key>/original.<ext>`, `<key>/thumb.webp`, `<key>/medium.webp`, `<key>/large.webp`.
 */
export const productImages = pgTable(
  'product_images',
  {
    id: id(),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    key: varchar('key', { length: 100 }).notNull(),
    // The stored original's extension (jpg, png, webp, avif).
    format: varchar('format', { length: 8 }).notNull(),
    alt: varchar('alt', { length: 300 }).notNull().default(''),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    position: integer('position').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    index('product_images_product_idx').on(t.productId, t.position, t.id),
    index('product_images_key_idx').on(t.key),
  ],
);

/**
 * One row whose version moves on every change that can alter a product list's count
 * (product writes, category moves, stock reaching or leaving zero). Cached counts are
 * tagged with it, so no instance serves a count older than the last committed change.
 */
export const catalogState = pgTable('catalog_state', {
  id: integer('id').primaryKey(),
  version: integer('version').notNull().default(0),
});
