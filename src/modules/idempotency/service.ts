import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { Database, Executor } from '../../db/client.js';
import { idempotencyKeys } from '../../db/schema/index.js';
import { Conflict, ValidationError } from '../../http/errors.js';

/**
 * Idempotency-Key support. The key is claimed by an INSERT in the same transaction as the
 * work it guards: a second request with the same key waits on the unique index until the
 * first commits (then replays its response) or rolls back (then does the work itself).
 * So there is no "in progress" state to get stuck in, and a failed attempt leaves no trace.
 * Work that calls another service (runOnce) claims first, in its own transaction: that
 * claim is a lease, taken over once it runs out, so a crash cannot leave the key stuck.
 */
export interface IdempotentRequest {
  userId: number;
  scope: string;
  key: string;
  hash: string;
}

export interface StoredResponse {
  status: number;
  body: unknown;
}

const TTL = sql`interval '24 hours'`;

/** The key's first request has not finished (only with runOnce, which claims before working). */
class KeyInProgress extends Conflict {
  constructor() {
    super('A request with this Idempotency-Key is still being processed.', 'idempotency_conflict');
  }
}

/** The request's Idempotency-Key, validated; null when it sent none. */
export function idempotencyKeyOf(request: FastifyRequest): string | null {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return null;
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!key || key.length > 255) {
    throw ValidationError.field('Idempotency-Key', 'Must be a string of 1 to 255 characters.');
  }
  return key;
}

/** SHA-256 of the body as canonical JSON (object keys sorted), to tell bodies apart. */
export function bodyHash(body: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
      );
    }
    return value;
  };
  return createHash('sha256').update(JSON.stringify(canonical(body ?? null))).digest('hex');
}

/**
 * Claims the key for this transaction, or returns the stored response of an earlier
 * request with the same key and body. The same key with another body is 409.
 */
export async function claimOrReplay(tx: Executor, req: IdempotentRequest): Promise<StoredResponse | null> {
  const outcome = await claim(tx, req, DEFAULT_LEASE_SECONDS);
  return 'claimedAt' in outcome ? null : outcome;
}

/** How long an unfinished claim (runOnce) holds the key unless its caller says otherwise. */
const DEFAULT_LEASE_SECONDS = 120;

/**
 * Claims the key (answering when, which identifies this claim), or returns the stored
 * response. A claim without a response older than `leaseSeconds` is taken over: its
 * request died between claiming and storing the response (a crash, a lost connection).
 */
async function claim(
  tx: Executor,
  req: IdempotentRequest,
  leaseSeconds: number,
): Promise<{ claimedAt: Date } | StoredResponse> {
  // Whole milliseconds, so that the JavaScript Date read back names this claim exactly.
  const now = sql`date_trunc('milliseconds', now())`;
  const claimed = await tx
    .insert(idempotencyKeys)
    .values({ userId: req.userId, scope: req.scope, key: req.key, requestHash: req.hash, createdAt: now })
    .onConflictDoUpdate({
      target: [idempotencyKeys.userId, idempotencyKeys.scope, idempotencyKeys.key],
      // An expired key (older than 24 h), or a claim whose lease ran out, is taken as if new.
      set: { requestHash: req.hash, createdAt: now, statusCode: null, responseBody: null, completedAt: null },
      setWhere: sql`${idempotencyKeys.createdAt} < now() - ${TTL} or (${idempotencyKeys.statusCode} is null and ${idempotencyKeys.createdAt} < now() - make_interval(secs => ${leaseSeconds}))`,
    })
    .returning({ createdAt: idempotencyKeys.createdAt });
  if (claimed.length) return { claimedAt: claimed[0]!.createdAt };
  const [stored] = await tx
    .select()
    .from(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.userId, req.userId),
        eq(idempotencyKeys.scope, req.scope),
        eq(idempotencyKeys.key, req.key),
      ),
    );
  if (!stored || stored.requestHash !== req.hash) {
    throw new Conflict(
      'This Idempotency-Key was already used with a different request body.',
      'idempotency_conflict',
    );
  }
  if (stored.statusCode === null) throw new KeyInProgress();
  return { status: stored.statusCode, body: stored.responseBody };
}

/** The key's row, or only the claim made at `claimedAt` (not one that took it over since). */
function keyRow(req: IdempotentRequest, claimedAt?: Date) {
  return and(
    eq(idempotencyKeys.userId, req.userId),
    eq(idempotencyKeys.scope, req.scope),
    eq(idempotencyKeys.key, req.key),
    claimedAt ? eq(idempotencyKeys.createdAt, claimedAt) : undefined,
  );
}

/** Records the response of the claimed key, in the same transaction as the work. */
export async function complete(tx: Executor, req: IdempotentRequest, response: StoredResponse, claimedAt?: Date) {
  await tx
    .update(idempotencyKeys)
    .set({ statusCode: response.status, responseBody: response.body, completedAt: new Date() })
    .where(keyRow(req, claimedAt));
}

export interface RunOnceOptions {
  /** How long to wait for a concurrent first request's response before answering 409. */
  waitMs?: number;
  /**
   * How long the claim holds the key without a response: longer than the work can take.
   * After it, a retry takes the key over (the first request is taken for dead).
   */
  leaseSeconds?: number;
}

/**
 * Idempotency for work that must not hold a transaction open (it calls another service):
 * the key is claimed in its own short transaction (a lease of `leaseSeconds`), the work
 * runs, and its response is stored; if the work fails the claim is released. A concurrent
 * request with the same key waits up to `waitMs` for the first one's response. A claim
 * whose request died (no response within the lease) is taken over by the next retry, and
 * the late first request then stores nothing over it.
 */
export async function runOnce(
  database: Database,
  req: IdempotentRequest,
  work: () => Promise<StoredResponse>,
  options: RunOnceOptions = {},
): Promise<StoredResponse & { replayed: boolean }> {
  const { waitMs = 10_000, leaseSeconds = DEFAULT_LEASE_SECONDS } = options;
  const started = Date.now();
  let claimedAt: Date;
  for (;;) {
    try {
      const outcome = await database.db.transaction((tx) => claim(tx, req, leaseSeconds));
      if (!('claimedAt' in outcome)) return { ...outcome, replayed: true };
      claimedAt = outcome.claimedAt;
      break;
    } catch (err) {
      if (!(err instanceof KeyInProgress) || Date.now() - started > waitMs) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    const response = await work();
    await complete(database.db, req, response, claimedAt);
    return { ...response, replayed: false };
  } catch (err) {
    await release(database.db, req, claimedAt);
    throw err;
  }
}

async function release(ex: Executor, req: IdempotentRequest, claimedAt: Date) {
  await ex.delete(idempotencyKeys).where(and(keyRow(req, claimedAt), sql`${idempotencyKeys.statusCode} is null`));
}

/** Deletes keys past their 24 hours (housekeeping); expired keys are never replayed anyway. */
export async function deleteExpiredKeys(ex: Executor): Promise<number> {
  const rows = await ex
    .delete(idempotencyKeys)
    .where(sql`${idempotencyKeys.createdAt} < now() - ${TTL}`)
    .returning({ key: idempotencyKeys.key });
  return rows.length;
}
