import { Type } from 'typebox';
import { Id, param } from './common.js';

export const PaymentInitiateBody = Type.Object({ order_id: Id }, { $id: 'PaymentInitiateBody' });

export const PaymentInitiateResponse = Type.Object(
  {
    razorpay_order_id: Type.String(),
    razorpay_key_id: Type.String(),
    amount: Type.Integer({ description: 'In paise' }),
    currency: Type.String(),
    order_id: Id,
    order_number: Type.String(),
  },
  { $id: 'PaymentInitiateResponse' },
);

export const PaymentVerifyBody = Type.Object(
  {
    order_id: Id,
    razorpay_order_id: Type.String({ minLength: 1, maxLength: 64 }),
    razorpay_payment_id: Type.String({ minLength: 1, maxLength: 64 }),
    razorpay_signature: Type.String({ minLength: 1, maxLength: 128 }),
  },
  { $id: 'PaymentVerifyBody' },
);

export const PaymentVerifyResponse = Type.Object(
  { message: Type.String(), order_number: Type.String(), payment_status: Type.String() },
  { $id: 'PaymentVerifyResponse' },
);

export const WebhookHeaders = Type.Object({
  'x-razorpay-signature': Type.Optional(
    param(Type.String(), 'Hex HMAC-SHA256 of the raw body with the webhook secret.', '3f1c9a0b…'),
  ),
  'x-razorpay-event-id': Type.Optional(
    param(Type.String(), 'Razorpay’s id of the event, for de-duplication.', 'evt_29QQoUBi66xm2f'),
  ),
});

/** The schemas of this file that have a name (`$id`), for registration. */
export const paymentSchemas = [PaymentInitiateBody, PaymentInitiateResponse, PaymentVerifyBody, PaymentVerifyResponse];
