import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id } from './columns.js';

/**
 * What happened in the shop (`order.placed`, `customer.created`, …), written in the same
 * transaction as the change (it exists exactly when the change commits). The id is stable:
 * e-mails and outgoing webhooks name the event by it. `data` holds ids, not copies: whoever
 * consumes an event loads what it needs.
 */
export const events = pgTable(
  'events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    type: varchar('type', { length: 64 }).notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('events_created_idx').on(t.createdAt), index('events_type_created_idx').on(t.type, t.createdAt)],
);

/** The states of an outgoing e-mail (the check constraint below lists the same). */
export type EmailStatus = 'queued' | 'sent' | 'failed';

/**
 * One row per outgoing message, rendered when it is queued (what the preview shows is what
 * is sent). The unique index makes "at most once per event, template and recipient" a rule
 * of the database; messages without an event (password reset) are queued by their own change.
 */
export const emails = pgTable(
  'emails',
  {
    id: id(),
    to: varchar('to_address', { length: 254 }).notNull(),
    template: varchar('template', { length: 40 }).notNull(),
    subject: varchar('subject', { length: 255 }).notNull(),
    html: text('html').notNull(),
    text: text('text').notNull(),
    status: varchar('status', { length: 10 }).$type<EmailStatus>().notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    eventId: uuid('event_id').references(() => events.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    check('emails_status_chk', sql`${t.status} in ('queued', 'sent', 'failed')`),
    check('emails_attempts_chk', sql`${t.attempts} >= 0`),
    uniqueIndex('emails_event_template_to_uq').on(t.eventId, t.template, t.to),
    index('emails_status_idx').on(t.status, t.id),
  ],
);
