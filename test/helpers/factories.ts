import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema/index.js';
import type { TestContext } from './app.js';
import { unique } from './app.js';

export const PASSWORD = 'Correct-Horse-42';

export interface TestUser {
  id: number;
  username: string;
  email: string;
  password: string;
  access: string;
  refresh: string;
}

export function bearer(access: string) {
  return { authorization: `Bearer ${access}` };
}

/** Registers a new user through the API and returns it with its first token pair. */
export async function makeUser(
  ctx: TestContext,
  overrides: Record<string, unknown> = {},
): Promise<TestUser> {
  const username = (overrides.username as string) ?? unique('user_');
  const email = (overrides.email as string) ?? `${username}@example.com`;
  const password = (overrides.password as string) ?? PASSWORD;
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/api/auth/register/',
    payload: {
      username,
      email,
      password,
      password2: password,
      first_name: 'Test',
      last_name: 'User',
      ...overrides,
    },
  });
  if (res.statusCode !== 201) throw new Error(`makeUser: ${res.statusCode} ${res.body}`);
  const body = res.json();
  return {
    id: body.user.id,
    username,
    email,
    password,
    access: body.tokens.access,
    refresh: body.tokens.refresh,
  };
}

/** A staff user (registered, then promoted as `admin:create` would). */
export async function makeAdmin(ctx: TestContext): Promise<TestUser> {
  const user = await makeUser(ctx);
  await ctx.database.db.update(users).set({ isStaff: true }).where(eq(users.id, user.id));
  return user;
}
