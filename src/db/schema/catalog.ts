import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  check,
  index,
  integer,
  pgTable,
  text,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/pg-core';
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
    price: money('price').notNull(),
    stock: integer('stock').notNull().default(0),
    imageUrl: varchar('image_url', { length: 500 }),
    isActive: boolean('is_active').notNull().default(true),
    isFeatured: boolean('is_featured').notNull().default(false),
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
    // Search (pg_trgm): each term is one ILIKE '%term%' on name + description (terms hold
    // no spaces, so none can match across the joint), and `term <% name` for typos.
    index('products_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')),
    index('products_search_trgm_idx').using(
      'gin',
      sql`(${t.name}::text || ' ' || ${t.description}) gin_trgm_ops`,
    ),
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
