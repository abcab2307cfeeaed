/**
 * Staff administration of tax classes (API-v2 §2): GST rates products and variants are sold
 * under. Exactly one class is the default (the partial unique index tax_classes_one_default_uq):
 * making a class the default un-defaults the previous one in the same transaction, and the
 * default can be neither deleted nor un-defaulted directly.
 *
 * Every write takes the table's SHARE ROW EXCLUSIVE lock first: writes to tax classes are
 * rare and run one at a time, so two "make this the default" requests, or two classes created
 * with one name, can never meet at the unique indexes; reads (checkout's rate lookups) and
 * products' foreign key checks are not blocked by it.
 */
import { and, asc, count, eq, ne, sql } from 'drizzle-orm';
import type { Static } from 'typebox';
import type { Database, Executor, Tx } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { taxClasses } from '../../db/schema/index.js';
import type { TaxClass } from '../../contract/index.js';
import { Conflict, type FieldErrors, NotFound, say, ValidationError } from '../../http/errors.js';
import { formatMoney, parseMoney, toPaise } from '../../lib/money.js';
import type { WriteMode } from './promotions.js';

export type TaxClassRow = typeof taxClasses.$inferSelect;
type TaxClassValues = Partial<typeof taxClasses.$inferInsert>;

const NOT_FOUND = 'Tax class not found.';
const NAME_TAKEN = 'A tax class with this name already exists (names are unique ignoring case).';

export function taxClassView(row: TaxClassRow): Static<typeof TaxClass> {
  return { id: row.id, name: row.name, rate: formatMoney(row.rate), is_default: row.isDefault };
}

/** A page of tax classes (by id), and the total. */
export async function listTaxClasses(database: Database, limit: number, offset: number) {
  const { db } = database;
  const [rows, [counted]] = await Promise.all([
    db.select().from(taxClasses).orderBy(asc(taxClasses.id)).limit(limit).offset(offset),
    db.select({ n: count() }).from(taxClasses),
  ]);
  return { rows, count: counted?.n ?? 0 };
}

export async function getTaxClass(ex: Executor, id: number): Promise<TaxClassRow> {
  const [row] = await ex.select().from(taxClasses).where(eq(taxClasses.id, id));
  if (!row) throw new NotFound(NOT_FOUND);
  return row;
}

/** A rate: a percentage 0–100 with at most two decimals ("18.00"). */
function parseRate(raw: unknown): { ok: true; value: string } | { ok: false; message: string } {
  const parsed = parseMoney(raw);
  if (!parsed.ok) return parsed;
  const bp = toPaise(parsed.value);
  if (bp < 0 || bp > 10_000) return { ok: false, message: 'A rate must be between 0 and 100.' };
  return parsed;
}

async function lockTable(tx: Tx): Promise<void> {
  await tx.execute(sql`lock table ${taxClasses} in share row exclusive mode`);
}

/** Checks and converts a body (see promotions' promotionValues): every wrong field at once. */
async function taxClassValues(
  ex: Executor,
  body: unknown,
  mode: WriteMode,
  current: TaxClassRow | null,
  errors: FieldErrors,
): Promise<TaxClassValues> {
  const input =
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : {};
  const bad = new Set(Object.keys(errors).map((f) => f.split('.')[0]!));
  const given = (field: string) =>
    Object.hasOwn(input, field) && input[field] !== undefined && !bad.has(field);
  const values: TaxClassValues = {};
  if (given('name') && typeof input.name === 'string') {
    const name = input.name.trim();
    if (!name) (errors.name ??= []).push(say.blank);
    else {
      const [taken] = await ex
        .select({ id: taxClasses.id })
        .from(taxClasses)
        .where(
          and(
            sql`lower(${taxClasses.name}) = lower(${name})`,
            current ? ne(taxClasses.id, current.id) : undefined,
          ),
        );
      if (taken) (errors.name ??= []).push(NAME_TAKEN);
      else values.name = name;
    }
  }
  if (given('rate')) {
    const rate = parseRate(input.rate);
    if (!rate.ok) (errors.rate ??= []).push(rate.message);
    else values.rate = rate.value;
  }
  if (given('is_default') && typeof input.is_default === 'boolean')
    values.isDefault = input.is_default;
  else if (mode !== 'patch' && !current) values.isDefault = false;
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return values;
}

/** Un-defaults the current default (other than `exceptId`), so that another can take its place. */
async function clearDefault(tx: Tx, exceptId: number | null): Promise<void> {
  await tx
    .update(taxClasses)
    .set({ isDefault: false, updatedAt: new Date() })
    .where(
      and(
        eq(taxClasses.isDefault, true),
        exceptId === null ? undefined : ne(taxClasses.id, exceptId),
      ),
    );
}

function nameRace(err: unknown): unknown {
  return isUniqueViolation(err, 'tax_classes_name_lower_uq')
    ? ValidationError.field('name', NAME_TAKEN)
    : err;
}

export async function createTaxClass(
  database: Database,
  body: unknown,
  schemaErrors: FieldErrors,
): Promise<TaxClassRow> {
  try {
    return await database.db.transaction(async (tx) => {
      await lockTable(tx);
      const values = await taxClassValues(tx, body, 'create', null, schemaErrors);
      if (values.isDefault) await clearDefault(tx, null);
      const [row] = await tx
        .insert(taxClasses)
        .values(values as typeof taxClasses.$inferInsert)
        .returning();
      return row!;
    });
  } catch (err) {
    throw nameRace(err);
  }
}

/**
 * PUT or PATCH (a PUT's `is_default` left out keeps the class's). `is_default: true` makes this
 * the default and the previous default an ordinary class; `false` on the default is 409 (make
 * another class the default instead: there is always one).
 */
export async function updateTaxClass(
  database: Database,
  id: number,
  body: unknown,
  mode: Exclude<WriteMode, 'create'>,
  schemaErrors: FieldErrors,
): Promise<TaxClassRow> {
  try {
    return await database.db.transaction(async (tx) => {
      await lockTable(tx);
      const current = await getTaxClass(tx, id);
      const values = await taxClassValues(tx, body, mode, current, schemaErrors);
      if (values.isDefault === false && current.isDefault) {
        throw new Conflict(
          'This is the default tax class: make another class the default instead.',
        );
      }
      if (values.isDefault && !current.isDefault) await clearDefault(tx, id);
      const [row] = await tx
        .update(taxClasses)
        .set({ ...values, updatedAt: new Date() })
        .where(eq(taxClasses.id, id))
        .returning();
      return row!;
    });
  } catch (err) {
    throw nameRace(err);
  }
}

/**
 * Deletes a tax class that is not the default (409 for the default). Products and variants
 * that had it lose it (the foreign keys' ON DELETE SET NULL): they are sold under the default
 * class from then on (a variant without a class of its own falls back to its product's first).
 * Orders keep the rates they were placed with.
 */
export async function deleteTaxClass(database: Database, id: number): Promise<void> {
  await database.db.transaction(async (tx) => {
    await lockTable(tx);
    const current = await getTaxClass(tx, id);
    if (current.isDefault) {
      throw new Conflict(
        'The default tax class cannot be deleted: make another class the default first.',
      );
    }
    await tx.delete(taxClasses).where(eq(taxClasses.id, id));
  });
}
