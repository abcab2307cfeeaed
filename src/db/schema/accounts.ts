import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  inet,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns.js';

export const users = pgTable(
  'users',
  {
    id: id(),
    username: varchar('username', { length: 150 }).notNull(),
    email: varchar('email', { length: 254 }).notNull(),
    passwordHash: text('password_hash').notNull(),
    firstName: varchar('first_name', { length: 150 }).notNull().default(''),
    lastName: varchar('last_name', { length: 150 }).notNull().default(''),
    phone: varchar('phone', { length: 20 }).notNull().default(''),
    isStaff: boolean('is_staff').notNull().default(false),
    isActive: boolean('is_active').notNull().default(true),
    // Bumped on password change, deactivation and "log out everywhere": access tokens
    // carry the version they were issued under and stop working once it moves on.
    tokenVersion: integer('token_version').notNull().default(0),
    dateJoined: timestamp('date_joined', { withTimezone: true, mode: 'date' })
      .notNull()
      .defaultNow(),
    lastLogin: timestamp('last_login', { withTimezone: true, mode: 'date' }),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('users_username_lower_uq').on(sql`lower(${t.username})`),
    uniqueIndex('users_email_lower_uq').on(sql`lower(${t.email})`),
    index('users_date_joined_idx').on(t.dateJoined),
    // Staff find orders by a piece of their customer's e-mail or username (orders ?search=).
    index('users_email_trgm_idx').using('gin', t.email.op('gin_trgm_ops')),
    index('users_username_trgm_idx').using('gin', t.username.op('gin_trgm_ops')),
  ],
);

/**
 * Every string that logs in to an account, lower-cased: its username and its email. The
 * primary key makes "one string names one account" a rule of the database, races
 * included; the trigger `users_login_names` (migration 0005) keeps the rows in step with
 * every insert into `users` and every change of a username or email.
 */
export const loginNames = pgTable(
  'login_names',
  {
    name: varchar('name', { length: 254 }).primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [index('login_names_user_idx').on(t.userId)],
);

/** The kinds of address (the check constraint below lists the same). */
export type AddressType = 'shipping' | 'billing';

export const addresses = pgTable(
  'addresses',
  {
    id: id(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    addressType: varchar('address_type', { length: 10 }).$type<AddressType>().notNull().default('shipping'),
    streetAddress: varchar('street_address', { length: 255 }).notNull(),
    city: varchar('city', { length: 100 }).notNull(),
    state: varchar('state', { length: 100 }).notNull(),
    postalCode: varchar('postal_code', { length: 20 }).notNull(),
    country: varchar('country', { length: 100 }).notNull().default('India'),
    phone: varchar('phone', { length: 20 }).notNull().default(''),
    isDefault: boolean('is_default').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('addresses_type_chk', sql`${t.addressType} in ('shipping', 'billing')`),
    index('addresses_user_idx').on(t.userId, t.id),
    // At most one default address per user and type.
    uniqueIndex('addresses_one_default_uq')
      .on(t.userId, t.addressType)
      .where(sql`${t.isDefault}`),
  ],
);

/**
 * One row per issued refresh token. A login starts a family; each rotation revokes the
 * presented token and issues its successor in the same family. Presenting a rotated
 * token again (reuse) revokes the whole family, unless it comes within the reuse grace
 * while its successor is live. `created_at` is the issue time of the row's token pair.
 * Every write holds the user's row lock (repository `SessionLock`).
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    replacedBy: uuid('replaced_by'),
    ip: inet('ip'),
    userAgent: varchar('user_agent', { length: 255 }),
    createdAt: createdAt(),
  },
  (t) => [
    index('refresh_tokens_user_idx').on(t.userId),
    index('refresh_tokens_family_idx').on(t.familyId),
    index('refresh_tokens_expires_idx').on(t.expiresAt),
  ],
);

/**
 * Password reset tokens, stored as their SHA-256 (the token itself is only in the e-mail).
 * Single use (`used_at`), valid until `expires_at`; a new request deletes the user's older ones.
 */
export const passwordResetTokens = pgTable(
  'password_reset_tokens',
  {
    id: id(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: varchar('token_hash', { length: 64 }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('password_reset_tokens_hash_uq').on(t.tokenHash),
    index('password_reset_tokens_user_idx').on(t.userId),
    index('password_reset_tokens_expires_idx').on(t.expiresAt),
  ],
);
