import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, timestamp, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { users } from './accounts.js';
import { products, productVariants } from './catalog.js';
import { promotions } from './pricing.js';
import { createdAt, id, updatedAt } from './columns.js';

/** A cart belongs to a user or, for guests, is found by the SHA-256 of its opaque token. */
export const carts = pgTable(
  'carts',
  {
    id: id(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: varchar('token_hash', { length: 64 }),
    // The promotion code the shopper applied (checked again at checkout).
    promotionId: integer('promotion_id').references(() => promotions.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('carts_user_uq').on(t.userId),
    uniqueIndex('carts_token_uq').on(t.tokenHash),
    check('carts_owner_chk', sql`(${t.userId} is null) <> (${t.tokenHash} is null)`),
    // Idle guest carts are swept by a job.
    index('carts_guest_updated_idx')
      .on(t.updatedAt)
      .where(sql`${t.userId} is null`),
  ],
);

export const cartItems = pgTable(
  'cart_items',
  {
    id: id(),
    cartId: integer('cart_id')
      .notNull()
      .references(() => carts.id, { onDelete: 'cascade' }),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    // A line is one variant; product_id is its product's (kept for the joins the lists use).
    variantId: integer('variant_id')
      .notNull()
      .references(() => productVariants.id, { onDelete: 'cascade' }),
    quantity: integer('quantity').notNull(),
    addedAt: timestamp('added_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('cart_items_quantity_chk', sql`${t.quantity} between 1 and 999`),
    uniqueIndex('cart_items_cart_variant_uq').on(t.cartId, t.variantId),
    index('cart_items_product_idx').on(t.productId),
    index('cart_items_variant_idx').on(t.variantId),
  ],
);
