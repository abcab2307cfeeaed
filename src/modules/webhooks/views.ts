import type { Static } from 'typebox';
import type { WebhookDelivery, WebhookEndpoint, WebhookEventType } from '../../contract/index.js';
import type { DeliveryRow } from './deliveries.js';
import type { EndpointRow } from './endpoints.js';

/** An endpoint as staff see it: never its secret (shown once, at creation). */
export function endpointView(row: EndpointRow): Static<typeof WebhookEndpoint> {
  return {
    id: row.id,
    url: row.url,
    event_types: row.eventTypes as WebhookEventType[],
    is_active: row.isActive,
    created_at: row.createdAt.toISOString(),
    failing_since: row.failingSince?.toISOString() ?? null,
  };
}

export function deliveryView(row: DeliveryRow): Static<typeof WebhookDelivery> {
  return {
    id: row.id,
    event_id: row.eventId,
    event_type: row.eventType as WebhookEventType,
    attempt: row.attempt,
    status: row.status,
    response_status: row.responseStatus,
    duration_ms: row.durationMs,
    response_snippet: row.responseSnippet,
    created_at: row.createdAt.toISOString(),
    next_attempt_at: row.nextAttemptAt?.toISOString() ?? null,
  };
}
