import { Type } from 'typebox';
import { ProductListItem } from './catalog.js';
import { Id, Money, param, ref, Timestamp } from './common.js';

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

export const Cart = Type.Object(
  {
    id: Type.Union([Id, Type.Null()]),
    items: Type.Array(ref(CartItem)),
    total_items: Type.Integer(),
    total_amount: Money,
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
export const cartSchemas = [CartVariant, CartItem, Cart, CartAddBody, CartItemBody];
