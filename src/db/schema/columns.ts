import { integer, numeric, timestamp } from 'drizzle-orm/pg-core';

/** Positive int4 identity key (int4 so that PGlite never hands back a BigInt). */
export const id = () => integer('id').primaryKey().generatedByDefaultAsIdentity();

/** Money: numeric(12,2); Drizzle hands it over as a string, never a JS float. */
export const money = (name: string) => numeric(name, { precision: 12, scale: 2 });

export const createdAt = () =>
  timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
