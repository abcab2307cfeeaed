import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { events } from '../../db/schema/index.js';
import { insertJobs } from '../jobs/index.js';

/**
 * What each event carries: ids (and the few facts of the moment that are not kept on a
 * row), never copies of rows. Consumers (e-mails, webhooks) load what they need.
 */
export interface EventData {
  'order.placed': { order_id: number };
  'order.paid': { order_id: number; payment_id?: number };
  'order.cancelled': { order_id: number; reason?: string };
  'order.shipped': {
    order_id: number;
    tracking_number?: string | null;
    carrier?: string | null;
    tracking_url?: string | null;
  };
  'order.delivered': { order_id: number };
  'order.refunded': { order_id: number; refund_id?: number; amount: string };
  'product.out_of_stock': { product_id: number; variant_id?: number };
  'customer.created': { customer_id: number };
}

/** Every kind of event, in the contract's words (API-v2 §4). */
export type EventType = keyof EventData;

export interface StoredEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  data: EventData[T];
  createdAt: Date;
}

/**
 * Records an event in the caller's transaction, with the job that dispatches it: both exist
 * exactly when the change commits. Answers the event's stable id.
 */
export async function recordEvent<T extends EventType>(tx: Executor, type: T, data: EventData[T]): Promise<string> {
  const id = randomUUID();
  await tx.insert(events).values({ id, type, data: data as unknown as Record<string, unknown> });
  await insertJobs(tx, 'event-dispatch', [{ data: { eventId: id } }]);
  return id;
}

/** Records several events of one type at once (two statements, whatever their number). */
export async function recordEvents<T extends EventType>(tx: Executor, type: T, list: EventData[T][]): Promise<string[]> {
  if (!list.length) return [];
  const rows = list.map((data) => ({ id: randomUUID(), type, data: data as unknown as Record<string, unknown> }));
  await tx.insert(events).values(rows);
  await insertJobs(
    tx,
    'event-dispatch',
    rows.map((r) => ({ data: { eventId: r.id } })),
  );
  return rows.map((r) => r.id);
}

async function findEvent(ex: Executor, id: string): Promise<StoredEvent | undefined> {
  const [row] = await ex.select().from(events).where(eq(events.id, id));
  if (!row) return undefined;
  return { id: row.id, type: row.type as EventType, data: row.data as unknown as EventData[EventType], createdAt: row.createdAt };
}

/** Something that acts on events (the e-mails; later the outgoing webhooks). Idempotent: a dispatch may run twice. */
export type EventConsumer = (event: StoredEvent) => Promise<void>;

/** The `event-dispatch` job: hands the event to every consumer. An event gone (or never committed) is skipped. */
export async function dispatchEvent(ex: Executor, consumers: readonly EventConsumer[], eventId: string): Promise<boolean> {
  const event = await findEvent(ex, eventId);
  if (!event) return false;
  for (const consume of consumers) await consume(event);
  return true;
}
