import type { Database } from '../../db/client.js';
import { type FieldErrors, NotFound, throwIfAny, wrongFields } from '../../http/errors.js';
import { checkedFields } from '../../http/validation.js';
import { countryCode, INDIAN_PIN, INDIAN_STATES, indianStateCode } from '../pricing/index.js';
import * as repo from './repository.js';
import type { AddressInput } from '../../contract/index.js';
import type { Actor } from '../../kernel/actor.js';

const NOT_FOUND = 'Address not found.';

function columns(input: AddressInput): Partial<repo.NewAddress> {
  return {
    addressType: input.address_type,
    streetAddress: input.street_address?.trim(),
    city: input.city?.trim(),
    state: input.state?.trim(),
    postalCode: input.postal_code?.trim(),
    country: input.country?.trim(),
    phone: input.phone?.trim(),
    isDefault: input.is_default,
  };
}

/**
 * An address in India (country `India` in any case, or `IN`) must name an Indian state or
 * union territory (by name or two-letter code, any case: stored as its name, "KA" →
 * "Karnataka") and have a six-digit PIN (spaces and hyphens dropped: "560 001" → "560001").
 * Other countries keep the general rules. A change checks the fields it gives, and the
 * state and PIN it keeps when it gives the country (a PATCH of the country alone names the
 * state or PIN that no longer fits); an address saved before these rules can still have its
 * other fields changed. Every wrong field is named at once.
 */
function indianRules(
  patch: Partial<repo.NewAddress>,
  current: repo.AddressRow | undefined,
  schemaErrors: FieldErrors,
): Partial<repo.NewAddress> {
  const errors: FieldErrors = { ...schemaErrors };
  const wrong = wrongFields(schemaErrors);
  const country = patch.country ?? current?.country ?? 'India';
  // A country the schema refused: which rules apply is unknown, so only its message is given.
  if (wrong.has('country') || countryCode(country) !== 'IN') {
    throwIfAny(errors);
    return patch;
  }
  const out = { ...patch };
  const recheck = !current || patch.country !== undefined;
  const state = wrong.has('state') ? undefined : (patch.state ?? (recheck ? current?.state : undefined));
  if (state !== undefined) {
    const code = indianStateCode(state);
    if (code === null) {
      errors.state = [
        `"${state}" is not a state or union territory of India (give its name or code, e.g. Karnataka or KA).`,
      ];
    } else if (patch.state !== undefined) out.state = INDIAN_STATES[code];
  }
  const postal = wrong.has('postal_code')
    ? undefined
    : (patch.postalCode ?? (recheck ? current?.postalCode : undefined));
  if (postal !== undefined) {
    const pin = postal.replace(/[\s-]/g, '');
    if (!INDIAN_PIN.test(pin))
      errors.postal_code = ['An Indian PIN code has 6 digits, the first not 0 (e.g. 560001).'];
    else if (patch.postalCode !== undefined) out.postalCode = pin;
  }
  throwIfAny(errors);
  return out;
}

export function listAddresses(database: Database, actor: Actor) {
  return repo.listAddresses(database.db, actor.id);
}

export async function getAddress(database: Database, actor: Actor, id: number) {
  const address = await repo.findAddress(database.db, actor.id, id);
  if (!address) throw new NotFound(NOT_FOUND);
  return address;
}

/**
 * Adds an address; when it is the default, the user's previous default of that type stops being
 * one. `schemaErrors` (the body schema's messages) are reported with the address rules, at once.
 */
export function createAddress(database: Database, actor: Actor, body: unknown, schemaErrors: FieldErrors = {}) {
  const input = checkedFields<AddressInput>(body, schemaErrors);
  return database.db.transaction(async (tx) => {
    const values = {
      ...indianRules(columns(input), undefined, schemaErrors),
      addressType: input.address_type ?? 'shipping',
    };
    if (values.isDefault) {
      await repo.lockUser(tx, actor.id);
      await repo.clearDefaultAddress(tx, actor.id, values.addressType);
    }
    return repo.insertAddress(tx, { ...values, userId: actor.id } as repo.NewAddress);
  });
}

/** PUT and PATCH: only the given fields change; the single-default rule holds afterwards. */
export function updateAddress(
  database: Database,
  actor: Actor,
  id: number,
  body: unknown,
  schemaErrors: FieldErrors = {},
) {
  const input = checkedFields<AddressInput>(body, schemaErrors);
  return database.db.transaction(async (tx) => {
    const current = await repo.findAddress(tx, actor.id, id);
    if (!current) throw new NotFound(NOT_FOUND);
    const patch = indianRules(columns(input), current, schemaErrors);
    const type = patch.addressType ?? current.addressType;
    const willBeDefault = patch.isDefault ?? current.isDefault;
    if (willBeDefault) {
      await repo.lockUser(tx, actor.id);
      await repo.clearDefaultAddress(tx, actor.id, type, id);
    }
    return (await repo.updateAddress(tx, actor.id, id, patch))!;
  });
}

export async function deleteAddress(database: Database, actor: Actor, id: number) {
  if (!(await repo.deleteAddress(database.db, actor.id, id))) throw new NotFound(NOT_FOUND);
}
