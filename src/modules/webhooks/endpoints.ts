import { randomBytes } from 'node:crypto';
import { count, desc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { webhookEndpoints } from '../../db/schema/index.js';
import type { WebhookEventType } from '../../contract/index.js';
import { NotFound, ValidationError } from '../../http/errors.js';
import { AddressRefused, hostOf, resolvePermitted, urlProblem } from './addresses.js';
import type { WebhooksDeps } from './deps.js';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;

export interface EndpointInput {
  url?: string;
  event_types?: WebhookEventType[];
  is_active?: boolean;
}

/** A new signing secret in the Standard Webhooks form: `whsec_` and 24 random bytes in base64. */
function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** 400 naming `url` unless the URL is https (or allowed http) and its host resolves to allowed addresses only. */
async function assertDeliverable(deps: WebhooksDeps, raw: string): Promise<void> {
  const problem = urlProblem(raw, deps.allowPrivate);
  if (problem) throw ValidationError.field('url', problem);
  try {
    await resolvePermitted(hostOf(new URL(raw)), deps.resolve, deps.allowPrivate);
  } catch (err) {
    if (err instanceof AddressRefused) throw ValidationError.field('url', err.message);
    throw err;
  }
}

/** Creates an endpoint; the answer carries its secret, the only time it is shown. */
export async function createEndpoint(
  deps: WebhooksDeps,
  input: Required<Pick<EndpointInput, 'url' | 'event_types'>> & EndpointInput,
): Promise<EndpointRow> {
  await assertDeliverable(deps, input.url);
  const [row] = await deps.database.db
    .insert(webhookEndpoints)
    .values({ url: input.url, eventTypes: input.event_types, isActive: input.is_active ?? true, secret: newSecret() })
    .returning();
  return row!;
}

/** Changes an endpoint; switching it back on forgets its failures. */
export async function updateEndpoint(deps: WebhooksDeps, id: number, input: EndpointInput): Promise<EndpointRow> {
  if (input.url !== undefined) await assertDeliverable(deps, input.url);
  const changes: Partial<typeof webhookEndpoints.$inferInsert> = { updatedAt: new Date() };
  if (input.url !== undefined) changes.url = input.url;
  if (input.event_types !== undefined) changes.eventTypes = input.event_types;
  if (input.is_active !== undefined) {
    changes.isActive = input.is_active;
    if (input.is_active) Object.assign(changes, { failingSince: null, disabledReason: null });
  }
  const [row] = await deps.database.db
    .update(webhookEndpoints)
    .set(changes)
    .where(eq(webhookEndpoints.id, id))
    .returning();
  if (!row) throw new NotFound('No such webhook endpoint.');
  return row;
}

export async function getEndpoint(ex: Executor, id: number): Promise<EndpointRow> {
  const [row] = await ex.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  if (!row) throw new NotFound('No such webhook endpoint.');
  return row;
}

/** Deletes an endpoint and its delivery history. */
export async function deleteEndpoint(ex: Executor, id: number): Promise<void> {
  const deleted = await ex.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)).returning({ id: webhookEndpoints.id });
  if (!deleted.length) throw new NotFound('No such webhook endpoint.');
}

/** Endpoints, newest first. */
export async function listEndpoints(
  ex: Executor,
  limit: number,
  offset: number,
): Promise<{ rows: EndpointRow[]; count: number }> {
  const [rows, [total]] = await Promise.all([
    ex.select().from(webhookEndpoints).orderBy(desc(webhookEndpoints.id)).limit(limit).offset(offset),
    ex.select({ n: count() }).from(webhookEndpoints),
  ]);
  return { rows, count: total?.n ?? 0 };
}
