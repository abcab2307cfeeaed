import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns.js';

/**
 * A receiver of outgoing webhooks: events of the listed types are POSTed to `url`, signed
 * with `secret` (Standard Webhooks). `failing_since` is the first failed attempt since the
 * last success; an endpoint failing for 3 days, or answering 410, is switched off.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: id(),
    url: varchar('url', { length: 2048 }).notNull(),
    eventTypes: text('event_types').array().notNull(),
    isActive: boolean('is_active').notNull().default(true),
    secret: varchar('secret', { length: 100 }).notNull(),
    failingSince: timestamp('failing_since', { withTimezone: true, mode: 'date' }),
    disabledReason: varchar('disabled_reason', { length: 200 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('webhook_endpoints_event_types_idx').using('gin', t.eventTypes)],
);

/** The states of one delivery attempt (the check constraint below lists the same). */
export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

/**
 * One row per attempt to deliver one event to one endpoint. The body is written once, with
 * the first attempt, and copied to the next: every attempt sends the same bytes under the
 * same `webhook-id` (the event id). `step` is the attempt's place in the automatic schedule
 * (0 = the first, immediate one); null for an attempt staff asked for.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    endpointId: integer('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull(),
    eventType: varchar('event_type', { length: 64 }).notNull(),
    body: text('body').notNull(),
    attempt: integer('attempt').notNull(),
    step: smallint('step'),
    status: varchar('status', { length: 10 }).$type<WebhookDeliveryStatus>().notNull().default('pending'),
    responseStatus: integer('response_status'),
    durationMs: integer('duration_ms'),
    responseSnippet: text('response_snippet'),
    createdAt: createdAt(),
    attemptedAt: timestamp('attempted_at', { withTimezone: true, mode: 'date' }),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    check('webhook_deliveries_status_chk', sql`${t.status} in ('pending', 'succeeded', 'failed')`),
    check('webhook_deliveries_attempt_chk', sql`${t.attempt} >= 1`),
    // An event is handed to an endpoint once, however often its dispatch runs.
    uniqueIndex('webhook_deliveries_first_uq').on(t.endpointId, t.eventId).where(sql`${t.step} = 0`),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.id),
    index('webhook_deliveries_event_idx').on(t.endpointId, t.eventId),
    index('webhook_deliveries_created_idx').on(t.createdAt),
  ],
);
