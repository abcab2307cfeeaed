/**
 * Staff administration of promotions (API-v2 §2): their validation, reads and writes. Checkout
 * reads and claims promotions through store.ts; `times_used` is only ever written there.
 */
import { and, count, desc, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import {
  carts,
  categories,
  orders,
  products,
  promotions,
  type PromotionKind,
} from '../../db/schema/index.js';
import { PROMOTION_KIND_VALUES, type Promotion } from '../../contract/index.js';
import { Conflict, type FieldErrors, NotFound, say, ValidationError } from '../../http/errors.js';
import { formatMoney, MAX_TOTAL_PAISE, parseMoney, parsePrice, toPaise } from '../../lib/money.js';
import type { Static } from 'typebox';

export type PromotionRow = typeof promotions.$inferSelect;
type PromotionValues = Partial<typeof promotions.$inferInsert>;

const NOT_FOUND = 'Promotion not found.';
const CODE_TAKEN = 'A promotion with this code already exists (codes are unique ignoring case).';
const MAX_MIN_SUBTOTAL = MAX_TOTAL_PAISE; // 99999999.99: no cart could reach more.

/** How a write treats the fields it is not given: defaults (create, PUT) or as they are (PATCH). */
export type WriteMode = 'create' | 'replace' | 'patch';

/** A promotion as staff see it. */
export function promotionView(row: PromotionRow): Static<typeof Promotion> {
  const categoryIds = row.appliesCategoryIds ?? [];
  const productIds = row.appliesProductIds ?? [];
  return {
    id: row.id,
    code: row.code,
    description: row.description,
    kind: row.kind,
    value: row.value === null ? null : formatMoney(row.value),
    min_subtotal: row.minSubtotal === null ? null : formatMoney(row.minSubtotal),
    starts_at: row.startsAt?.toISOString() ?? null,
    ends_at: row.endsAt?.toISOString() ?? null,
    usage_limit: row.usageLimit,
    per_customer_limit: row.perCustomerLimit,
    applies_to:
      categoryIds.length || productIds.length
        ? { categories: categoryIds, products: productIds }
        : null,
    is_active: row.isActive,
    times_used: row.timesUsed,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export interface PromotionFilter {
  search?: string;
  isActive?: boolean;
}

function where(filter: PromotionFilter): SQL | undefined {
  const term = filter.search?.trim();
  const like = term ? `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  return and(
    like ? sql`${promotions.code} ilike ${like}` : undefined,
    filter.isActive !== undefined ? eq(promotions.isActive, filter.isActive) : undefined,
  );
}

/** A page of promotions, newest first, and the total. */
export async function listPromotions(
  database: Database,
  filter: PromotionFilter,
  limit: number,
  offset: number,
) {
  const { db } = database;
  const [rows, [counted]] = await Promise.all([
    db
      .select()
      .from(promotions)
      .where(where(filter))
      .orderBy(desc(promotions.id))
      .limit(limit)
      .offset(offset),
    db.select({ n: count() }).from(promotions).where(where(filter)),
  ]);
  return { rows, count: counted?.n ?? 0 };
}

export async function getPromotion(ex: Executor, id: number): Promise<PromotionRow> {
  const [row] = await ex.select().from(promotions).where(eq(promotions.id, id));
  if (!row) throw new NotFound(NOT_FOUND);
  return row;
}

type Body = Record<string, unknown>;

/** The top-level fields that already have a message (a schema error, e.g. `applies_to.products.0`). */
function badFields(errors: FieldErrors): Set<string> {
  return new Set(Object.keys(errors).map((field) => field.split('.')[0]!));
}

function add(errors: FieldErrors, field: string, message: string) {
  (errors[field] ??= []).push(message);
}

/** A date-time input (checked by the schema's format) as a Date, or null. */
function instant(raw: unknown, field: string, errors: FieldErrors): Date | null | undefined {
  if (raw === null) return null;
  if (typeof raw !== 'string') return undefined;
  const date = new Date(raw);
  // An instant: a time without a zone would be read in the server's own.
  if (Number.isNaN(date.getTime()) || !/T.*(Z|[+-]\d\d(:?\d\d)?)$/i.test(raw)) {
    add(errors, field, 'Enter a valid ISO 8601 date-time with a time zone (2026-01-20T10:15:00Z).');
    return undefined;
  }
  return date;
}

/** The value for `kind`: a percentage 0–100, an amount > 0, or none. Undefined when wrong (with a message). */
function kindValue(
  kind: PromotionKind,
  raw: unknown,
  errors: FieldErrors,
): string | null | undefined {
  if (kind === 'free_shipping') {
    if (raw !== null && raw !== undefined) {
      add(errors, 'value', 'A free_shipping promotion takes no value: leave it out or send null.');
      return undefined;
    }
    return null;
  }
  if (raw === null || raw === undefined) {
    add(errors, 'value', `A ${kind} promotion needs a value.`);
    return undefined;
  }
  if (kind === 'fixed_amount') {
    const price = parsePrice(raw);
    if (!price.ok) {
      add(
        errors,
        'value',
        price.message === 'Price must be greater than 0'
          ? 'The amount must be greater than 0.'
          : price.message,
      );
      return undefined;
    }
    return price.value;
  }
  const parsed = parseMoney(raw);
  if (!parsed.ok) {
    add(errors, 'value', parsed.message);
    return undefined;
  }
  const bp = toPaise(parsed.value);
  if (bp < 0 || bp > 10_000) {
    add(errors, 'value', 'A percentage must be between 0 and 100.');
    return undefined;
  }
  return parsed.value;
}

/** min_subtotal: null, or money 0..99999999.99. */
function minSubtotal(raw: unknown, errors: FieldErrors): string | null | undefined {
  if (raw === null) return null;
  const parsed = parseMoney(raw);
  if (!parsed.ok) {
    add(errors, 'min_subtotal', parsed.message);
    return undefined;
  }
  const paise = BigInt(toPaise(parsed.value));
  if (paise < 0n) add(errors, 'min_subtotal', say.atLeast(0));
  else if (paise > MAX_MIN_SUBTOTAL)
    add(errors, 'min_subtotal', say.atMost('99999999.99'));
  else return parsed.value;
  return undefined;
}

/** Ids in `ids` that `table` does not have, ascending. */
async function missingIds(
  ex: Executor,
  table: typeof categories | typeof products,
  ids: number[],
): Promise<number[]> {
  if (!ids.length) return [];
  const found = await ex.select({ id: table.id }).from(table).where(inArray(table.id, ids));
  const have = new Set(found.map((r) => r.id));
  return ids.filter((id) => !have.has(id));
}

/** `No category with id 3.` or `No categories with ids 3, 4.` */
function noneWithIds(one: string, many: string, ids: number[]): string {
  return ids.length === 1 ? say.noSuch(one, ids[0]!) : `No ${many} with ids ${ids.join(', ')}.`;
}

const uniqueSorted = (ids: unknown): number[] =>
  Array.isArray(ids)
    ? [...new Set(ids.filter((id): id is number => typeof id === 'number'))].sort((a, b) => a - b)
    : [];

async function appliesTo(ex: Executor, raw: unknown, errors: FieldErrors) {
  if (raw === null) return { appliesCategoryIds: null, appliesProductIds: null };
  if (typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const given = raw as Body;
  const categoryIds = uniqueSorted(given.categories);
  const productIds = uniqueSorted(given.products);
  if (!categoryIds.length && !productIds.length) {
    add(
      errors,
      'applies_to',
      'Name at least one category or product, or send null to make every product eligible.',
    );
    return undefined;
  }
  const [noCategories, noProducts] = await Promise.all([
    missingIds(ex, categories, categoryIds),
    missingIds(ex, products, productIds),
  ]);
  if (noCategories.length) {
    add(errors, 'applies_to.categories', noneWithIds('category', 'categories', noCategories));
  }
  if (noProducts.length)
    add(errors, 'applies_to.products', noneWithIds('product', 'products', noProducts));
  if (noCategories.length || noProducts.length) return undefined;
  return {
    appliesCategoryIds: categoryIds.length ? categoryIds : null,
    appliesProductIds: productIds.length ? productIds : null,
  };
}

async function codeTaken(ex: Executor, code: string, exceptId: number | null): Promise<boolean> {
  const [row] = await ex
    .select({ id: promotions.id })
    .from(promotions)
    .where(
      and(
        sql`lower(${promotions.code}) = lower(${code})`,
        exceptId === null ? undefined : ne(promotions.id, exceptId),
      ),
    );
  return row !== undefined;
}

/**
 * Checks a body against the rules (and `current`, the row a PUT or PATCH changes) and converts
 * it into column values. `errors` holds the body schema's messages already; every wrong field
 * ends up in one ValidationError. A field the schema refused is not checked again.
 */
async function promotionValues(
  ex: Executor,
  body: unknown,
  mode: WriteMode,
  current: PromotionRow | null,
  errors: FieldErrors,
): Promise<PromotionValues> {
  const input: Body =
    body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Body) : {};
  const bad = badFields(errors);
  const given = (field: string) =>
    Object.hasOwn(input, field) && input[field] !== undefined && !bad.has(field);
  const defaults = mode !== 'patch';
  const values: PromotionValues = {};

  if (given('code') && typeof input.code === 'string') {
    if (await codeTaken(ex, input.code, current?.id ?? null)) add(errors, 'code', CODE_TAKEN);
    else values.code = input.code;
  }
  if (given('description') && typeof input.description === 'string')
    values.description = input.description;
  else if (defaults) values.description = '';

  // The kind and its value go together: a changed kind needs its value anew (none for free_shipping).
  const kindGiven = given('kind') && PROMOTION_KIND_VALUES.includes(input.kind as PromotionKind);
  const kind = kindGiven
    ? (input.kind as PromotionKind)
    : bad.has('kind')
      ? null
      : (current?.kind ?? null);
  if (kind !== null && !bad.has('value')) {
    const valueGiven = Object.hasOwn(input, 'value') && input.value !== undefined;
    if (valueGiven || defaults || (kindGiven && kind !== current?.kind)) {
      const value = kindValue(kind, valueGiven ? input.value : undefined, errors);
      if (value !== undefined) values.value = value;
    }
  }
  if (kindGiven) values.kind = kind!;

  if (given('min_subtotal')) {
    const parsed = minSubtotal(input.min_subtotal, errors);
    if (parsed !== undefined) values.minSubtotal = parsed;
  } else if (defaults) values.minSubtotal = null;

  for (const [field, column] of [
    ['starts_at', 'startsAt'],
    ['ends_at', 'endsAt'],
  ] as const) {
    if (given(field)) {
      const at = instant(input[field], field, errors);
      if (at !== undefined) values[column] = at;
    } else if (defaults) values[column] = null;
  }
  const startsAt = values.startsAt !== undefined ? values.startsAt : (current?.startsAt ?? null);
  const endsAt = values.endsAt !== undefined ? values.endsAt : (current?.endsAt ?? null);
  const windowKnown =
    !bad.has('starts_at') && !bad.has('ends_at') && !errors.starts_at && !errors.ends_at;
  if (windowKnown && startsAt && endsAt && startsAt >= endsAt) {
    add(errors, 'ends_at', 'ends_at must be later than starts_at.');
    add(errors, 'starts_at', 'starts_at must be earlier than ends_at.');
  }

  for (const [field, column] of [
    ['usage_limit', 'usageLimit'],
    ['per_customer_limit', 'perCustomerLimit'],
  ] as const) {
    const raw = input[field];
    if (given(field) && (raw === null || typeof raw === 'number')) values[column] = raw;
    else if (defaults && !bad.has(field)) values[column] = null;
  }

  if (given('applies_to')) {
    const applies = await appliesTo(ex, input.applies_to, errors);
    if (applies) Object.assign(values, applies);
  } else if (defaults) Object.assign(values, { appliesCategoryIds: null, appliesProductIds: null });

  if (given('is_active') && typeof input.is_active === 'boolean') values.isActive = input.is_active;
  else if (defaults) values.isActive = true;

  if (Object.keys(errors).length) throw new ValidationError(errors);
  return values;
}

function codeRace(err: unknown): unknown {
  // Another request took the code between the check and the write.
  return isUniqueViolation(err, 'promotions_code_lower_uq')
    ? ValidationError.field('code', CODE_TAKEN)
    : err;
}

/** Creates a promotion; `schemaErrors` are the body schema's messages (reported with the rest). */
export async function createPromotion(
  database: Database,
  body: unknown,
  schemaErrors: FieldErrors,
): Promise<PromotionRow> {
  const { db } = database;
  const values = await promotionValues(db, body, 'create', null, schemaErrors);
  try {
    const [row] = await db
      .insert(promotions)
      .values(values as typeof promotions.$inferInsert)
      .returning();
    return row!;
  } catch (err) {
    throw codeRace(err);
  }
}

/**
 * PUT (`replace`: fields left out take their defaults) or PATCH (`patch`: only the given fields
 * change). The row is locked while it is checked and written, so the kind/value and window
 * rules hold against what it is. `times_used` is never written here.
 */
export async function updatePromotion(
  database: Database,
  id: number,
  body: unknown,
  mode: Exclude<WriteMode, 'create'>,
  schemaErrors: FieldErrors,
): Promise<PromotionRow> {
  try {
    return await database.db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(promotions)
        .where(eq(promotions.id, id))
        .for('no key update');
      if (!current) throw new NotFound(NOT_FOUND);
      const values = await promotionValues(tx, body, mode, current, schemaErrors);
      const [row] = await tx
        .update(promotions)
        .set({ ...values, updatedAt: new Date() })
        .where(eq(promotions.id, id))
        .returning();
      return row!;
    });
  } catch (err) {
    throw codeRace(err);
  }
}

/**
 * Deletes a promotion no order has used (carts holding it lose it); one that orders used is 409
 * (set is_active to false instead: the orders keep their code and discount either way).
 *
 * Lock order as checkout's (orders/effects.ts): the carts first, then the promotion row, so a
 * checkout claiming the code finishes before the check or finds the code gone.
 */
export async function deletePromotion(database: Database, id: number): Promise<void> {
  await database.db.transaction(async (tx) => {
    await tx.update(carts).set({ promotionId: null }).where(eq(carts.promotionId, id));
    const [row] = await tx
      .select({ id: promotions.id })
      .from(promotions)
      .where(eq(promotions.id, id))
      .for('update');
    if (!row) throw new NotFound(NOT_FOUND);
    const [used] = await tx.select({ n: count() }).from(orders).where(eq(orders.promotionId, id));
    if (used && used.n > 0) {
      throw new Conflict(
        `This promotion was used by ${used.n} order${used.n === 1 ? '' : 's'} and cannot be deleted; set is_active to false instead.`,
      );
    }
    await tx.delete(promotions).where(eq(promotions.id, id));
  });
}
