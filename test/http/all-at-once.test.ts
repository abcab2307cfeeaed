/**
 * Issue 21: a body wrong in several ways gets one 400 naming every wrong field — the schema's
 * findings and the route's own rules together — in messages written for people.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import {
  makeAdmin,
  makeCategory,
  makeProduct,
  makeShop,
  makeUser,
  PASSWORD,
  type Shop,
  type TestUser,
} from '../helpers/factories.js';
import { send } from '../helpers/shop.js';

let ctx: TestContext;
let admin: TestUser;
let customer: TestUser;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp();
  admin = await makeAdmin(ctx);
  customer = await makeUser(ctx);
  shop = await makeShop(ctx, admin);
});
afterAll(async () => ctx?.close());

interface Problem {
  code: string;
  detail: string;
  errors: Record<string, string[]>;
}

/** The one 400: its code, and every field it names (exactly these). */
function problemOf(res: LightMyRequestResponse, fields: string[]): Problem {
  expect(res.statusCode, res.body).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = res.json<Problem>();
  expect(problem.code).toBe('validation_error');
  expect(Object.keys(problem.errors).sort()).toEqual([...fields].sort());
  for (const field of fields) expect(problem.detail).toContain(`${field}: `);
  return problem;
}

const NO_ID = 2_000_000_000;

describe('register', () => {
  it('names the schema’s fields, the password rules, password2 and a taken email in one 400', async () => {
    const res = await send(
      ctx,
      'POST',
      '/api/auth/register/',
      {},
      {
        username: 'ab',
        email: customer.email.toUpperCase(),
        password: '12345',
        password2: '54321',
        first_name: '   ',
        phone: 'call me',
      },
    );
    const { errors } = problemOf(res, [
      'username',
      'email',
      'password',
      'password2',
      'first_name',
      'last_name',
      'phone',
    ]);
    expect(errors.username).toEqual([
      'Enter a valid username: 3–150 letters, digits and @/./+/-/_ only.',
    ]);
    expect(errors.email).toEqual(['A user with that email already exists.']);
    expect(errors.password).toContain('This password is entirely numeric.');
    expect(errors.password).toContain(
      'This password is too short. It must contain at least 8 characters.',
    );
    expect(errors.password2).toEqual(["Password fields didn't match."]);
    expect(errors.first_name).toEqual(['Must not be blank.']);
    expect(errors.last_name).toEqual(['Required.']);
    expect(errors.phone).toEqual([
      'Enter a valid phone number: digits, spaces and + ( ) - only, at most 20.',
    ]);
  });

  it('still names a taken username when only the schema’s other fields are wrong', async () => {
    const res = await send(
      ctx,
      'POST',
      '/api/auth/register/',
      {},
      {
        username: customer.username,
        email: 'not-an-email',
        password: 'Another-Horse-77',
        password2: 'Another-Horse-77',
        first_name: 'A',
        last_name: 'B',
      },
    );
    const { errors } = problemOf(res, ['username', 'email']);
    expect(errors.username).toEqual(['A user with that username already exists.']);
    expect(errors.email).toEqual(['Enter a valid email address.']);
  });

  it('answers a body that is not an object with non_field_errors alone', async () => {
    const res = await send(ctx, 'POST', '/api/auth/register/', {}, [1, 2]);
    const { errors } = problemOf(res, ['non_field_errors']);
    expect(errors.non_field_errors).toEqual(['Must be an object.']);
  });
});

describe('profile', () => {
  it('a taken email beside the schema’s fields, at once (PUT and PATCH)', async () => {
    const other = await makeUser(ctx);
    for (const method of ['PUT', 'PATCH'] as const) {
      const res = await send(
        ctx,
        method,
        '/api/auth/profile/',
        { user: customer },
        {
          email: other.email,
          first_name: '  ',
          last_name: 'Rao',
          phone: 'call me',
        },
      );
      const { errors } = problemOf(res, ['email', 'first_name', 'phone']);
      expect(errors.email).toEqual(['A user with that email already exists.']);
      expect(errors.first_name).toEqual(['Must not be blank.']);
    }
  });
});

describe('products', () => {
  it('create: schema and rules (blank name, price, category and tax class that do not exist) at once', async () => {
    const res = await send(
      ctx,
      'POST',
      '/api/products/',
      { user: admin },
      {
        name: '   ',
        price: 'abc',
        stock: -1,
        image_url: 'ftp://example.com/x.png',
        category: NO_ID,
        tax_class: NO_ID,
        is_active: 'yes',
      },
    );
    const { errors } = problemOf(res, [
      'name',
      'price',
      'stock',
      'image_url',
      'category',
      'tax_class',
      'is_active',
    ]);
    expect(errors).toEqual({
      name: ['Must not be blank.'],
      price: ['Must be a decimal number such as 1499.50.'],
      stock: ['Stock cannot be negative'],
      image_url: ['Enter a valid http(s) URL.'],
      category: [`No category with id ${NO_ID}.`],
      tax_class: [`No tax class with id ${NO_ID}.`],
      is_active: ['Must be true or false.'],
    });
  });

  it.each([
    ['missing', {}],
    ['0', { category: 0 }],
    ['null', { category: null }],
  ])(
    'create: a category %s asks to choose one, beside the other wrong fields',
    async (_label, category) => {
      const res = await send(
        ctx,
        'POST',
        '/api/products/',
        { user: admin },
        {
          name: unique('P '),
          price: '0',
          stock: 1.5,
          ...category,
        },
      );
      const { errors } = problemOf(res, ['category', 'price', 'stock']);
      expect(errors.category).toEqual(['Choose a category.']);
      expect(errors.price).toEqual(['Price must be greater than 0']);
      expect(errors.stock).toEqual(['Must be a whole number.']);
    },
  );

  it('update (PUT and PATCH): schema and rules at once, and nothing changes', async () => {
    const product = await makeProduct(shop, { name: unique('Kept ') });
    for (const method of ['PUT', 'PATCH'] as const) {
      const res = await send(
        ctx,
        method,
        `/api/products/${product.id}/`,
        { user: admin },
        {
          name: '',
          price: '1.999',
          stock: 'many',
          category: NO_ID,
        },
      );
      const { errors } = problemOf(res, ['name', 'price', 'stock', 'category']);
      expect(errors).toEqual({
        name: ['Must not be blank.'],
        price: ['Use at most 2 decimal places.'],
        stock: ['Must be a whole number.'],
        category: [`No category with id ${NO_ID}.`],
      });
    }
    const after = await send(ctx, 'GET', `/api/products/${product.id}/`, { user: admin });
    expect(after.json<{ name: string; price: string }>()).toMatchObject({
      name: product.name,
      price: product.price,
    });
  });

  it('a wrong path parameter is still answered on its own', async () => {
    const res = await send(ctx, 'PATCH', '/api/products/0/', { user: admin }, { name: '' });
    const { errors } = problemOf(res, ['id']);
    expect(errors.id).toEqual(['Must be at least 1.']);
    expect(res.json<Problem>().detail).toBe('Fix this path parameter: id: Must be at least 1.');
  });

  it('a non-admin gets 403, whatever the body', async () => {
    const res = await send(ctx, 'POST', '/api/products/', { user: customer }, { name: '' });
    expect(res.statusCode).toBe(403);
  });
});

describe('categories', () => {
  it('create: a taken name, a parent that does not exist and a wrong type at once', async () => {
    const taken = await makeCategory(ctx, admin);
    const res = await send(
      ctx,
      'POST',
      '/api/categories/',
      { user: admin },
      {
        name: taken.name.toUpperCase(),
        parent: NO_ID,
        description: 42,
      },
    );
    const { errors } = problemOf(res, ['name', 'parent', 'description']);
    expect(errors).toEqual({
      name: ['A category with this name already exists.'],
      parent: [`No category with id ${NO_ID}.`],
      description: ['Must be text.'],
    });
  });

  it('update: a blank name, a move under itself and a wrong type at once', async () => {
    const category = await makeCategory(ctx, admin);
    for (const method of ['PUT', 'PATCH'] as const) {
      const res = await send(
        ctx,
        method,
        `/api/categories/${category.slug}/`,
        { user: admin },
        {
          name: '  ',
          parent: category.id,
          description: ['x'],
        },
      );
      const { errors } = problemOf(res, ['name', 'parent', 'description']);
      expect(errors).toEqual({
        name: ['Must not be blank.'],
        parent: ['A category cannot be its own ancestor.'],
        description: ['Must be text.'],
      });
    }
  });

  it('update: a parent that does not exist beside a name longer than allowed', async () => {
    const category = await makeCategory(ctx, admin);
    const res = await send(
      ctx,
      'PATCH',
      `/api/categories/${category.slug}/`,
      { user: admin },
      {
        name: 'x'.repeat(101),
        parent: NO_ID,
      },
    );
    const { errors } = problemOf(res, ['name', 'parent']);
    expect(errors.name).toEqual(['Must be at most 100 characters.']);
    expect(errors.parent).toEqual([`No category with id ${NO_ID}.`]);
  });
});

describe('addresses', () => {
  it('create: the schema’s fields and the Indian state and PIN rules at once', async () => {
    const res = await send(
      ctx,
      'POST',
      '/api/auth/addresses/',
      { user: customer },
      {
        address_type: 'home',
        street_address: '',
        city: 'x'.repeat(101),
        state: 'Narnia',
        postal_code: '012345',
        country: 'India',
        is_default: 'yes',
      },
    );
    const { errors } = problemOf(res, [
      'address_type',
      'street_address',
      'city',
      'state',
      'postal_code',
      'is_default',
    ]);
    expect(errors).toEqual({
      address_type: ['Must be one of: shipping, billing.'],
      street_address: ['Must not be blank.'],
      city: ['Must be at most 100 characters.'],
      state: [
        '"Narnia" is not a state or union territory of India (give its name or code, e.g. Karnataka or KA).',
      ],
      postal_code: ['An Indian PIN code has 6 digits, the first not 0 (e.g. 560001).'],
      is_default: ['Must be true or false.'],
    });
    const list = await send(ctx, 'GET', '/api/auth/addresses/', { user: customer });
    expect(list.json()).toEqual([]);
  });

  it('a country the schema refused: no Indian rules are guessed at', async () => {
    const res = await send(
      ctx,
      'POST',
      '/api/auth/addresses/',
      { user: customer },
      {
        street_address: '1 High Street',
        city: 'Leeds',
        state: 'West Yorkshire',
        postal_code: 'LS1 4DY',
        country: '   ',
      },
    );
    const { errors } = problemOf(res, ['country']);
    expect(errors.country).toEqual(['Must not be blank.']);
  });

  it('change: the schema’s fields and the PIN rule at once', async () => {
    const created = await send(
      ctx,
      'POST',
      '/api/auth/addresses/',
      { user: customer },
      {
        street_address: '12 MG Road',
        city: 'Bengaluru',
        state: 'KA',
        postal_code: '560001',
      },
    );
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json<{ id: number }>();
    const res = await send(
      ctx,
      'PATCH',
      `/api/auth/addresses/${id}/`,
      { user: customer },
      {
        city: '',
        postal_code: '99',
      },
    );
    const { errors } = problemOf(res, ['city', 'postal_code']);
    expect(errors.city).toEqual(['Must not be blank.']);
    expect(errors.postal_code).toEqual([
      'An Indian PIN code has 6 digits, the first not 0 (e.g. 560001).',
    ]);
  });
});

describe('checkout', () => {
  it('an address object: blank fields, an unknown state, a bad PIN and a wrong method id at once', async () => {
    const res = await send(
      ctx,
      'POST',
      '/api/orders/create_order/',
      { user: customer },
      {
        shipping_address: {
          street_address: '',
          city: 'Pune',
          state: 'Narnia',
          postal_code: '12',
          country: 'IN',
        },
        shipping_method_id: 0,
      },
    );
    const { errors } = problemOf(res, [
      'shipping_address.street_address',
      'shipping_address.state',
      'shipping_address.postal_code',
      'shipping_method_id',
    ]);
    expect(errors).toEqual({
      'shipping_address.street_address': ['Must not be blank.'],
      'shipping_address.state': [
        'Choose an Indian state or union territory (a name, or a code such as KA).',
      ],
      'shipping_address.postal_code': ['An Indian postal code (PIN) is six digits, e.g. 560001.'],
      shipping_method_id: ['Must be at least 1.'],
    });
  });

  it('an address object missing a field names it, and an unknown country, at once', async () => {
    const res = await send(
      ctx,
      'POST',
      '/api/orders/',
      { user: customer },
      {
        shipping_address: {
          street_address: '1 Main St',
          state: 'X',
          postal_code: '1',
          country: 'Atlantis',
        },
      },
    );
    const { errors } = problemOf(res, ['shipping_address.city', 'shipping_address.country']);
    expect(errors['shipping_address.city']).toEqual(['Required.']);
  });

  it('an address id that is not yours beside a wrong method id', async () => {
    const res = await send(
      ctx,
      'POST',
      '/api/orders/create_order/',
      { user: customer },
      {
        shipping_address_id: NO_ID,
        shipping_method_id: 'fast',
      },
    );
    const { errors } = problemOf(res, ['shipping_address_id', 'shipping_method_id']);
    expect(errors.shipping_address_id).toEqual(['No address of yours has this id.']);
    expect(errors.shipping_method_id).toEqual(['Must be a whole number.']);
  });

  it('a shipping_address of the wrong kind says what is allowed', async () => {
    const res = await send(
      ctx,
      'POST',
      '/api/orders/create_order/',
      { user: customer },
      { shipping_address: 7 },
    );
    const { errors } = problemOf(res, ['shipping_address']);
    expect(errors.shipping_address).toEqual([
      'Give the address as text of 1–500 characters, or as an object {street_address, city, state, postal_code, country}.',
    ]);
  });
});

describe('staff forms', () => {
  it('promotion: the code’s format, the value, the window, unknown categories and a limit at once', async () => {
    const res = await send(
      ctx,
      'POST',
      '/api/admin/promotions/',
      { user: admin },
      {
        code: 'bad code!',
        kind: 'percentage',
        value: 150,
        starts_at: '2026-02-01T00:00:00Z',
        ends_at: '2026-01-01T00:00:00Z',
        usage_limit: 0,
        applies_to: { categories: [NO_ID] },
      },
    );
    const { errors } = problemOf(res, [
      'code',
      'value',
      'starts_at',
      'ends_at',
      'usage_limit',
      'applies_to.categories',
    ]);
    expect(errors.code).toEqual(['A code holds only letters, digits, "-" and "_".']);
    expect(errors.value).toEqual(['A percentage must be between 0 and 100.']);
    expect(errors.usage_limit).toEqual(['Must be at least 1.']);
    expect(errors['applies_to.categories']).toEqual([`No category with id ${NO_ID}.`]);
  });

  it('shipping method: the schema’s fields and the kind and band rules at once', async () => {
    const res = await send(
      ctx,
      'POST',
      '/api/admin/shipping-methods/',
      { user: admin },
      {
        name: '',
        kind: 'weight',
        price: '5.00',
        rates: [
          { up_to_grams: 0, price: '-1' },
          { up_to_grams: 500, price: '40.00' },
          { up_to_grams: 500, price: '45.00' },
        ],
        free_over: 'lots',
        countries: ['XX'],
        is_active: 1,
      },
    );
    const { errors } = problemOf(res, [
      'name',
      'price',
      'rates.0.up_to_grams',
      'rates.0.price',
      'rates.2.up_to_grams',
      'free_over',
      'countries',
      'is_active',
    ]);
    expect(errors.name).toEqual(['Must not be blank.']);
    expect(errors.price).toEqual([
      'A weight method is priced by its bands: give null or leave price out.',
    ]);
    expect(errors['rates.0.up_to_grams']).toEqual(['Must be at least 1.']);
    expect(errors['rates.0.price']).toEqual(['Must be at least 0.']);
    expect(errors['rates.2.up_to_grams']).toEqual(['Band 1 already ends at 500 grams.']);
    expect(errors.free_over).toEqual(['Must be a decimal number such as 1499.50.']);
    expect(errors.is_active).toEqual(['Must be true or false.']);
  });

  it('shipping method: a band of the wrong type is named by its position beside the rules', async () => {
    const res = await send(
      ctx,
      'POST',
      '/api/admin/shipping-methods/',
      { user: admin },
      {
        name: unique('Courier '),
        kind: 'flat',
        rates: [{ up_to_grams: 'heavy', price: '1.00' }],
        countries: [],
      },
    );
    const { errors } = problemOf(res, ['rates.0.up_to_grams', 'price', 'countries']);
    expect(errors['rates.0.up_to_grams']).toEqual(['Must be a whole number.']);
    expect(errors.price).toEqual(['A flat method needs a price (0 or more).']);
    expect(errors.countries).toEqual(['Give at least one country.']);
  });

  it('shipping method: the other bands are still checked when the schema refused one band', async () => {
    const res = await send(
      ctx,
      'POST',
      '/api/admin/shipping-methods/',
      { user: admin },
      {
        name: unique('Courier '),
        kind: 'weight',
        rates: [
          { up_to_grams: 'heavy', price: '1.00' },
          { up_to_grams: 0, price: '-1' },
        ],
      },
    );
    const { errors } = problemOf(res, [
      'rates.0.up_to_grams',
      'rates.1.up_to_grams',
      'rates.1.price',
    ]);
    expect(errors).toEqual({
      'rates.0.up_to_grams': ['Must be a whole number.'],
      'rates.1.up_to_grams': ['Must be at least 1.'],
      'rates.1.price': ['Must be at least 0.'],
    });
  });

  it('tax class: the schema’s fields and the rate rule at once', async () => {
    const res = await send(
      ctx,
      'POST',
      '/api/admin/tax-classes/',
      { user: admin },
      {
        name: '',
        rate: 150,
        is_default: 'no',
      },
    );
    const { errors } = problemOf(res, ['name', 'rate', 'is_default']);
    expect(errors).toEqual({
      name: ['Must not be blank.'],
      rate: ['A rate must be between 0 and 100.'],
      is_default: ['Must be true or false.'],
    });
  });
});

describe('change password', () => {
  it('a wrong old password and a weak new one at once, and the password stays', async () => {
    const user = await makeUser(ctx);
    const res = await send(ctx, 'POST', '/api/auth/change-password/', { user }, {
      old_password: 'not-the-password',
      new_password: '123',
    });
    const { errors } = problemOf(res, ['old_password', 'new_password']);
    expect(errors.old_password).toEqual(['Old password is incorrect.']);
    expect(errors.new_password).toContain('This password is entirely numeric.');
    const wrongType = await send(ctx, 'POST', '/api/auth/change-password/', { user }, {
      old_password: 5,
      new_password: user.username,
    });
    expect(problemOf(wrongType, ['old_password', 'new_password']).errors.old_password).toEqual(['Must be text.']);
    const login = await send(ctx, 'POST', '/api/auth/login/', {}, { username: user.username, password: PASSWORD });
    expect(login.statusCode).toBe(200);
  });
});

describe('variants and options', () => {
  async function productWithOptions() {
    const product = await makeProduct(shop);
    const res = await send(ctx, 'PUT', `/api/products/${product.id}/options/`, { user: admin }, {
      options: [{ name: 'Color', values: ['Red', 'Blue'] }],
    });
    expect(res.statusCode, res.body).toBe(200);
    const variants = await send(ctx, 'GET', `/api/products/${product.id}/variants/`, { user: admin });
    return { product, variant: variants.json<{ id: number; price: string; stock: number }[]>()[0]! };
  }

  it('add: the schema’s fields, the price and the option values at once, and nothing is added', async () => {
    const { product } = await productWithOptions();
    const res = await send(ctx, 'POST', `/api/products/${product.id}/variants/`, { user: admin }, {
      sku: 'no spaces please',
      price: '-1',
      stock: 'x',
      options: { Color: 'Green' },
    });
    const { errors } = problemOf(res, ['sku', 'price', 'stock', 'options']);
    expect(errors.stock).toEqual(['Must be a whole number.']);
    expect(errors.price).toEqual(['Price must be greater than 0']);
    expect(errors.options).toEqual(['"Green" is not a value of option "Color" ("Red", "Blue").']);
    const variants = await send(ctx, 'GET', `/api/products/${product.id}/variants/`, { user: admin });
    expect(variants.json<unknown[]>()).toHaveLength(1);
  });

  it('update: the schema’s fields, the price and the options at once, and nothing changes', async () => {
    const { product, variant } = await productWithOptions();
    const res = await send(ctx, 'PATCH', `/api/products/${product.id}/variants/${variant.id}/`, { user: admin }, {
      price: '1.999',
      stock: -1,
      options: { Size: 'L' },
    });
    const { errors } = problemOf(res, ['price', 'stock', 'options']);
    expect(errors.price).toEqual(['Use at most 2 decimal places.']);
    expect(errors.options?.[0]).toMatch(/^Unknown option "Size"/);
    const after = await send(ctx, 'GET', `/api/products/${product.id}/variants/${variant.id}/`, { user: admin });
    expect(after.json()).toMatchObject({ price: variant.price, stock: variant.stock });
  });

  it('options: the schema’s items and the list’s rules at once', async () => {
    const product = await makeProduct(shop);
    const res = await send(ctx, 'PUT', `/api/products/${product.id}/options/`, { user: admin }, {
      options: [{ name: 'Size', values: [] }, { name: 'size', values: ['S', 's', 7] }],
    });
    const { errors } = problemOf(res, ['options.0.values', 'options.1.name', 'options.1.values.2', 'options.1.values']);
    expect(errors['options.1.name']).toEqual(['Option "size" is given twice (names ignore case).']);
    expect(errors['options.1.values']).toEqual(['Value "s" is given twice (values ignore case).']);
  });
});

describe('refund', () => {
  it('the amount’s decimals, the items and a blank reason at once', async () => {
    const res = await send(ctx, 'POST', `/api/orders/${NO_ID}/refunds/`, { user: admin }, {
      amount: '10.005',
      items: [{ item_id: 'x', quantity: 0 }],
      reason: '   ',
    });
    const { errors } = problemOf(res, ['amount', 'items.0.item_id', 'items.0.quantity', 'reason']);
    expect(errors.amount).toEqual(['Use at most 2 decimal places.']);
    expect(errors.reason).toEqual(['Must not be blank.']);
  });
});

describe('cart add', () => {
  it('a product that does not exist beside a wrong quantity, and no guest cart is made', async () => {
    const res = await send(ctx, 'POST', '/api/cart/add/', {}, { product_id: NO_ID, quantity: 0 });
    const { errors } = problemOf(res, ['product_id', 'quantity']);
    expect(errors.product_id).toEqual(['Product not found or inactive']);
    expect(errors.quantity).toEqual(['Must be at least 1.']);
    expect(res.headers['x-cart-token']).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('a variant id of the wrong type is named without a lookup', async () => {
    const res = await send(ctx, 'POST', '/api/cart/add/', { user: customer }, { variant_id: 'x', quantity: 1000 });
    expect(problemOf(res, ['variant_id', 'quantity']).errors.variant_id).toEqual(['Must be a whole number.']);
  });
});
