import { and, arrayContains, count, desc, eq, lt, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { webhookDeliveries, webhookEndpoints, type WebhookDeliveryStatus } from '../../db/schema/index.js';
import { Conflict, NotFound } from '../../http/errors.js';
import type { EventConsumer } from '../events/index.js';
import type { WebhooksDeps } from './deps.js';
import { getEndpoint } from './endpoints.js';
import { failingTooLong, nextAttemptAt } from './schedule.js';
import { type SendResult, sendWebhook, signedHeaders } from './sender.js';

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** An event as its outbox hands it over (the events module's StoredEvent has this shape). */
export interface WebhookEvent {
  id: string;
  type: string;
  data: unknown;
  createdAt: Date;
}

/**
 * Hands an event to every active endpoint subscribed to its type: the first attempt's row
 * and its job, in one transaction (a savepoint inside the caller's). Idempotent: an event
 * dispatched twice is delivered once per endpoint (a unique index on the first attempt).
 */
export async function enqueueWebhookDeliveries(deps: WebhooksDeps, ex: Executor, event: WebhookEvent): Promise<number> {
  const body = JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data: event.data });
  return ex.transaction(async (tx) => {
    const endpoints = await tx
      .select({ id: webhookEndpoints.id })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.isActive, true), arrayContains(webhookEndpoints.eventTypes, [event.type])));
    if (!endpoints.length) return 0;
    const created = await tx
      .insert(webhookDeliveries)
      .values(
        endpoints.map((e) => ({
          endpointId: e.id,
          eventId: event.id,
          eventType: event.type,
          body,
          attempt: 1,
          step: 0,
          nextAttemptAt: new Date(),
        })),
      )
      .onConflictDoNothing()
      .returning({ id: webhookDeliveries.id });
    await deps.jobs.enqueueMany(
      tx,
      'webhook-deliver',
      created.map((d) => ({ data: { deliveryId: d.id } })),
    );
    return created.length;
  });
}

/** The events module's consumer: each dispatched event is queued for the endpoints that want it. */
export function webhookEventConsumer(deps: WebhooksDeps): EventConsumer {
  return async (event) => {
    await enqueueWebhookDeliveries(deps, deps.database.db, event);
  };
}

/**
 * The `webhook-deliver` job: makes one pending attempt and records what came of it. A
 * failure schedules the next automatic attempt (a new row and a delayed job); `410`, or
 * failing for too long, switches the endpoint off. An attempt no longer pending is skipped.
 */
export async function runDelivery(deps: WebhooksDeps, deliveryId: number): Promise<void> {
  const { db } = deps.database;
  // Claimed before it is sent: two runs of one attempt (its scheduled job and a staff retry
  // that made it early, or a job retried by the queue) send it once. A claim older than
  // twice the timeout is a run that died mid-send, and is taken over.
  const [claimed] = await db
    .update(webhookDeliveries)
    .set({ attemptedAt: sql`now()` })
    .where(
      and(
        eq(webhookDeliveries.id, deliveryId),
        eq(webhookDeliveries.status, 'pending'),
        sql`(${webhookDeliveries.attemptedAt} is null or ${webhookDeliveries.attemptedAt} < now() - ${`${2 * deps.timeoutMs} milliseconds`}::interval)`,
      ),
    )
    .returning({ id: webhookDeliveries.id });
  if (!claimed) return;
  const [row] = await db
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(eq(webhookDeliveries.id, deliveryId));
  if (!row || row.delivery.status !== 'pending') return;
  const { delivery, endpoint } = row;
  const result: SendResult = endpoint.isActive
    ? await sendWebhook(
        endpoint.url,
        signedHeaders(endpoint.secret, delivery.eventId, new Date(), delivery.body),
        delivery.body,
        { resolve: deps.resolve, allowPrivate: deps.allowPrivate, timeoutMs: deps.timeoutMs },
      )
    : { ok: false, status: null, durationMs: 0, snippet: 'not sent: the endpoint is disabled' };
  await recordOutcome(deps, delivery, endpoint.isActive, result);
}

async function recordOutcome(deps: WebhooksDeps, delivery: DeliveryRow, sent: boolean, result: SendResult) {
  const now = new Date();
  await deps.database.db.transaction(async (tx) => {
    const [done] = await tx
      .update(webhookDeliveries)
      .set({
        status: result.ok ? 'succeeded' : 'failed',
        responseStatus: result.status,
        durationMs: result.durationMs,
        responseSnippet: result.snippet,
        attemptedAt: now,
        nextAttemptAt: null,
      })
      .where(and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, 'pending')))
      .returning({ id: webhookDeliveries.id });
    // Another run of this job recorded it first.
    if (!done || !sent) return;
    if (result.ok) {
      await tx.update(webhookEndpoints).set({ failingSince: null }).where(eq(webhookEndpoints.id, delivery.endpointId));
      return;
    }
    const [endpoint] = await tx
      .update(webhookEndpoints)
      .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now})` })
      .where(eq(webhookEndpoints.id, delivery.endpointId))
      .returning();
    if (result.status === 410) return disableEndpoint(deps, tx, delivery.endpointId, 'the receiver answered 410 Gone');
    if (endpoint?.failingSince && failingTooLong(endpoint.failingSince, now, deps.disableAfterMs)) {
      return disableEndpoint(deps, tx, delivery.endpointId, 'failing for 3 days');
    }
    if (delivery.step === null) return; // a manual attempt starts no schedule of its own
    const next = nextAttemptAt(delivery.step, now, deps.retryDelaysMs);
    if (!next) return;
    await tx.update(webhookDeliveries).set({ nextAttemptAt: next }).where(eq(webhookDeliveries.id, delivery.id));
    await addAttempt(deps, tx, delivery, { step: delivery.step + 1, dueAt: next });
  });
}

async function disableEndpoint(deps: WebhooksDeps, tx: Executor, endpointId: number, reason: string): Promise<void> {
  const [endpoint] = await tx
    .update(webhookEndpoints)
    .set({ isActive: false, disabledReason: reason, updatedAt: new Date() })
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.isActive, true)))
    .returning({ id: webhookEndpoints.id, url: webhookEndpoints.url });
  if (!endpoint) return; // switched off before (by staff, or by another delivery): told once
  deps.log.warn({ webhookEndpointId: endpointId, reason }, 'webhook endpoint disabled');
  await deps.onEndpointDisabled?.(tx, endpoint, reason);
}

/** A new pending attempt of the same event to the same endpoint (same body, same webhook-id), and its job. */
async function addAttempt(
  deps: WebhooksDeps,
  tx: Executor,
  previous: DeliveryRow,
  { step, dueAt }: { step: number | null; dueAt: Date },
): Promise<DeliveryRow> {
  const attempt = sql<number>`(select coalesce(max(${webhookDeliveries.attempt}), 0) + 1 from ${webhookDeliveries}
    where ${webhookDeliveries.endpointId} = ${previous.endpointId} and ${webhookDeliveries.eventId} = ${previous.eventId})`;
  const [row] = await tx
    .insert(webhookDeliveries)
    .values({
      endpointId: previous.endpointId,
      eventId: previous.eventId,
      eventType: previous.eventType,
      body: previous.body,
      attempt,
      step,
      nextAttemptAt: dueAt,
    })
    .returning();
  await deps.jobs.enqueue(tx, 'webhook-deliver', { deliveryId: row!.id }, { startAfter: dueAt });
  return row!;
}

/**
 * Staff retry of an attempt: the same message again now — the attempt the schedule planned,
 * made early, or else a new one (409 when the endpoint is off).
 */
export async function retryDelivery(deps: WebhooksDeps, deliveryId: number): Promise<DeliveryRow> {
  return deps.database.db.transaction(async (tx) => {
    const [delivery] = await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId));
    if (!delivery) throw new NotFound('No such webhook delivery.');
    const endpoint = await getEndpoint(tx, delivery.endpointId);
    if (!endpoint.isActive) throw new Conflict('The endpoint is disabled: switch it on (is_active) first.');
    // An attempt the schedule has already planned is made now instead: a new one beside it
    // would send the message twice (once now, once when the planned one comes due).
    const now = new Date();
    const [planned] = await tx
      .update(webhookDeliveries)
      .set({ nextAttemptAt: now })
      .where(
        and(
          eq(webhookDeliveries.endpointId, delivery.endpointId),
          eq(webhookDeliveries.eventId, delivery.eventId),
          eq(webhookDeliveries.status, 'pending'),
        ),
      )
      .returning();
    if (planned) {
      await deps.jobs.enqueue(tx, 'webhook-deliver', { deliveryId: planned.id });
      return planned;
    }
    return addAttempt(deps, tx, delivery, { step: null, dueAt: now });
  });
}

/** One endpoint's attempts, newest first (404 for an unknown endpoint). */
export async function listDeliveries(
  ex: Executor,
  endpointId: number,
  filter: { status?: WebhookDeliveryStatus },
  limit: number,
  offset: number,
): Promise<{ rows: DeliveryRow[]; count: number }> {
  await getEndpoint(ex, endpointId);
  const where = and(
    eq(webhookDeliveries.endpointId, endpointId),
    filter.status ? eq(webhookDeliveries.status, filter.status) : undefined,
  );
  const rows = await ex.select().from(webhookDeliveries).where(where).orderBy(desc(webhookDeliveries.id)).limit(limit).offset(offset);
  const [total] = await ex.select({ n: count() }).from(webhookDeliveries).where(where);
  return { rows, count: total?.n ?? 0 };
}

/** Housekeeping: finished attempts older than `days` days are deleted; answers how many. */
export async function deleteOldWebhookDeliveries(ex: Executor, days: number): Promise<number> {
  const cutoff = new Date(Date.now() - days * 86_400_000);
  const deleted = await ex
    .delete(webhookDeliveries)
    .where(and(lt(webhookDeliveries.createdAt, cutoff), ne(webhookDeliveries.status, 'pending')))
    .returning({ id: webhookDeliveries.id });
  return deleted.length;
}
