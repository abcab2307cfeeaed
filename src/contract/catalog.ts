import { type Static, Type } from 'typebox';
import { PRODUCT_ORDERINGS } from './enums.js';
import { Id, IdParams, Money, Nullable, Page, PageQuery, param, ref, Timestamp } from './common.js';
import { ProductImage } from './media.js';

const categoryFields = {
  id: Id,
  name: Type.String(),
  slug: Type.String(),
  description: Type.String(),
  parent: Type.Union([Id, Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
};

/** A category with its sub-categories, recursively. */
export const Category = Type.Object(
  { ...categoryFields, children: Type.Array(Type.Ref('Category')) },
  { $id: 'Category' },
);
/** A category as nested in a product's detail: without children. */
/** @public A named component of the contract (in CONTRACT_SCHEMAS), nested in others. */
export const CategorySummary = Type.Object(categoryFields, { $id: 'CategorySummary' });
export const CategoryPage = Page('CategoryPage', ref(Category));
export const CategoryList = Type.Array(ref(Category), { $id: 'CategoryList' });

// One schema with `type: [integer, null]` rather than a union: with Fastify's type coercion,
// the union's null branch turned 0, "0" and false into null (a silent move to the top level).
const ParentId = Type.Unsafe<number | null>({
  type: ['integer', 'null'],
  minimum: 1,
  maximum: 2_147_483_647,
  'x-error': { type: 'Must be a category id or null.' },
});

const categoryBodyFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  description: Type.Optional(Type.String({ maxLength: 5000 })),
  parent: Type.Optional(ParentId),
};
export const CategoryBody = Type.Object(categoryBodyFields, { $id: 'CategoryBody' });
export const CategoryPatchBody = Type.Partial(Type.Object(categoryBodyFields), { $id: 'CategoryPatchBody' });
export type CategoryInput = Static<typeof CategoryPatchBody>;

export const SlugParams = Type.Object({
  slug: param(Type.String({ minLength: 1, maxLength: 120 }), 'The category’s slug.', 'electronics'),
});

/** The most stock an admin may set (API-v2 §0); restores may pass it (see catalog/stock.ts). */
export const MAX_STOCK = 1_000_000_000;

const productFields = {
  id: Id,
  name: Type.String(),
  slug: Type.String(),
  price: Money,
  stock: Type.Integer(),
  image_url: Nullable(Type.String()),
  is_active: Type.Boolean(),
  is_featured: Type.Boolean(),
  created_at: Timestamp,
};

export const ProductListItem = Type.Object(
  {
    ...productFields,
    price_min: Money,
    price_max: Money,
    in_stock: Type.Boolean(),
    image: Nullable(
      Type.String({ description: 'The first image’s thumbnail URL, else `image_url`.' }),
    ),
    category: Id,
    category_name: Type.String(),
  },
  { $id: 'ProductListItem' },
);
export const ProductPage = Page('ProductPage', ref(ProductListItem));
export const ProductList = Type.Array(ref(ProductListItem), { $id: 'ProductList' });

/**
 * @public A named component of the contract (in CONTRACT_SCHEMAS), nested in others: an option a
 * product's variants choose from, values in display order.
 */
export const ProductOption = Type.Object(
  { name: Type.String(), values: Type.Array(Type.String()) },
  { $id: 'ProductOption' },
);

/** What is sold: one combination of a product's option values, with its own SKU, price and stock. */
export const Variant = Type.Object(
  {
    id: Id,
    sku: Type.String(),
    title: Type.String(),
    options: Type.Record(Type.String(), Type.String(), {
      description: 'Each of the product’s option names with this variant’s value ({} without options).',
    }),
    price: Money,
    compare_at_price: Nullable(Money),
    stock: Type.Integer(),
    is_active: Type.Boolean(),
    weight_grams: Type.Union([Type.Integer(), Type.Null()]),
    image_id: Type.Union([Id, Type.Null()]),
    tax_class: Nullable({
      ...Id,
      description:
        'The variant’s own tax class (`/api/admin/tax-classes/`); null: sold under its product’s class.',
    }),
  },
  { $id: 'Variant' },
);
export const VariantList = Type.Array(ref(Variant), { $id: 'VariantList' });
/** The answer of a bulk create or update: the variants written, in the request's order. */
export const VariantBulkResult = Type.Object({ variants: Type.Array(ref(Variant)) }, { $id: 'VariantBulkResult' });

export const ProductDetail = Type.Object(
  {
    ...productFields,
    price_min: Money,
    price_max: Money,
    in_stock: Type.Boolean(),
    image: Nullable(
      Type.String({ description: 'The first image’s thumbnail URL, else `image_url`.' }),
    ),
    options: Type.Array(ref(ProductOption)),
    variants: Type.Array(ref(Variant), {
      description: 'Active variants for shoppers, all of them for staff; by position.',
    }),
    images: Type.Array(ref(ProductImage), { description: 'By position.' }),
    description: Type.String(),
    category: ref(CategorySummary),
    category_name: Type.String(),
    tax_class: Nullable({
      ...Id,
      description:
        'The product’s tax class (`/api/admin/tax-classes/`); null: the shop’s default class.',
    }),
    updated_at: Timestamp,
  },
  { $id: 'ProductDetail' },
);

const MoneyInput = Type.Union([Type.String(), Type.Number()], {
  description: 'Decimal with at most two places, as a string ("1499.50") or a number.',
  'x-allowed': 'Must be a decimal number such as 1499.50.',
});

/** A tax class id to set, or null for the default (the product's class for a variant). */
const TaxClassInput = (nullMeans: string) =>
  Type.Unsafe<number | null>({
    type: ['integer', 'null'],
    minimum: 1,
    maximum: 2_147_483_647,
    description: `A tax class id (\`/api/admin/tax-classes/\`), or null for ${nullMeans}.`,
    'x-error': { type: 'Must be a tax class id or null.' },
  });

const productBodyFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 20_000 })),
  price: MoneyInput,
  stock: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_STOCK,
      'x-error': {
        minimum: 'Stock cannot be negative',
        maximum: `Must be at most ${MAX_STOCK}.`,
        type: 'Must be a whole number.',
      },
    }),
  ),
  image_url: Type.Optional(
    Type.Union(
      [
        Type.String({ maxLength: 500, format: 'uri', pattern: '^[hH][tT][tT][pP][sS]?://' }),
        Type.Null(),
        // "" means no image, as in v1 (where the validator's coercion turned it into null).
        Type.Literal(''),
      ],
      { 'x-allowed': 'Enter a valid http(s) URL.' },
    ),
  ),
  is_active: Type.Optional(Type.Boolean()),
  is_featured: Type.Optional(Type.Boolean()),
  // 0 or null is what a form sends when no category was chosen.
  category: { ...Id, 'x-error': { minimum: 'Choose a category.', type: 'Choose a category.' } },
  tax_class: Type.Optional(TaxClassInput('the shop’s default class')),
};
/** A missing category, too, asks for one (see messageFor in src/http/problem.ts). */
const chooseCategory = { 'x-error': { required: { category: 'Choose a category.' } } };
export const ProductBody = Type.Object(productBodyFields, { $id: 'ProductBody', ...chooseCategory });

/** Replacing or updating a product may change its stock relatively instead (not with `stock`). */
const StockAdjustment = Type.Integer({
  // The column's range, not the stock bound: a stock stored past the bound before it
  // existed can be brought down in one edit.
  minimum: -2_147_483_647,
  maximum: 2_147_483_647,
  description:
    'Added to the current stock in one statement (negative to take away), so that a concurrent ' +
    "checkout's deduction is never overwritten. The result must stay within 0..1000000000. Not with `stock`.",
});
const productUpdateFields = { ...productBodyFields, stock_adjustment: Type.Optional(StockAdjustment) };
export const ProductUpdateBody = Type.Object(productUpdateFields, { $id: 'ProductUpdateBody', ...chooseCategory });
export const ProductPatchBody = Type.Partial(Type.Object(productUpdateFields), { $id: 'ProductPatchBody' });
export type ProductInput = Static<typeof ProductPatchBody>;

/** Limits of options and variants (API-v2 §1). */
export const VARIANT_LIMITS = {
  options: 3,
  optionName: 50,
  values: 50,
  value: 50,
  variants: 100,
  weightGrams: 1_000_000,
} as const;

const OptionBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: VARIANT_LIMITS.optionName }),
  values: Type.Array(Type.String({ minLength: 1, maxLength: VARIANT_LIMITS.value }), {
    minItems: 1,
    maxItems: VARIANT_LIMITS.values,
  }),
});
export const ProductOptionsBody = Type.Object(
  {
    options: Type.Array(OptionBody, {
      maxItems: VARIANT_LIMITS.options,
      description: 'The whole option list (at most 3), values in display order.',
    }),
  },
  { $id: 'ProductOptionsBody' },
);
export type ProductOptionsInput = Static<typeof ProductOptionsBody>;

const Sku = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._-]+$',
  description: '1–64 letters, digits, `.`, `_` or `-`; unique across the shop, ignoring case.',
  'x-error': { pattern: 'An SKU holds only letters, digits, ".", "_" and "-".' },
});
const Stock = Type.Integer({
  minimum: 0,
  maximum: MAX_STOCK,
  'x-error': {
    minimum: 'Stock cannot be negative',
    maximum: `Must be at most ${MAX_STOCK}.`,
    type: 'Must be a whole number.',
  },
});
const NullableMoneyInput = Type.Union([Type.String(), Type.Number(), Type.Null()], {
  description: 'Decimal with at most two places, or null.',
  'x-allowed': 'Must be a decimal number such as 1499.50, or null.',
});
const WeightGrams = Type.Unsafe<number | null>({
  type: ['integer', 'null'],
  minimum: 0,
  maximum: VARIANT_LIMITS.weightGrams,
  'x-error': { type: 'Must be a whole number of grams, or null.' },
});
const ImageRefInput = Type.Unsafe<number | null>({
  type: ['integer', 'null'],
  minimum: 1,
  maximum: 2_147_483_647,
  'x-error': { type: 'Must be an image id of this product or null.' },
});

const variantBodyFields = {
  sku: Type.Optional(Sku),
  title: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Default: the option values joined by " / ".' }),
  ),
  options: Type.Record(Type.String(), Type.String(), {
    description: 'Exactly the product’s option names, each with one of its values.',
  }),
  price: Type.Union([Type.String(), Type.Number()], {
    description: 'Decimal with at most two places, as a string ("1499.50") or a number.',
    'x-allowed': 'Must be a decimal number such as 1499.50.',
  }),
  compare_at_price: Type.Optional(NullableMoneyInput),
  stock: Type.Optional(Stock),
  is_active: Type.Optional(Type.Boolean()),
  weight_grams: Type.Optional(WeightGrams),
  image_id: Type.Optional(ImageRefInput),
  tax_class: Type.Optional(TaxClassInput('the product’s class')),
};
export const VariantBody = Type.Object(variantBodyFields, { $id: 'VariantBody' });
export type VariantInput = Static<typeof VariantBody>;

const variantPatchFields = {
  ...variantBodyFields,
  stock_adjustment: Type.Optional(
    Type.Integer({
      minimum: -2_147_483_647,
      maximum: 2_147_483_647,
      description: 'Added to the current stock in the UPDATE itself; the result stays within 0..1000000000. Not with `stock`.',
    }),
  ),
};
export const VariantPatchBody = Type.Partial(Type.Object(variantPatchFields), { $id: 'VariantPatchBody' });
export type VariantPatchInput = Static<typeof VariantPatchBody>;

export const VariantBulkCreateBody = Type.Object(
  { variants: Type.Array(ref(VariantBody), { minItems: 1, maxItems: VARIANT_LIMITS.variants }) },
  { $id: 'VariantBulkCreateBody' },
);
/** @public A named component of the contract (in CONTRACT_SCHEMAS), nested in others. */
export const VariantBulkPatchItem = Type.Object(
  { id: Id, ...Type.Partial(Type.Object(variantPatchFields)).properties },
  { $id: 'VariantBulkPatchItem' },
);
export const VariantBulkPatchBody = Type.Object(
  { variants: Type.Array(ref(VariantBulkPatchItem), { minItems: 1, maxItems: VARIANT_LIMITS.variants }) },
  { $id: 'VariantBulkPatchBody' },
);

export const VariantParams = Type.Object({
  id: IdParams.properties.id,
  variant_id: param(Id, 'The variant’s id.', 1),
});

export const ProductListQuery = Type.Object({
  ...PageQuery,
  search: Type.Optional(
    param(
      Type.String({ maxLength: 200 }),
      'Words that must all occur in the name or description (case-insensitive).',
      'blue shirt',
    ),
  ),
  category: Type.Optional(
    param(Type.String({ maxLength: 120 }), 'A category slug: that category and its descendants.', 'electronics'),
  ),
  min_price: Type.Optional(param(Type.String({ maxLength: 20 }), 'The lowest price, inclusive.', '100.00')),
  max_price: Type.Optional(param(Type.String({ maxLength: 20 }), 'The highest price, inclusive.', '2500')),
  in_stock: Type.Optional(param(Type.Boolean(), 'Only products with stock (true) or without (false).', true)),
  option: Type.Optional(
    param(
      Type.Array(Type.String({ minLength: 3, maxLength: 101 }), { maxItems: 10 }),
      '`Name:Value` (repeatable): products with an active variant that has these option values. ' +
        'Values of one name are alternatives; different names must all hold for the same variant. Case-sensitive.',
      ['Colour:Red', 'Size:M'],
    ),
  ),
  ordering: Type.Optional(
    param(Type.Enum([...PRODUCT_ORDERINGS]), 'Sort field; a leading `-` sorts descending.', '-price'),
  ),
  include_inactive: Type.Optional(
    param(Type.Boolean(), 'Admins only: list inactive products too (ignored for others).', true),
  ),
});
export type ProductListInput = Static<typeof ProductListQuery>;

export const LowStockQuery = Type.Object({
  threshold: Type.Optional(
    param(
      Type.Integer({ minimum: 0, maximum: 1_000_000 }),
      'List products with less stock than this (default LOW_STOCK_THRESHOLD).',
      10,
    ),
  ),
});

/**
 * @public A named component of the contract (in CONTRACT_SCHEMAS), nested in others: a low-stock
 * row, the product's list item and its active variants below the threshold.
 */
export const LowStockItem = Type.Object(
  {
    ...ProductListItem.properties,
    low_variants: Type.Array(
      Type.Object({ id: Id, sku: Type.String(), title: Type.String(), stock: Type.Integer() }),
      { description: 'The active variants below the threshold, lowest stock first.' },
    ),
  },
  { $id: 'LowStockItem' },
);
export const LowStockList = Type.Array(ref(LowStockItem), { $id: 'LowStockList' });

/**
 * `{id}` of `GET /api/products/{id}/`: a numeric id or a slug. Named `id` like the path's
 * write routes, so that the OpenAPI document has one path, not two that differ only by name.
 */
export const ProductRef = Type.Object({
  id: param(Type.String({ minLength: 1, maxLength: 220 }), 'Numeric id or slug', 'blue-cotton-shirt'),
});

/** The schemas of this file that have a name (`$id`), for registration. */
export const catalogSchemas = [
  Category,
  CategorySummary,
  CategoryPage,
  CategoryList,
  CategoryBody,
  CategoryPatchBody,
  ProductListItem,
  ProductPage,
  ProductList,
  ProductOption,
  Variant,
  VariantList,
  VariantBulkResult,
  ProductDetail,
  ProductOptionsBody,
  VariantBody,
  VariantPatchBody,
  VariantBulkCreateBody,
  VariantBulkPatchItem,
  VariantBulkPatchBody,
  LowStockItem,
  LowStockList,
  ProductBody,
  ProductUpdateBody,
  ProductPatchBody,
];
