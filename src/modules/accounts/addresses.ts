import type { Database } from '../../db/client.js';
import { NotFound } from '../../http/errors.js';
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

export function listAddresses(database: Database, actor: Actor) {
  return repo.listAddresses(database.db, actor.id);
}

export async function getAddress(database: Database, actor: Actor, id: number) {
  const address = await repo.findAddress(database.db, actor.id, id);
  if (!address) throw new NotFound(NOT_FOUND);
  return address;
}

/** Adds an address; when it is the default, the user's previous default of that type stops being one. */
export function createAddress(database: Database, actor: Actor, input: AddressInput) {
  return database.db.transaction(async (tx) => {
    const values = { ...columns(input), addressType: input.address_type ?? 'shipping' };
    if (values.isDefault) {
      await repo.lockUser(tx, actor.id);
      await repo.clearDefaultAddress(tx, actor.id, values.addressType);
    }
    return repo.insertAddress(tx, { ...values, userId: actor.id } as repo.NewAddress);
  });
}

/** PUT and PATCH: only the given fields change; the single-default rule holds afterwards. */
export function updateAddress(database: Database, actor: Actor, id: number, input: AddressInput) {
  return database.db.transaction(async (tx) => {
    const current = await repo.findAddress(tx, actor.id, id);
    if (!current) throw new NotFound(NOT_FOUND);
    const patch = columns(input);
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
