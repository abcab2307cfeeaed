/**
 * Sessions that no refresh or login in flight can outlive (issue 14), with the races forced
 * on PostgreSQL rather than hoped for. A trigger on refresh_tokens makes the transaction
 * that inserts a token for a "gated" user wait on an advisory lock that the test holds:
 * that transaction is then paused after writing its new token and before committing, while
 * the test starts the competing request, waits until PostgreSQL shows it blocked, and only
 * then lets the first one commit.
 */
import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { buildTestApp, onPostgres, type TestContext } from '../helpers/app.js';
import { bearer, makeUser, PASSWORD, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import type { ResponseBody } from '../helpers/client.js';

const GATE = 9140;
const NEW_PASSWORD = 'Brand-New-Staple-77';

describe.skipIf(!onPostgres())('session revocation against requests in flight (PostgreSQL)', () => {
  let strict: TestContext;
  let lenient: TestContext;

  beforeAll(async () => {
    // Databases of their own: the gate trigger must not reach other files' transactions.
    [strict, lenient] = await Promise.all([
      buildTestApp({}, { isolated: true }),
      buildTestApp({ REFRESH_REUSE_GRACE_SECONDS: '30' }, { isolated: true }),
    ]);
    for (const ctx of [strict, lenient]) {
      await ctx.database.db.execute(sql`
        create function test_session_gate() returns trigger language plpgsql as $$
        begin
          perform pg_advisory_xact_lock_shared(${sql.raw(String(GATE))}, new.user_id);
          return new;
        end $$`);
      await ctx.database.db.execute(sql`
        create trigger test_session_gate after insert on refresh_tokens
          for each row execute function test_session_gate()`);
    }
  });
  afterAll(async () => Promise.all([strict?.close(), lenient?.close()]));

  /**
   * Closes the gate for one user: their next token insert waits until the returned function
   * opens it again. The lock is held by an open transaction on a connection of its own.
   */
  async function closeGate(ctx: TestContext, userId: number): Promise<() => Promise<void>> {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    let held!: () => void;
    const isHeld = new Promise<void>((resolve) => (held = resolve));
    const holder = ctx.database.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${GATE}, ${userId})`);
      held();
      await opened;
    });
    await Promise.race([isHeld, holder]);
    return async () => {
      open();
      await holder;
    };
  }

  /** Waits until PostgreSQL shows `paused` transactions at the gate and `blocked` others waiting for a lock. */
  async function waitFor(ctx: TestContext, paused: number, blocked: number) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const rows = await queryRows<{ paused: number; blocked: number }>(ctx.database.db, sql`
        select count(*) filter (where wait_event = 'advisory')::int as paused,
               count(*) filter (where wait_event <> 'advisory')::int as blocked
          from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`);
      if (rows[0]!.paused >= paused && rows[0]!.blocked >= blocked) return;
      if (Date.now() > deadline) throw new Error(`waitFor(${paused}, ${blocked}): saw ${JSON.stringify(rows[0])}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const refresh = (ctx: TestContext, token: string) =>
    ctx.app.inject({ method: 'POST', url: '/api/auth/token/refresh/', payload: { refresh: token } });
  const profile = (ctx: TestContext, access: string) =>
    ctx.app.inject({ method: 'GET', url: '/api/auth/profile/', headers: bearer(access) });
  const logout = (ctx: TestContext, user: TestUser, payload: Record<string, unknown>) =>
    ctx.app.inject({ method: 'POST', url: '/api/auth/logout/', headers: bearer(user.access), payload });
  const changePassword = (ctx: TestContext, user: TestUser) =>
    ctx.app.inject({
      method: 'POST',
      url: '/api/auth/change-password/',
      headers: bearer(user.access),
      payload: { old_password: PASSWORD, new_password: NEW_PASSWORD },
    });
  const login = (ctx: TestContext, user: TestUser, password: string) =>
    ctx.app.inject({ method: 'POST', url: '/api/auth/login/', payload: { username: user.username, password } });

  /**
   * Refreshes the user's token and holds that refresh after it wrote its successor; runs
   * `revoke` against it, lets the refresh commit, and returns both answers.
   */
  async function refreshDuring(ctx: TestContext, user: TestUser, revoke: () => Promise<LightMyRequestResponse>) {
    const openGate = await closeGate(ctx, user.id);
    const rotating = refresh(ctx, user.refresh);
    await waitFor(ctx, 1, 0);
    const revoking = revoke();
    await waitFor(ctx, 1, 1);
    await openGate();
    const [rotated, revoked] = await Promise.all([rotating, revoking]);
    return { rotated, revoked };
  }

  /** The refresh answered 200, but its tokens died with the revocation that ran meanwhile. */
  async function expectDead(ctx: TestContext, rotated: LightMyRequestResponse) {
    expect(rotated.statusCode, rotated.body).toBe(200);
    const { access, refresh: successor } = rotated.json<ResponseBody<'postApiAuthTokenRefresh'>>();
    expectProblem(await refresh(ctx, successor), 401, 'token_invalid');
    expectProblem(await profile(ctx, access), 401, 'token_invalid');
  }

  it('"log out everywhere" ends a session that is refreshing at that moment', async () => {
    const user = await makeUser(strict);
    const { rotated, revoked } = await refreshDuring(strict, user, () => logout(strict, user, { all: true }));
    expect(revoked.statusCode).toBe(200);
    await expectDead(strict, rotated);
  });

  it('logging out one session ends it even while it is refreshing', async () => {
    const user = await makeUser(strict);
    const { rotated, revoked } = await refreshDuring(strict, user, () =>
      logout(strict, user, { refresh: user.refresh }),
    );
    expect(revoked.statusCode).toBe(200);
    await expectDead(strict, rotated);
  });

  it('a password change ends a session that is refreshing at that moment', async () => {
    const user = await makeUser(strict);
    const { rotated, revoked } = await refreshDuring(strict, user, () => changePassword(strict, user));
    expect(revoked.statusCode).toBe(200);
    await expectDead(strict, rotated);
    // The session the change started is the one that lives.
    const fresh = revoked.json<ResponseBody<'postApiAuthChangePassword'>>().tokens;
    expect((await refresh(strict, fresh.refresh)).statusCode).toBe(200);
  });

  it('a login with the old password in flight during a password change gets no session', async () => {
    const user = await makeUser(strict);
    const openGate = await closeGate(strict, user.id);
    // The change has written the new hash and its own session, and not committed yet.
    const changing = changePassword(strict, user);
    await waitFor(strict, 1, 0);
    // The login reads the old hash (the change is not visible), checks it, then must wait.
    const loggingIn = login(strict, user, PASSWORD);
    await waitFor(strict, 1, 1);
    await openGate();
    const [changed, loggedIn] = await Promise.all([changing, loggingIn]);
    expect(changed.statusCode, changed.body).toBe(200);
    expectProblem(loggedIn, 401, 'authentication_failed');
    // Only the new password opens a session now.
    expect((await login(strict, user, NEW_PASSWORD)).statusCode).toBe(200);
    expectProblem(await login(strict, user, PASSWORD), 401, 'authentication_failed');
  });

  it('of two concurrent password changes from the same old password, only the first succeeds', async () => {
    const user = await makeUser(strict);
    const openGate = await closeGate(strict, user.id);
    const first = changePassword(strict, user);
    await waitFor(strict, 1, 0);
    // Checked the old password against the hash the first has not committed yet, then waits.
    const second = strict.app.inject({
      method: 'POST',
      url: '/api/auth/change-password/',
      headers: bearer(user.access),
      payload: { old_password: PASSWORD, new_password: 'Other-Quiet-Lantern-31' },
    });
    await waitFor(strict, 1, 1);
    await openGate();
    const [won, lost] = await Promise.all([first, second]);
    expect(won.statusCode, won.body).toBe(200);
    expectProblem(lost, 400, 'validation_error', 'old_password');
    expect((await login(strict, user, NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('with no grace, of two concurrent refreshes one wins, the other is reuse and ends the login', async () => {
    const user = await makeUser(strict);
    const { rotated, revoked: duplicate } = await refreshDuring(strict, user, () => refresh(strict, user.refresh));
    const problem = expectProblem(duplicate, 401, 'token_invalid');
    expect(problem.detail).toMatch(/already used/);
    // The contract's strict rule: the winner's tokens end with the login.
    await expectDead(strict, rotated);
  });

  it('within the grace, two concurrent refreshes both get the same successor pair, which keeps working', async () => {
    const user = await makeUser(lenient);
    const { rotated, revoked: duplicate } = await refreshDuring(lenient, user, () =>
      refresh(lenient, user.refresh),
    );
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(duplicate.statusCode).toBe(200);
    const pair = rotated.json<ResponseBody<'postApiAuthTokenRefresh'>>();
    expect(duplicate.json()).toEqual(pair);
    expect((await profile(lenient, pair.access)).statusCode).toBe(200);
    expect((await refresh(lenient, pair.refresh)).statusCode).toBe(200);
  });

  it('within the grace, "log out everywhere" still ends a session that is refreshing', async () => {
    const user = await makeUser(lenient);
    const { rotated, revoked } = await refreshDuring(lenient, user, () => logout(lenient, user, { all: true }));
    expect(revoked.statusCode).toBe(200);
    await expectDead(lenient, rotated);
    // and the rotated token, presented again within the grace, does not bring it back
    expectProblem(await refresh(lenient, user.refresh), 401, 'token_invalid');
  });
});
