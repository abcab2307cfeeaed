import { sql } from 'drizzle-orm';
import { AppError, BadRequest, ValidationError } from '../../http/errors.js';
import { type AccountsDeps, type ClientMeta, startSession, type Tokens } from './service.js';
import { rethrowNameConflict } from './login-names.js';
import * as repo from './repository.js';
import { newStaffErrors, staffExists } from './staff.js';

/** How long a printed setup link works. */
export const SETUP_TOKEN_TTL_SECONDS = 24 * 60 * 60;

/** pg_advisory_xact_lock key: first-admin creations take turns (one wins). */
const FIRST_ADMIN_LOCK_KEY = 727_021;

/** 410 for good once a staff account exists: the setup link is dead. */
class SetupComplete extends AppError {
  constructor() {
    super(
      410,
      'setup_complete',
      'First-run setup is over: a staff account exists. Sign in, or create staff with `npm run admin:create`.',
    );
  }
}

/**
 * Whether setup is still open (no staff yet) and whether the given token would be accepted
 * now (never, once it is over). An answer, not an error: the sign-in page asks on every load.
 */
export async function setupStatus(
  deps: AccountsDeps,
  token: string | undefined,
): Promise<{ setup_needed: boolean; token_valid: boolean | null }> {
  const needed = !(await staffExists(deps.database.db));
  return { setup_needed: needed, token_valid: token === undefined ? null : needed && deps.signer.verifySetup(token) };
}

/**
 * The setup link to print at start-up, `<base>/admin/setup?token=…`, or null when a staff
 * account exists. Each call signs a new token; earlier ones stay valid until they expire.
 */
export async function setupLink(deps: AccountsDeps, baseUrl: string): Promise<string | null> {
  if (await staffExists(deps.database.db)) return null;
  const token = deps.signer.signSetup(SETUP_TOKEN_TTL_SECONDS);
  return `${baseUrl}/admin/setup?token=${token}`;
}

/**
 * Creates the first staff account with a setup token and signs it in. One transaction under
 * an advisory lock checks that no staff exists and inserts: of racing setups, one wins and
 * the others get 410.
 */
export async function createFirstAdmin(
  deps: AccountsDeps,
  input: { token: string; username: string; email: string; password: string },
  meta: ClientMeta,
): Promise<{ user: repo.UserRow; tokens: Tokens }> {
  const { db } = deps.database;
  if (await staffExists(db)) throw new SetupComplete();
  if (!deps.signer.verifySetup(input.token)) {
    throw new BadRequest(
      'The setup link is wrong or has expired; restart the server to print a new one.',
      'setup_token_invalid',
    );
  }
  const fields = { username: input.username.trim(), email: input.email.trim(), password: input.password };
  const errors = await newStaffErrors(db, fields);
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const passwordHash = await deps.hasher.hash(fields.password);
  try {
    return await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${FIRST_ADMIN_LOCK_KEY})`);
      if (await staffExists(tx)) throw new SetupComplete();
      const inserted = await repo.insertUser(tx, {
        username: fields.username,
        email: fields.email,
        passwordHash,
        isStaff: true,
        lastLogin: new Date(),
      });
      const { user, lock } = (await repo.lockUserSessions(tx, inserted.id))!;
      const tokens = await startSession(deps, tx, lock, user, meta);
      return { user, tokens };
    });
  } catch (err) {
    if (err instanceof SetupComplete) throw err;
    return rethrowNameConflict(db, err, fields);
  }
}
