import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../src/db/schema/index.js';
import { bodyHash, type IdempotentRequest, runOnce } from '../../src/modules/idempotency/service.js';
import { initiateLeaseSeconds } from '../../src/modules/payments/service.js';
import { type TestContext, unique } from '../helpers/app.js';
import { type Shop, type TestUser } from '../helpers/factories.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import { closePaymentsShop, initiate, openPaymentsShop, orderOf, paymentRows } from '../helpers/payments.js';
import { expectProblem } from '../helpers/problems.js';

/**
 * An Idempotency-Key claimed by a request that then died (a crash between the claim and
 * the stored response) must not answer "still being processed" for a day: the claim is a
 * lease, and a retry after it takes the key over. The crash is simulated by the row it
 * leaves: claimed, without a response.
 */
let ctx: TestContext;
let fake: FakeRazorpay;
let shop: Shop;
let user: TestUser;

beforeAll(async () => {
  ({ fake, ctx, shop, user } = await openPaymentsShop());
});
afterAll(() => closePaymentsShop({ ctx, fake }));

const SCOPE = 'payments.initiate';

/** The row a request leaves when it dies after claiming the key: no response, claimed `ageSeconds` ago. */
async function abandonedClaim(key: string, body: unknown, ageSeconds: number) {
  await ctx.database.db.insert(idempotencyKeys).values({
    userId: user.id,
    scope: SCOPE,
    key,
    requestHash: bodyHash(body),
    createdAt: sql`now() - make_interval(secs => ${ageSeconds})`,
  });
}

async function keyRow(key: string, scope = SCOPE) {
  const [row] = await ctx.database.db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, user.id), eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  return row;
}

describe('a claim whose request died', () => {
  it('is taken over once its lease has run out: the retry does the work, and is then replayed', async () => {
    const order = await orderOf(shop, user);
    const key = unique('dead-claim-');
    const lease = initiateLeaseSeconds(ctx.services.payments);
    await abandonedClaim(key, { order_id: order.id }, lease + 5);

    const retry = await initiate(ctx, user, order.id, { 'idempotency-key': key });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    const [payment] = await paymentRows(ctx, order.id);
    expect(payment!.razorpayOrderId).toBe(retry.json().razorpay_order_id);
    expect(await keyRow(key)).toMatchObject({ statusCode: 200 });

    const again = await initiate(ctx, user, order.id, { 'idempotency-key': key });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(retry.json());
  });

  it('is taken over by the next request whatever its body; the key is then bound to that body', async () => {
    const one = await orderOf(shop, user);
    const two = await orderOf(shop, user);
    const key = unique('dead-claim-');
    await abandonedClaim(key, { order_id: one.id }, initiateLeaseSeconds(ctx.services.payments) + 5);
    // A dead claim did no recorded work: the next request, whatever its body, does its own.
    const res = await initiate(ctx, user, two.id, { 'idempotency-key': key });
    expect(res.statusCode, res.body).toBe(200);
    expectProblem(await initiate(ctx, user, one.id, { 'idempotency-key': key }), 409, 'idempotency_conflict');
  });

  it('within its lease it still holds the key (409 after waiting), and nothing is done', async () => {
    const order = await orderOf(shop, user);
    const key = unique('live-claim-');
    await abandonedClaim(key, { order_id: order.id }, 1);
    const req: IdempotentRequest = { userId: user.id, scope: SCOPE, key, hash: bodyHash({ order_id: order.id }) };
    let ran = false;
    const work = async () => {
      ran = true;
      return { status: 200, body: {} };
    };
    await expect(runOnce(ctx.database, req, work, { waitMs: 300, leaseSeconds: 60 })).rejects.toMatchObject({
      status: 409,
      code: 'idempotency_conflict',
    });
    expect(ran).toBe(false);
    expect(await keyRow(key)).toMatchObject({ statusCode: null });
  });
});

describe('a slow first request whose claim was taken over', () => {
  it('stores nothing over the response of the request that took the key', async () => {
    const key = unique('slow-claim-');
    const req: IdempotentRequest = { userId: user.id, scope: 'test.lease', key, hash: bodyHash({ n: 1 }) };
    let finishFirst!: () => void;
    const firstMayFinish = new Promise<void>((r) => (finishFirst = r));
    const first = runOnce(ctx.database, req, async () => {
      await firstMayFinish;
      return { status: 200, body: { by: 'first' } };
    }, { leaseSeconds: 1 });
    // Past the first one's lease, a retry takes the key over and answers.
    await new Promise((r) => setTimeout(r, 1_500));
    const second = await runOnce(ctx.database, req, async () => ({ status: 200, body: { by: 'second' } }), {
      leaseSeconds: 1,
    });
    expect(second).toEqual({ status: 200, body: { by: 'second' }, replayed: false });
    finishFirst();
    expect(await first).toMatchObject({ body: { by: 'first' }, replayed: false });
    expect(await keyRow(key, 'test.lease')).toMatchObject({ statusCode: 200, responseBody: { by: 'second' } });
    const third = await runOnce(ctx.database, req, async () => ({ status: 200, body: { by: 'third' } }));
    expect(third).toEqual({ status: 200, body: { by: 'second' }, replayed: true });
  });
});
