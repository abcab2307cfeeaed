import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import type { Schemas } from '../helpers/client.js';
import { bearer, makeUser, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp();
});
afterAll(async () => ctx?.close());

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

function call(method: Method, user: TestUser | null, path = '', payload?: Record<string, unknown>) {
  return ctx.app.inject({
    method,
    url: `/api/auth/addresses/${path}`,
    headers: user ? bearer(user.access) : {},
    ...(payload ? { payload } : {}),
  });
}

const ADDRESS = {
  street_address: '12 MG Road',
  city: 'Bengaluru',
  state: 'Karnataka',
  postal_code: '560001',
};

type Address = Schemas['Address'];

async function create(user: TestUser, fields: Record<string, unknown> = {}): Promise<Address> {
  const res = await call('POST', user, '', { ...ADDRESS, ...fields });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Address>();
}

async function list(user: TestUser): Promise<Address[]> {
  const res = await call('GET', user);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Address[]>();
}

/** id → is_default of the user's addresses. */
async function defaults(user: TestUser): Promise<Record<number, boolean>> {
  return Object.fromEntries((await list(user)).map((a) => [a.id, a.is_default]));
}

describe('addresses CRUD', () => {
  it('creates with defaults: shipping, India, not default, empty phone', async () => {
    const user = await makeUser(ctx);
    const res = await call('POST', user, '', ADDRESS);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toEqual({
      id: expect.any(Number),
      address_type: 'shipping',
      street_address: '12 MG Road',
      city: 'Bengaluru',
      state: 'Karnataka',
      postal_code: '560001',
      country: 'India',
      phone: '',
      is_default: false,
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
  });

  it('creates with every field given', async () => {
    const user = await makeUser(ctx);
    const body = await create(user, {
      address_type: 'billing',
      country: 'Nepal',
      phone: '+977 1-234',
      is_default: true,
      street_address: '  5 Durbar Marg  ',
    });
    expect(body).toMatchObject({
      address_type: 'billing',
      country: 'Nepal',
      phone: '+977 1-234',
      is_default: true,
      street_address: '5 Durbar Marg',
    });
  });

  it('lists only your own addresses, oldest first', async () => {
    const user = await makeUser(ctx);
    const other = await makeUser(ctx);
    const first = await create(user);
    const second = await create(user, { city: 'Mysuru' });
    await create(other);
    const mine = await list(user);
    expect(mine.map((a) => a.id)).toEqual([first.id, second.id]);
    expect(mine[0]).toEqual(first);
    expect(await list(await makeUser(ctx))).toEqual([]);
  });

  it('gets one address', async () => {
    const user = await makeUser(ctx);
    const created = await create(user);
    const res = await call('GET', user, `${created.id}/`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(created);
  });

  it('PATCH changes only the given fields', async () => {
    const user = await makeUser(ctx);
    const created = await create(user, { phone: '999' });
    const res = await call('PATCH', user, `${created.id}/`, {
      city: 'Chennai',
      state: 'Tamil Nadu',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ...created, city: 'Chennai', state: 'Tamil Nadu' });
    expect((await call('GET', user, `${created.id}/`)).json()).toEqual(res.json());
  });

  it('PUT replaces the required fields and validates like create', async () => {
    const user = await makeUser(ctx);
    const created = await create(user);
    const replacement = {
      street_address: '1 Park Street',
      city: 'Kolkata',
      state: 'West Bengal',
      postal_code: '700016',
      address_type: 'billing',
    };
    const res = await call('PUT', user, `${created.id}/`, replacement);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      ...replacement,
      id: created.id,
      created_at: created.created_at,
    });
    const { street_address: _omit, ...incomplete } = replacement;
    expectProblem(
      await call('PUT', user, `${created.id}/`, incomplete),
      400,
      'validation_error',
      'street_address',
    );
  });

  it('deletes with 204', async () => {
    const user = await makeUser(ctx);
    const created = await create(user);
    const res = await call('DELETE', user, `${created.id}/`);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expectProblem(await call('GET', user, `${created.id}/`), 404, 'not_found');
    expectProblem(await call('DELETE', user, `${created.id}/`), 404, 'not_found');
    expect(await list(user)).toEqual([]);
  });

  it('is also served without the trailing slash', async () => {
    const user = await makeUser(ctx);
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/addresses',
      headers: bearer(user.access),
      payload: ADDRESS,
    });
    expect(res.statusCode).toBe(201);
    const one = await ctx.app.inject({
      method: 'GET',
      url: `/api/auth/addresses/${res.json().id}`,
      headers: bearer(user.access),
    });
    expect(one.statusCode).toBe(200);
  });
});

describe("another user's address", () => {
  it('is 404 for GET, PATCH, PUT and DELETE, and is left unchanged', async () => {
    const owner = await makeUser(ctx);
    const intruder = await makeUser(ctx);
    const address = await create(owner);
    const path = `${address.id}/`;
    expectProblem(await call('GET', intruder, path), 404, 'not_found');
    expectProblem(await call('PATCH', intruder, path, { city: 'Pune' }), 404, 'not_found');
    expectProblem(
      await call('PUT', intruder, path, { ...ADDRESS, city: 'Pune' }),
      404,
      'not_found',
    );
    expectProblem(await call('DELETE', intruder, path), 404, 'not_found');
    expect((await call('GET', owner, path)).json()).toEqual(address);
  });

  it('answers exactly as an id that does not exist', async () => {
    const owner = await makeUser(ctx);
    const intruder = await makeUser(ctx);
    const address = await create(owner);
    const theirs = expectProblem(await call('GET', intruder, `${address.id}/`), 404, 'not_found');
    const missing = expectProblem(await call('GET', intruder, '2147483647/'), 404, 'not_found');
    expect(theirs.detail).toBe(missing.detail);
  });

  it("is not affected by another user's default address", async () => {
    const owner = await makeUser(ctx);
    const intruder = await makeUser(ctx);
    const ownerDefault = await create(owner, { is_default: true });
    const intruderDefault = await create(intruder, { is_default: true });
    expect(await defaults(owner)).toEqual({ [ownerDefault.id]: true });
    expect(await defaults(intruder)).toEqual({ [intruderDefault.id]: true });
  });
});

describe('address validation', () => {
  it.each(['street_address', 'city', 'state', 'postal_code'])('requires %s', async (field) => {
    const user = await makeUser(ctx);
    const payload: Record<string, unknown> = { ...ADDRESS };
    delete payload[field];
    const body = expectProblem(
      await call('POST', user, '', payload),
      400,
      'validation_error',
      field,
    );
    expect(body.errors![field]).toEqual(['Required.']);
    expect(await list(user)).toEqual([]);
  });

  it.each([
    ['street_address', ''],
    ['street_address', '   '],
    ['city', ' '],
    ['state', '\t'],
    ['postal_code', '   '],
    ['postal_code', '--'],
    ['country', ''],
    ['country', '  '],
  ])('rejects a blank %s (%j), on create and on PATCH', async (field, value) => {
    const user = await makeUser(ctx);
    expectProblem(
      await call('POST', user, '', { ...ADDRESS, [field]: value }),
      400,
      'validation_error',
      field,
    );
    expect(await list(user)).toEqual([]);
    const created = await create(user);
    expectProblem(
      await call('PATCH', user, `${created.id}/`, { [field]: value }),
      400,
      'validation_error',
      field,
    );
    expect((await call('GET', user, `${created.id}/`)).json()).toEqual(created);
  });

  it('rejects an over-long field', async () => {
    const user = await makeUser(ctx);
    const body = expectProblem(
      await call('POST', user, '', { ...ADDRESS, city: 'x'.repeat(101) }),
      400,
      'validation_error',
      'city',
    );
    expect(body.errors!.city).toEqual(['Must be at most 100 characters.']);
  });

  it('rejects an unknown address_type, on create and on PATCH', async () => {
    const user = await makeUser(ctx);
    expectProblem(
      await call('POST', user, '', { ...ADDRESS, address_type: 'home' }),
      400,
      'validation_error',
      'address_type',
    );
    const created = await create(user);
    expectProblem(
      await call('PATCH', user, `${created.id}/`, { address_type: 'office' }),
      400,
      'validation_error',
      'address_type',
    );
  });

  it('rejects a bad postal code and phone', async () => {
    const user = await makeUser(ctx);
    expectProblem(
      await call('POST', user, '', { ...ADDRESS, postal_code: '56/001' }),
      400,
      'validation_error',
      'postal_code',
    );
    expectProblem(
      await call('POST', user, '', { ...ADDRESS, phone: 'abc' }),
      400,
      'validation_error',
      'phone',
    );
  });

  it('rejects an id that is not a positive integer', async () => {
    const user = await makeUser(ctx);
    expectProblem(await call('GET', user, 'abc/'), 400, 'validation_error', 'id');
    expectProblem(await call('GET', user, '0/'), 400, 'validation_error', 'id');
  });

  it('answers 401 to an anonymous caller', async () => {
    expectProblem(await call('GET', null), 401, 'not_authenticated');
    expectProblem(await call('POST', null, '', ADDRESS), 401, 'not_authenticated');
    expectProblem(await call('GET', null, '1/'), 401, 'not_authenticated');
    expectProblem(await call('DELETE', null, '1/'), 401, 'not_authenticated');
  });
});

describe('the single default address of each type', () => {
  it('creating a default shipping address clears the previous default shipping address only', async () => {
    const user = await makeUser(ctx);
    const shipping = await create(user, { is_default: true });
    const billing = await create(user, { address_type: 'billing', is_default: true });
    const plain = await create(user);
    const newShipping = await create(user, { is_default: true });
    expect(await defaults(user)).toEqual({
      [shipping.id]: false,
      [billing.id]: true,
      [plain.id]: false,
      [newShipping.id]: true,
    });
  });

  it('patching is_default true clears the previous default of that type only', async () => {
    const user = await makeUser(ctx);
    const shipping = await create(user, { is_default: true });
    const billing = await create(user, { address_type: 'billing', is_default: true });
    const other = await create(user);
    const res = await call('PATCH', user, `${other.id}/`, { is_default: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().is_default).toBe(true);
    expect(await defaults(user)).toEqual({
      [shipping.id]: false,
      [billing.id]: true,
      [other.id]: true,
    });
  });

  it('a PATCH that changes only the city keeps is_default, and the other default stays cleared', async () => {
    const user = await makeUser(ctx);
    const old = await create(user, { is_default: true });
    const current = await create(user, { is_default: true });
    const res = await call('PATCH', user, `${current.id}/`, { city: 'Hyderabad' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ city: 'Hyderabad', is_default: true });
    expect(await defaults(user)).toEqual({ [old.id]: false, [current.id]: true });
  });

  it('moving a default address to the other type clears the default of that type', async () => {
    const user = await makeUser(ctx);
    const shipping = await create(user, { is_default: true });
    const billing = await create(user, { address_type: 'billing', is_default: true });
    const res = await call('PATCH', user, `${shipping.id}/`, { address_type: 'billing' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ address_type: 'billing', is_default: true });
    expect(await defaults(user)).toEqual({ [shipping.id]: true, [billing.id]: false });
  });

  it('PUT with is_default true clears the previous default', async () => {
    const user = await makeUser(ctx);
    const first = await create(user, { is_default: true });
    const second = await create(user);
    const res = await call('PUT', user, `${second.id}/`, { ...ADDRESS, is_default: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(await defaults(user)).toEqual({ [first.id]: false, [second.id]: true });
  });

  it('unsetting the default leaves no default of that type', async () => {
    const user = await makeUser(ctx);
    const address = await create(user, { is_default: true });
    const res = await call('PATCH', user, `${address.id}/`, { is_default: false });
    expect(res.statusCode).toBe(200);
    expect(await defaults(user)).toEqual({ [address.id]: false });
  });

  it('holds when several defaults are created concurrently', async () => {
    const user = await makeUser(ctx);
    const billing = await create(user, { address_type: 'billing', is_default: true });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call('POST', user, '', { ...ADDRESS, city: `City ${i}`, is_default: true }),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(8).fill(201));
    const all = await list(user);
    expect(all).toHaveLength(9);
    expect(all.filter((a) => a.address_type === 'shipping' && a.is_default)).toHaveLength(1);
    expect(all.find((a) => a.id === billing.id)?.is_default).toBe(true);
  });

  it('holds when several addresses are made default concurrently', async () => {
    const user = await makeUser(ctx);
    const created = [];
    for (let i = 0; i < 6; i++) created.push(await create(user, { city: `Town ${i}` }));
    const results = await Promise.all(
      created.map((a) => call('PATCH', user, `${a.id}/`, { is_default: true })),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(6).fill(200));
    const all = await list(user);
    expect(all.filter((a) => a.is_default)).toHaveLength(1);
  });
});

describe('Indian addresses (API-v2 §2)', () => {
  it('take a state by name or code in any case, stored as its name; a PIN with spaces is stored as 6 digits', async () => {
    const user = await makeUser(ctx);
    for (const [state, country, name] of [
      ['KA', 'India', 'Karnataka'],
      ['  tamil   nadu ', 'india', 'Tamil Nadu'],
      ['ts', 'IN', 'Telangana'],
      ['Orissa', 'in', 'Odisha'],
      ['dl', undefined, 'Delhi'],
    ] as const) {
      const made = await create(user, {
        state,
        postal_code: '110 001',
        ...(country ? { country } : {}),
      });
      expect(made).toMatchObject({
        state: name,
        postal_code: '110001',
        country: country ?? 'India',
      });
    }
  });

  it('name a wrong state and PIN at once, on create, PUT and PATCH', async () => {
    const user = await makeUser(ctx);
    for (const [postal_code, country] of [
      ['56001', 'India'],
      ['056001', 'IN'],
      ['5600011', 'india'],
      ['ABC123', undefined],
    ]) {
      const body = expectProblem(
        await call('POST', user, '', {
          ...ADDRESS,
          state: 'Bavaria',
          postal_code,
          ...(country ? { country } : {}),
        }),
        400,
        'validation_error',
      );
      expect(Object.keys(body.errors!).sort()).toEqual(['postal_code', 'state']);
      expect(body.errors!.state![0]).toContain('"Bavaria"');
    }
    expect(await list(user)).toEqual([]);
    const made = await create(user);
    const put = expectProblem(
      await call('PUT', user, `${made.id}/`, { ...ADDRESS, state: 'XX', postal_code: '1234' }),
      400,
      'validation_error',
    );
    expect(Object.keys(put.errors!).sort()).toEqual(['postal_code', 'state']);
    expectProblem(
      await call('PATCH', user, `${made.id}/`, { state: 'Atlantis' }),
      400,
      'validation_error',
      'state',
    );
    expectProblem(
      await call('PATCH', user, `${made.id}/`, { postal_code: '00000' }),
      400,
      'validation_error',
      'postal_code',
    );
    expect((await call('GET', user, `${made.id}/`)).json()).toEqual(made);
  });

  it('keep the old rules elsewhere, and a country change checks the state and PIN it keeps', async () => {
    const user = await makeUser(ctx);
    const abroad = await create(user, {
      country: 'Germany',
      state: 'bavaria',
      postal_code: '80331',
    });
    expect(abroad).toMatchObject({ state: 'bavaria', postal_code: '80331', country: 'Germany' });
    const uk = await create(user, {
      country: 'GB',
      state: 'Greater London',
      postal_code: 'SW1A 1AA',
    });
    expect(uk.postal_code).toBe('SW1A 1AA');
    // Moving it to India: the state and PIN it keeps no longer fit.
    const moved = expectProblem(
      await call('PATCH', user, `${abroad.id}/`, { country: 'India' }),
      400,
      'validation_error',
    );
    expect(Object.keys(moved.errors!).sort()).toEqual(['postal_code', 'state']);
    const fixed = await call('PATCH', user, `${abroad.id}/`, {
      country: 'India',
      state: 'mh',
      postal_code: '400001',
    });
    expect(fixed.statusCode, fixed.body).toBe(200);
    expect(fixed.json()).toMatchObject({
      country: 'India',
      state: 'Maharashtra',
      postal_code: '400001',
    });
    // And away again: free text once more.
    const away = await call('PATCH', user, `${abroad.id}/`, {
      country: 'Nepal',
      state: 'Bagmati',
      postal_code: '44600',
    });
    expect(away.json()).toMatchObject({ country: 'Nepal', state: 'Bagmati', postal_code: '44600' });
  });

  it('let an address saved before the rules change its other fields', async () => {
    const user = await makeUser(ctx);
    const made = await create(user);
    // As an address of an older version might be: India with a state it would now refuse.
    await ctx.database.db.execute(
      sql`update addresses set state = 'Old Province', postal_code = '1234' where id = ${made.id}`,
    );
    const res = await call('PATCH', user, `${made.id}/`, {
      phone: '+91 98765 43210',
      city: 'Mysuru',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      state: 'Old Province',
      postal_code: '1234',
      city: 'Mysuru',
    });
    expectProblem(
      await call('PATCH', user, `${made.id}/`, { country: 'IN' }),
      400,
      'validation_error',
      'state',
    );
  });
});
