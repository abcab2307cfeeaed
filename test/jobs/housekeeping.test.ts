/** The nightly housekeeping job: what it deletes, and what it keeps. */
import { randomUUID } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeys, refreshTokens, webhookEvents } from '../../src/db/schema/index.js';
import { jobHandlers } from '../../src/services.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { makeUser } from '../helpers/factories.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp();
});
afterAll(async () => {
  await ctx?.close();
});

const ago = (ms: number) => new Date(Date.now() - ms);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('housekeeping job', () => {
  it('deletes expired refresh tokens, expired idempotency keys and old webhook events, and keeps the rest', async () => {
    const user = await makeUser(ctx);
    const { db } = ctx.database;
    const token = (expiresAt: Date) => ({ id: randomUUID(), userId: user.id, familyId: randomUUID(), expiresAt });
    const tokens = { old: token(ago(2 * DAY)), recent: token(ago(HOUR)), live: token(new Date(Date.now() + DAY)) };
    await db.insert(refreshTokens).values(Object.values(tokens));

    const key = (name: string, createdAt: Date) => ({
      userId: user.id,
      scope: 'orders.create',
      key: unique(name),
      requestHash: 'x'.repeat(64),
      createdAt,
    });
    const keys = { old: key('old-', ago(25 * HOUR)), fresh: key('fresh-', ago(23 * HOUR)) };
    await db.insert(idempotencyKeys).values(Object.values(keys));

    const event = (name: string, receivedAt: Date) => ({
      eventId: unique(name),
      event: 'payment.captured',
      payload: {},
      receivedAt,
    });
    const events = { old: event('evt_old_', ago(91 * DAY)), kept: event('evt_kept_', ago(89 * DAY)) };
    await db.insert(webhookEvents).values(Object.values(events));

    await jobHandlers(ctx.services, pino({ level: 'silent' })).housekeeping({}, 'test-job');

    const tokenIds = (await db.select({ id: refreshTokens.id }).from(refreshTokens).where(
      inArray(refreshTokens.id, Object.values(tokens).map((t) => t.id)),
    )).map((r) => r.id);
    expect(tokenIds.sort()).toEqual([tokens.recent.id, tokens.live.id].sort());

    const keyNames = (await db.select({ key: idempotencyKeys.key }).from(idempotencyKeys).where(
      inArray(idempotencyKeys.key, Object.values(keys).map((k) => k.key)),
    )).map((r) => r.key);
    expect(keyNames).toEqual([keys.fresh.key]);

    const eventIds = (await db.select({ eventId: webhookEvents.eventId }).from(webhookEvents).where(
      inArray(webhookEvents.eventId, Object.values(events).map((e) => e.eventId)),
    )).map((r) => r.eventId);
    expect(eventIds).toEqual([events.kept.eventId]);

    // The user's own session (made at registration) is untouched and still refreshes.
    const refreshed = await ctx.app.inject({ method: 'POST', url: '/api/auth/token/refresh/', payload: { refresh: user.refresh } });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
  });
});
