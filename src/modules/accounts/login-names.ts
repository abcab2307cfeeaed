import type { Executor } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { type FieldErrors, ValidationError } from '../../http/errors.js';
import * as repo from './repository.js';

/**
 * "One string names one account": a username or email may not equal (whatever the case) any
 * other account's username or email, since login accepts either. The database holds the
 * rule (table login_names, kept by a trigger on users); the checks here only make the
 * common case answer every taken field at once, before any password is hashed.
 */
const USERNAME_TAKEN = 'A user with that username already exists.';
const EMAIL_TAKEN = 'A user with that email already exists.';

/** The field errors for the given names that other accounts already use. */
export async function takenNameErrors(
  ex: Executor,
  names: { username?: string; email?: string },
  exceptUserId?: number,
): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  if (names.username !== undefined && (await repo.usernameTaken(ex, names.username, exceptUserId))) {
    errors.username = [USERNAME_TAKEN];
  }
  if (names.email !== undefined && (await repo.emailTaken(ex, names.email, exceptUserId))) {
    errors.email = [EMAIL_TAKEN];
  }
  return errors;
}

/** Which field a write into users lost on: another account holds that name. */
function conflictField(err: unknown): 'username' | 'email' | null {
  if (isUniqueViolation(err, 'login_names_username') || isUniqueViolation(err, 'users_username_lower_uq')) {
    return 'username';
  }
  if (isUniqueViolation(err, 'login_names_email') || isUniqueViolation(err, 'users_email_lower_uq')) {
    return 'email';
  }
  return null;
}

/**
 * Rethrows a lost race for a name as the 400 a sequential duplicate gets: the winner has
 * committed by now (the loser's insert waited for it), so the same checks see it. Any other
 * error is rethrown as it is.
 */
export async function rethrowNameConflict(
  ex: Executor,
  err: unknown,
  names: { username?: string; email?: string },
  exceptUserId?: number,
): Promise<never> {
  const field = conflictField(err);
  if (!field) throw err;
  const errors = await takenNameErrors(ex, names, exceptUserId);
  if (!Object.keys(errors).length) errors[field] = [field === 'username' ? USERNAME_TAKEN : EMAIL_TAKEN];
  throw new ValidationError(errors);
}
