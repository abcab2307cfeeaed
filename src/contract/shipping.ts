import { type Static, Type } from 'typebox';
import { Id, Money, Nullable, Page, PageQuery, param, ref, Timestamp } from './common.js';

/** How a shipping method prices a cart (API-v2 §2). */
const SHIPPING_METHOD_KINDS = ['flat', 'weight'] as const;

/** The most weight bands one method may have. */
const MAX_SHIPPING_RATES = 50;
/** The most countries one method may list. */
const MAX_SHIPPING_COUNTRIES = 250;

/** @public A named component of the contract (in CONTRACT_SCHEMAS), nested in ShippingMethod. */
export const ShippingRate = Type.Object(
  {
    up_to_grams: Type.Integer({
      minimum: 1,
      description: 'The band holds carts weighing at most this (grams).',
    }),
    price: Money,
  },
  { $id: 'ShippingRate' },
);

export const ShippingMethod = Type.Object(
  {
    id: Id,
    name: Type.String(),
    kind: Type.Enum([...SHIPPING_METHOD_KINDS]),
    price: Nullable({
      ...Money,
      description: '`flat`: the price; `weight`: null (the bands price it).',
    }),
    rates: Type.Array(ref(ShippingRate), {
      description:
        '`weight`: the bands by ascending `up_to_grams` (a heavier cart cannot use the method); `flat`: [].',
    }),
    free_over: Nullable({
      ...Money,
      description:
        'Shipping is 0.00 when the subtotal after discount is at least this; null: never free.',
    }),
    countries: Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), {
      description: 'ISO 3166-1 alpha-2 codes of the countries the method ships to.',
    }),
    is_active: Type.Boolean({ description: 'Inactive methods are offered to no cart.' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'ShippingMethod' },
);
export const ShippingMethodPage = Page('ShippingMethodPage', ref(ShippingMethod));

// Money in: a string or a number with at most two decimals, checked by the service (so that
// every wrong field is named at once, as product prices are).
const MoneyInput = Type.Union([Type.String({ maxLength: 40 }), Type.Number()], {
  description: 'Decimal with at most two places, as a string ("99.00") or a number.',
  'x-allowed': 'Must be a decimal number such as 1499.50.',
});
const NullableMoneyInput = Type.Union(
  [Type.String({ maxLength: 40 }), Type.Number(), Type.Null()],
  {
    description: 'Decimal with at most two places, or null.',
    'x-allowed': 'Must be a decimal number such as 1499.50, or null.',
  },
);
const RateInput = Type.Object({
  up_to_grams: Type.Integer({
    maximum: 2_147_483_647,
    description:
      'A positive whole number of grams; bands are kept in ascending order and must differ.',
  }),
  price: MoneyInput,
});

const shippingBodyFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  kind: Type.Enum([...SHIPPING_METHOD_KINDS]),
  price: Type.Optional(
    Type.Union([Type.String({ maxLength: 40 }), Type.Number(), Type.Null()], {
      description: '`flat`: required, ≥ 0. `weight`: must be absent or null.',
      'x-allowed': 'Must be a decimal number such as 1499.50, or null.',
    }),
  ),
  rates: Type.Optional(
    Type.Array(RateInput, {
      maxItems: MAX_SHIPPING_RATES,
      description:
        '`weight`: at least one band, sorted by the server. `flat`: must be absent or [].',
    }),
  ),
  free_over: Type.Optional(NullableMoneyInput),
  countries: Type.Optional(
    Type.Array(Type.String({ maxLength: 100 }), {
      maxItems: MAX_SHIPPING_COUNTRIES,
      description:
        'At least one: ISO 3166-1 alpha-2 codes in any case, or `India` (default ["IN"]).',
    }),
  ),
  is_active: Type.Optional(Type.Boolean({ default: true })),
};
export const ShippingMethodCreate = Type.Object(shippingBodyFields, {
  $id: 'ShippingMethodCreate',
});
export const ShippingMethodUpdate = Type.Partial(Type.Object(shippingBodyFields), {
  $id: 'ShippingMethodUpdate',
});
export type ShippingMethodInput = Static<typeof ShippingMethodUpdate>;

export const ShippingMethodListQuery = Type.Object({
  ...PageQuery,
  is_active: Type.Optional(
    param(Type.Boolean(), 'Only active (true) or only inactive (false) methods.', true),
  ),
});

/** The schemas of this file that have a name (`$id`), for registration. */
export const shippingSchemas = [
  ShippingRate,
  ShippingMethod,
  ShippingMethodPage,
  ShippingMethodCreate,
  ShippingMethodUpdate,
];
