import { Type } from 'typebox';
import { ProductListItem } from './catalog.js';
import { Id, Money, Nullable, param, ref, Timestamp } from './common.js';

/** @public The variant a cart line holds (a named component, nested in CartItem). */
export const CartVariant = Type.Object(
  {
    id: Id,
    sku: Type.String(),
    title: Type.String(),
    options: Type.Record(Type.String(), Type.String(), {
      description: 'The variant’s option values by option name, e.g. {"Size": "M"}; {} for a default variant.',
    }),
  },
  { $id: 'CartVariant' },
);

/** @public A named component of the contract (in CONTRACT_SCHEMAS), nested in others. */
export const CartItem = Type.Object(
  {
    id: Id,
    product: ref(ProductListItem),
    variant: ref(CartVariant),
    unit_price: { ...Money, description: 'The variant’s price now (the line’s subtotal is unit_price × quantity).' },
    quantity: Type.Integer(),
    subtotal: Money,
    added_at: Timestamp,
  },
  { $id: 'CartItem' },
);

/** @public The promotion code applied to a cart and what it gives now (nested in Cart). */
export const CartPromotion = Type.Object(
  {
    code: Type.String(),
    description: Type.String(),
    applies: Type.Boolean({ description: 'Whether the code gives its discount to the cart as it is now.' }),
    discount: { ...Money, description: 'The discount it gives now (0.00 when it does not apply).' },
    free_shipping: Type.Boolean(),
    reason: Nullable(
      Type.String({
        description:
          'Why it does not apply now: one of the 400 codes of `POST /api/cart/promotion/` ' +
          '(`promotion_min_subtotal`, `promotion_expired`, …); null when it applies.',
      }),
    ),
    message: Nullable(Type.String()),
  },
  { $id: 'CartPromotion' },
);

/** @public A shipping method that can ship the cart, with its price for it (nested in Cart; the shipping-methods list). */
export const CartShippingMethod = Type.Object(
  { id: Id, name: Type.String(), price: Money },
  { $id: 'CartShippingMethod' },
);

/** The shipping methods that can ship the cart, cheapest first (`GET /api/cart/shipping-methods/`). */
export const CartShippingMethodList = Type.Array(ref(CartShippingMethod), { $id: 'CartShippingMethodList' });

export const Cart = Type.Object(
  {
    id: Type.Union([Id, Type.Null()]),
    items: Type.Array(ref(CartItem)),
    total_items: Type.Integer(),
    subtotal: { ...Money, description: 'The lines’ subtotals (prices include tax).' },
    discount_total: Money,
    shipping_total: {
      ...Money,
      description: 'The price of `shipping_method`, the cheapest method that can ship the cart to India (0.00 with none).',
    },
    tax_total: { ...Money, description: 'The tax contained in total_amount.' },
    promotion: Type.Union([ref(CartPromotion), Type.Null()]),
    shipping_method: Type.Union([ref(CartShippingMethod), Type.Null()]),
    total_amount: { ...Money, description: 'subtotal − discount_total + shipping_total.' },
    created_at: Type.Union([Timestamp, Type.Null()]),
    updated_at: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'Cart' },
);

const Quantity = Type.Integer({ minimum: 1, maximum: 999 });

export const CartAddBody = Type.Object(
  {
    variant_id: Type.Optional({ ...Id, description: 'The variant to add.' }),
    product_id: Type.Optional({
      ...Id,
      description:
        'A product with a single variant (one with several: 400 `variant_required`). With `variant_id`, ' +
        'it must be that variant’s product.',
    }),
    quantity: Type.Optional({ ...Quantity, default: 1 }),
  },
  { $id: 'CartAddBody', description: 'Give `variant_id`, or `product_id` for a product with one variant.' },
);

export const CartItemBody = Type.Object({ quantity: Quantity }, { $id: 'CartItemBody' });

/** The guest cart's header (`X-Cart-Token`), besides the `cart_token` cookie. */
export const CartHeaders = Type.Object({
  'x-cart-token': Type.Optional(
    param(Type.String(), 'A guest cart’s token, as issued on the first add.', 'q5Xb0c2m0r7dWkY1Vx9bT3nE8pL4aZs6uHfJ2gKoQiw'),
  ),
});

/** The schemas of this file that have a name (`$id`), for registration. */
export const CartPromotionBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 50, description: 'A promotion code, any case.' }) },
  { $id: 'CartPromotionBody' },
);

export const ShippingMethodsQuery = Type.Object({
  country: Type.Optional(
    param(Type.String({ minLength: 2, maxLength: 100 }), 'Where to ship: `IN`, `India` or an ISO 3166-1 alpha-2 code (default IN).', 'IN'),
  ),
});

export const cartSchemas = [CartVariant, CartItem, CartPromotion, CartShippingMethod, CartShippingMethodList, CartPromotionBody, Cart, CartAddBody, CartItemBody];
