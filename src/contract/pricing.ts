import { Type } from 'typebox';
import { Id, Money, Nullable, Page, PageQuery, param, ref, Timestamp } from './common.js';

/** The kinds of promotion (API-v2 §2). */
export const PROMOTION_KIND_VALUES = ['percentage', 'fixed_amount', 'free_shipping'] as const;

/** The longest list of category or product ids a promotion's `applies_to` may name. */
const MAX_APPLIES_TO_IDS = 500;

const ID_MAX = 2_147_483_647;

const PromotionCode = Type.String({
  minLength: 1,
  maxLength: 50,
  pattern: '^[A-Za-z0-9_-]+$',
  description:
    '1–50 letters, digits, `-` or `_`; unique ignoring case (shoppers may type it in any case).',
  examples: ['DIWALI10'],
  'x-error': { pattern: 'A code holds only letters, digits, "-" and "_".' },
});

const NullableMoneyInput = Type.Union([Type.String(), Type.Number(), Type.Null()], {
  description: 'Decimal with at most two places, as a string ("1499.50") or a number, or null.',
  'x-allowed': 'Must be a decimal number such as 1499.50, or null.',
});

const NullableDateTimeInput = Type.Unsafe<string | null>({
  type: ['string', 'null'],
  format: 'date-time',
  'x-error': {
    type: 'Must be a date and time (2026-01-20T10:15:00Z), or null.',
    format: 'Enter a valid ISO 8601 date-time with a time zone (2026-01-20T10:15:00Z).',
  },
});

const NullableLimit = (description: string) =>
  Type.Unsafe<number | null>({
    type: ['integer', 'null'],
    minimum: 1,
    maximum: ID_MAX,
    description,
    'x-error': { type: 'Must be a whole number of at least 1, or null.' },
  });

const IdList = (what: string) =>
  Type.Array(
    Type.Integer({
      minimum: 1,
      maximum: ID_MAX,
      'x-error': { type: 'Must be an id (a whole number).' },
    }),
    {
      maxItems: MAX_APPLIES_TO_IDS,
      description: `The ids of ${what} (each must exist; repeats are dropped).`,
    },
  );

const AppliesToInput = Type.Unsafe<{ categories?: number[]; products?: number[] } | null>({
  type: ['object', 'null'],
  properties: {
    categories: IdList('categories (their subcategories count too)'),
    products: IdList('products'),
  },
  description:
    'Which lines the promotion discounts: those whose product is listed or whose category is listed or below a ' +
    'listed one; null (the default) for every line. At least one id when not null.',
  'x-error': { type: 'Must be an object {categories, products}, or null.' },
});

const promotionBodyFields = {
  code: PromotionCode,
  description: Type.Optional(Type.String({ maxLength: 2000, description: 'Default: empty.' })),
  kind: Type.Enum([...PROMOTION_KIND_VALUES], {
    description:
      '`percentage` (value 0–100), `fixed_amount` (value in rupees, > 0) or `free_shipping` (no value).',
  }),
  value: Type.Optional(NullableMoneyInput),
  min_subtotal: Type.Optional(NullableMoneyInput),
  starts_at: Type.Optional(NullableDateTimeInput),
  ends_at: Type.Optional(NullableDateTimeInput),
  usage_limit: Type.Optional(
    NullableLimit('How many orders may use the code in all; null: no limit.'),
  ),
  per_customer_limit: Type.Optional(
    NullableLimit('How many orders one customer may use it for; null: no limit.'),
  ),
  applies_to: Type.Optional(AppliesToInput),
  is_active: Type.Optional(
    Type.Boolean({ description: 'Default: true. Inactive codes are refused as unknown.' }),
  ),
};

/** Creating (POST) or replacing (PUT) a promotion: fields left out take their defaults. */
export const PromotionBody = Type.Object(promotionBodyFields, { $id: 'PromotionBody' });
/** PATCH: the given fields change. */
export const PromotionPatchBody = Type.Partial(Type.Object(promotionBodyFields), {
  $id: 'PromotionPatchBody',
});

export const Promotion = Type.Object(
  {
    id: Id,
    code: Type.String(),
    description: Type.String(),
    kind: Type.Enum([...PROMOTION_KIND_VALUES]),
    value: Nullable(
      Type.String({
        pattern: '^\\d+\\.\\d{2}$',
        description:
          'A percentage ("10.00") or an amount in rupees ("250.00"); null for free_shipping.',
      }),
    ),
    min_subtotal: Nullable(
      Type.String({
        pattern: '^\\d+\\.\\d{2}$',
        description: 'The least cart subtotal; null: none.',
      }),
    ),
    starts_at: Nullable(Type.String({ format: 'date-time' })),
    ends_at: Nullable(
      Type.String({ format: 'date-time', description: 'The code is valid before this instant.' }),
    ),
    usage_limit: Nullable(Type.Integer()),
    per_customer_limit: Nullable(Type.Integer()),
    applies_to: Type.Union(
      [Type.Object({ categories: Type.Array(Id), products: Type.Array(Id) }), Type.Null()],
      { description: 'Null: every line is eligible.' },
    ),
    is_active: Type.Boolean(),
    times_used: Type.Integer({
      minimum: 0,
      description:
        'Orders holding a use of the code (placed, neither cancelled nor expired). Read-only.',
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Promotion' },
);
export const PromotionPage = Page('PromotionPage', ref(Promotion));

export const PromotionQuery = Type.Object({
  ...PageQuery,
  search: Type.Optional(
    param(Type.String({ maxLength: 50 }), 'Text to find in the code (any case).', 'diwali'),
  ),
  is_active: Type.Optional(
    param(Type.Boolean(), 'Only active (true) or only inactive (false) promotions.', true),
  ),
});

const TaxRateInput = Type.Union([Type.String(), Type.Number()], {
  description: 'A percentage 0–100 with at most two decimals, as a string ("18.00") or a number.',
  'x-allowed': 'Must be a decimal number such as 18.00.',
});

const taxClassBodyFields = {
  name: Type.String({
    minLength: 1,
    maxLength: 100,
    description: 'Unique ignoring case.',
    examples: ['GST 5%'],
  }),
  rate: TaxRateInput,
  is_default: Type.Optional(
    Type.Boolean({
      description:
        'Making a class the default makes the previous default an ordinary class (one default at all times). ' +
        'Default: false on create; left out of a PUT or PATCH, unchanged.',
    }),
  ),
};
export const TaxClassBody = Type.Object(taxClassBodyFields, { $id: 'TaxClassBody' });
export const TaxClassPatchBody = Type.Partial(Type.Object(taxClassBodyFields), {
  $id: 'TaxClassPatchBody',
});

export const TaxClass = Type.Object(
  {
    id: Id,
    name: Type.String(),
    rate: Money,
    is_default: Type.Boolean({
      description: 'Products and variants without a class of their own are sold under it.',
    }),
  },
  { $id: 'TaxClass' },
);
export const TaxClassPage = Page('TaxClassPage', ref(TaxClass));

export const pricingSchemas = [
  PromotionBody,
  PromotionPatchBody,
  Promotion,
  PromotionPage,
  TaxClassBody,
  TaxClassPatchBody,
  TaxClass,
  TaxClassPage,
];
