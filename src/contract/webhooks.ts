import { Type } from 'typebox';
import { Id, Nullable, Page, PageQuery, param, ref, Timestamp } from './common.js';

/** The event types an outgoing webhook endpoint can subscribe to (API-v2 §4). */
export const WEBHOOK_EVENT_TYPES = [
  'order.placed',
  'order.paid',
  'order.cancelled',
  'order.shipped',
  'order.delivered',
  'order.refunded',
  'product.out_of_stock',
  'customer.created',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

const WebhookUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'Where events are POSTed: `https` to a public address (plain `http` and private, loopback or link-local ' +
    'addresses only when the server runs with `WEBHOOK_ALLOW_PRIVATE=true`).',
  examples: ['https://hooks.example.com/shop'],
});
const EventTypes = Type.Array(Type.Enum([...WEBHOOK_EVENT_TYPES]), {
  minItems: 1,
  maxItems: WEBHOOK_EVENT_TYPES.length,
  uniqueItems: true,
  description: 'The event types sent to this endpoint.',
});

const endpointFields = {
  id: Id,
  url: Type.String(),
  event_types: Type.Array(Type.Enum([...WEBHOOK_EVENT_TYPES])),
  is_active: Type.Boolean({
    description: 'Inactive endpoints receive nothing; the server switches an endpoint off on `410` or after 3 days of failures.',
  }),
  created_at: Timestamp,
  failing_since: Nullable(
    Type.String({ format: 'date-time', description: 'The first failed attempt since the last success, or null.' }),
  ),
};

export const WebhookEndpoint = Type.Object(endpointFields, { $id: 'WebhookEndpoint' });
export const WebhookEndpointCreated = Type.Object(
  {
    ...endpointFields,
    secret: Type.String({
      description: 'The signing secret (`whsec_…`), shown this once: keep it to verify the `webhook-signature` header.',
    }),
  },
  { $id: 'WebhookEndpointCreated' },
);
export const WebhookEndpointPage = Page('WebhookEndpointPage', ref(WebhookEndpoint));

export const WebhookEndpointCreate = Type.Object(
  { url: WebhookUrl, event_types: EventTypes, is_active: Type.Optional(Type.Boolean({ default: true })) },
  { $id: 'WebhookEndpointCreate' },
);
export const WebhookEndpointUpdate = Type.Object(
  { url: Type.Optional(WebhookUrl), event_types: Type.Optional(EventTypes), is_active: Type.Optional(Type.Boolean()) },
  { $id: 'WebhookEndpointUpdate' },
);

export const WebhookDelivery = Type.Object(
  {
    id: Id,
    event_id: Type.String({ format: 'uuid', description: 'The event; also the `webhook-id` header of every attempt.' }),
    event_type: Type.Enum([...WEBHOOK_EVENT_TYPES]),
    attempt: Type.Integer({ minimum: 1, description: 'This attempt’s number for this event and endpoint, from 1.' }),
    status: Type.Enum([...WEBHOOK_DELIVERY_STATUSES]),
    response_status: Nullable(Type.Integer({ description: 'The receiver’s HTTP status; null when none came.' })),
    duration_ms: Nullable(Type.Integer()),
    response_snippet: Nullable(
      Type.String({ description: 'The start of the receiver’s answer, or why no answer came (timeout, refused address).' }),
    ),
    created_at: Timestamp,
    next_attempt_at: Nullable(
      Type.String({
        format: 'date-time',
        description: 'Pending: when this attempt is due. Failed: when the automatic retry after it is due (null: none).',
      }),
    ),
  },
  { $id: 'WebhookDelivery' },
);
export const WebhookDeliveryPage = Page('WebhookDeliveryPage', ref(WebhookDelivery));

export const WebhookDeliveryQuery = Type.Object({
  ...PageQuery,
  status: Type.Optional(param(Type.Enum([...WEBHOOK_DELIVERY_STATUSES]), 'Only attempts in this status.', 'failed')),
});

export const webhookSchemas = [
  WebhookEndpoint,
  WebhookEndpointCreated,
  WebhookEndpointPage,
  WebhookEndpointCreate,
  WebhookEndpointUpdate,
  WebhookDelivery,
  WebhookDeliveryPage,
];
