import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/db/errors.js';
import { loginNames, users } from '../../src/db/schema/index.js';
import { PasswordHasher } from '../../src/modules/accounts/passwords.js';
import { createOrPromoteAdmin } from '../../src/modules/accounts/staff.js';
import { buildTestApp, onPostgres, type TestContext, unique } from '../helpers/app.js';
import { bearer, makeUser, PASSWORD } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';

/**
 * "One string names one account" (a username never equals another account's email, usernames
 * and emails are unique) held by the database: races through HTTP, and writes that bypass
 * the services. On PostgreSQL every request gets its own pooled connection, so the races are
 * real concurrent transactions; on PGlite (one connection) they only check the outcome.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp();
});
afterAll(async () => ctx?.close());

const register = (username: string, email: string) =>
  ctx.app.inject({
    method: 'POST',
    url: '/api/auth/register/',
    payload: { username, email, password: PASSWORD, password2: PASSWORD, first_name: 'Asha', last_name: 'Rao' },
  });

const login = (username: string) =>
  ctx.app.inject({ method: 'POST', url: '/api/auth/login/', payload: { username, password: PASSWORD } });

/** Accounts whose username or email is one of these strings, whatever the case. */
async function holders(...names: string[]) {
  const lowered = names.map((n) => n.toLowerCase());
  return ctx.database.db
    .select({ id: users.id, username: users.username, email: users.email })
    .from(users)
    .where(sql`lower(${users.username}) in ${lowered} or lower(${users.email}) in ${lowered}`);
}

const ROUNDS = 12;

describe(`login names (${onPostgres() ? 'PostgreSQL, parallel connections' : 'PGlite, serialised'})`, () => {
  it('lets one of a username and an equal email registered at the same moment through, every time', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const handle = unique('x');
      const shared = `${handle}@d.example`;
      const [byUsername, byEmail] = await Promise.all([
        register(shared, `${unique('other')}@example.com`),
        register(handle, shared.toUpperCase()),
      ]);
      const statuses = [byUsername.statusCode, byEmail.statusCode].sort();
      expect(statuses, `round ${round}: ${byUsername.body} / ${byEmail.body}`).toEqual([201, 400]);
      // The loser gets the field error a sequential duplicate gets.
      if (byUsername.statusCode === 400) expectProblem(byUsername, 400, 'validation_error', 'username');
      else expectProblem(byEmail, 400, 'validation_error', 'email');
      expect(await holders(shared)).toHaveLength(1);
      // And the shared string logs in to the one account that holds it.
      const res = await login(shared);
      expect(res.statusCode, res.body).toBe(200);
      const winner = byUsername.statusCode === 201 ? byUsername : byEmail;
      expect(res.json().user.id).toBe(winner.json().user.id);
    }
  });

  it('lets one of an email change and a registration of that username through, every time', async () => {
    for (let round = 0; round < ROUNDS / 2; round++) {
      const mover = await makeUser(ctx);
      const wanted = `${unique('z')}@d.example`;
      const [change, signup] = await Promise.all([
        ctx.app.inject({
          method: 'PATCH',
          url: '/api/auth/profile/',
          headers: bearer(mover.access),
          payload: { email: wanted },
        }),
        register(wanted, `${unique('z')}@example.com`),
      ]);
      const outcome = `${change.statusCode} ${change.body} / ${signup.statusCode} ${signup.body}`;
      expect([change.statusCode, signup.statusCode], outcome).toSatisfy(
        ([c, s]: number[]) => (c === 200 && s === 400) || (c === 400 && s === 201),
      );
      expect(await holders(wanted)).toHaveLength(1);
      if (change.statusCode === 400) expectProblem(change, 400, 'validation_error', 'email');
      else expectProblem(signup, 400, 'validation_error', 'username');
    }
  });

  it('rejects a write into users that bypasses the services (the rule is the database’s)', async () => {
    const owner = await makeUser(ctx);
    const insert = (username: string, email: string) =>
      ctx.database.db.insert(users).values({ username, email, passwordHash: 'x' });
    const clash = async (write: Promise<unknown>, constraint: string) => {
      const err = await write.then(() => null, (e: unknown) => e);
      expect(isUniqueViolation(err, constraint), String(err)).toBe(true);
    };
    await clash(insert(owner.email.toUpperCase(), `${unique('a')}@example.com`), 'login_names_username');
    await clash(insert(unique('b'), owner.username), 'login_names_email');
    const other = await makeUser(ctx);
    await clash(
      ctx.database.db.update(users).set({ email: owner.username.toUpperCase() }).where(eq(users.id, other.id)),
      'login_names_email',
    );
    expect(await holders(owner.username, owner.email)).toHaveLength(1);
  });

  it('keeps each account’s names claimed through an email change, and frees the old email', async () => {
    const user = await makeUser(ctx);
    const claimed = async () =>
      (await ctx.database.db.select().from(loginNames).where(eq(loginNames.userId, user.id)))
        .map((row) => row.name)
        .sort();
    expect(await claimed()).toEqual([user.email.toLowerCase(), user.username.toLowerCase()].sort());
    const fresh = `${unique('New')}@Example.com`;
    const res = await ctx.app.inject({
      method: 'PATCH',
      url: '/api/auth/profile/',
      headers: bearer(user.access),
      payload: { email: fresh },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await claimed()).toEqual([fresh.toLowerCase(), user.username.toLowerCase()].sort());
    // The old email is free for someone else; the new one is not.
    expect((await register(unique('c'), user.email)).statusCode).toBe(201);
    expectProblem(await register(fresh, `${unique('d')}@example.com`), 400, 'validation_error', 'username');
  });

  it('admin:create refuses a username equal to another account’s email', async () => {
    const owner = await makeUser(ctx);
    const hasher = new PasswordHasher({ memoryCost: 1024, timeCost: 1 });
    const attempt = createOrPromoteAdmin(ctx.database, hasher, {
      username: owner.email.toUpperCase(),
      email: `${unique('boss')}@example.com`,
      password: 'Sup3r-Secret-Boss!',
    });
    const err = await attempt.then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ status: 400, errors: { username: [expect.any(String)] } });
    expect(await holders(owner.email)).toHaveLength(1);
  });
});
