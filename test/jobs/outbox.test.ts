/**
 * The outbox rule: a job enqueued in a transaction exists exactly when that transaction
 * commits. (Enqueue-only app: nothing here runs the jobs.)
 */
import { randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp();
});
afterAll(async () => {
  await ctx?.close();
});

async function jobsFor(orderId: number): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    ctx.database.db,
    sql`select count(*)::int as n from pgboss.job where name = 'order-expire' and data->>'orderId' = ${String(orderId)}`,
  );
  return row!.n;
}

describe('jobs enqueued in a transaction', () => {
  it('vanish with a rolled-back transaction and exist once it commits', async () => {
    // Far beyond any real order id in this run's database.
    const orderId = 1_000_000_000 + randomInt(1_000_000_000);
    const later = new Date(Date.now() + 3_600_000);
    await expect(
      ctx.database.db.transaction(async (tx) => {
        await ctx.services.jobs.enqueue(tx, 'order-expire', { orderId }, { startAfter: later });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await jobsFor(orderId)).toBe(0);

    await ctx.database.db.transaction(async (tx) => {
      await ctx.services.jobs.enqueue(tx, 'order-expire', { orderId }, { startAfter: later });
    });
    expect(await jobsFor(orderId)).toBe(1);
  });
});
