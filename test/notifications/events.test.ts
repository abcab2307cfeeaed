/**
 * The events outbox: an event and the job that dispatches it exist exactly when the
 * recording transaction commits. (Enqueue-only app: nothing here runs the jobs.)
 */
import { randomInt } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { events } from '../../src/db/schema/index.js';
import { recordEvent, recordEvents } from '../../src/modules/events/index.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { makeUser } from '../helpers/factories.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp();
});
afterAll(async () => {
  await ctx?.close();
});

async function eventsFor(orderId: number) {
  return ctx.database.db
    .select()
    .from(events)
    .where(sql`${events.data}->>'order_id' = ${String(orderId)}`);
}

async function dispatchJobs(eventId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    ctx.database.db,
    sql`select count(*)::int as n from pgboss.job where name = 'event-dispatch' and data->>'eventId' = ${eventId}`,
  );
  return row!.n;
}

describe('recordEvent', () => {
  it('leaves no event and no job when the transaction rolls back, exactly one of each when it commits', async () => {
    const orderId = 1_000_000_000 + randomInt(1_000_000_000);
    let rolledBackId = '';
    await expect(
      ctx.database.db.transaction(async (tx) => {
        rolledBackId = await recordEvent(tx, 'order.placed', { order_id: orderId });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(rolledBackId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await eventsFor(orderId)).toHaveLength(0);
    expect(await dispatchJobs(rolledBackId)).toBe(0);

    const id = await ctx.database.db.transaction((tx) => recordEvent(tx, 'order.placed', { order_id: orderId }));
    const stored = await eventsFor(orderId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id, type: 'order.placed', data: { order_id: orderId } });
    expect(await dispatchJobs(id)).toBe(1);
  });

  it('records a batch in the same transaction: one event and one job each', async () => {
    const base = 1_000_000_000 + randomInt(1_000_000_000);
    const ids = await ctx.database.db.transaction((tx) =>
      recordEvents(tx, 'order.cancelled', [{ order_id: base }, { order_id: base + 1 }, { order_id: base + 2 }]),
    );
    expect(new Set(ids).size).toBe(3);
    for (const [i, id] of ids.entries()) {
      expect(await eventsFor(base + i)).toMatchObject([{ id, type: 'order.cancelled' }]);
      expect(await dispatchJobs(id)).toBe(1);
    }
  });

  it('records customer.created with the registration, in its transaction', async () => {
    const user = await makeUser(ctx);
    const rows = await ctx.database.db
      .select()
      .from(events)
      .where(eq(events.type, 'customer.created'))
      .then((all) => all.filter((e) => (e.data as { customer_id: number }).customer_id === user.id));
    expect(rows).toHaveLength(1);
    expect(await dispatchJobs(rows[0]!.id)).toBe(1);
  });
});
