import { Type } from 'typebox';
import { ProductListItem } from './catalog.js';
import { Id, Money, param, ref, Timestamp } from './common.js';

/** @public A named component of the contract (in CONTRACT_SCHEMAS), nested in others. */
export const CartItem = Type.Object(
  {
    id: Id,
    product: ref(ProductListItem),
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
  { product_id: Id, quantity: Type.Optional({ ...Quantity, default: 1 }) },
  { $id: 'CartAddBody' },
);

export const CartItemBody = Type.Object({ quantity: Quantity }, { $id: 'CartItemBody' });

/** The guest cart's header (`X-Cart-Token`), besides the `cart_token` cookie. */
export const CartHeaders = Type.Object({
  'x-cart-token': Type.Optional(
    param(Type.String(), 'A guest cart’s token, as issued on the first add.', 'q5Xb0c2m0r7dWkY1Vx9bT3nE8pL4aZs6uHfJ2gKoQiw'),
  ),
});

/** The schemas of this file that have a name (`$id`), for registration. */
export const cartSchemas = [CartItem, Cart, CartAddBody, CartItemBody];
