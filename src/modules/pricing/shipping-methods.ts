/**
 * Shipping methods (API-v2 §2), the staff CRUD: flat or by weight bands, free over an
 * amount, to some countries. The checks report every wrong field at once; the table's CHECKs
 * hold the same kind/price rule underneath.
 */
import { and, asc, count, eq, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { shippingMethods, type ShippingKind, type ShippingRate } from '../../db/schema/index.js';
import type { ShippingMethodInput } from '../../contract/index.js';
import { type FieldErrors, NotFound, say, throwIfAny, wrongFields } from '../../http/errors.js';
import { checkedFields } from '../../http/validation.js';
import { parseMoney, toPaise } from '../../lib/money.js';
import { countryCode } from '../../lib/places.js';

export type ShippingMethodRow = typeof shippingMethods.$inferSelect;
type ShippingValues = Partial<typeof shippingMethods.$inferInsert>;

const NOT_FOUND = 'No such shipping method.';

/** Money ≥ 0 as parseMoney reads it (the forms product prices accept); null with a message in `errors`. */
function moneyAtLeastZero(errors: FieldErrors, field: string, raw: unknown): string | null {
  const parsed = parseMoney(raw);
  if (!parsed.ok) errors[field] = [parsed.message];
  else if (toPaise(parsed.value) < 0)
    errors[field] = [say.atLeast(0)];
  return parsed.ok && !errors[field] ? parsed.value : null;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
// Without full ICU data every code reads as itself: then any two letters pass.
const knowsRegions = regionNames.of('IN') !== 'IN';

/** Whether a two-letter code names a country (or region) ICU knows: `XX` and `ZZ` do not. */
function isKnownCountry(code: string): boolean {
  if (!knowsRegions) return true;
  try {
    const name = regionNames.of(code);
    return name !== undefined && name !== code && name !== 'Unknown Region';
  } catch {
    return false;
  }
}

/** The countries as upper-case ISO 3166-1 alpha-2 codes, in order, without repeats. */
function countryCodes(errors: FieldErrors, raw: string[]): string[] {
  if (!raw.length) {
    errors.countries = ['Give at least one country.'];
    return [];
  }
  const codes: string[] = [];
  const wrong: string[] = [];
  for (const entry of raw) {
    const code = countryCode(entry);
    if (code === null || !isKnownCountry(code)) wrong.push(entry);
    else if (!codes.includes(code)) codes.push(code);
  }
  if (wrong.length) {
    errors.countries = [
      `Not ISO 3166-1 alpha-2 country codes: ${wrong.map((w) => JSON.stringify(w)).join(', ')} (give two-letter codes such as IN, or India).`,
    ];
  }
  return codes;
}

/** The weight bands sorted by weight; each wrong band's field is named (`rates.<i>.<field>`, as given). */
function weightBands(
  errors: FieldErrors,
  raw: NonNullable<ShippingMethodInput['rates']>,
): ShippingRate[] {
  const seen = new Map<number, number>();
  const bands: ShippingRate[] = [];
  raw.forEach((rate, i) => {
    const grams = rate.up_to_grams;
    if (grams < 1)
      errors[`rates.${i}.up_to_grams`] = [say.atLeast(1)];
    else if (seen.has(grams)) {
      errors[`rates.${i}.up_to_grams`] = [
        `Band ${seen.get(grams)} already ends at ${grams} grams.`,
      ];
    } else seen.set(grams, i);
    const price = moneyAtLeastZero(errors, `rates.${i}.price`, rate.price);
    if (price !== null) bands.push({ up_to_grams: grams, price });
  });
  return bands.sort((a, b) => a.up_to_grams - b.up_to_grams);
}

/**
 * The bands' own rules for the band fields the schema let through, when it refused another
 * (a band's weight sent as text): every wrong band field is still named in the one 400.
 */
function checkBandsLeft(errors: FieldErrors, sent: unknown[]): void {
  sent.forEach((rate, i) => {
    if (!rate || typeof rate !== 'object') return;
    const { up_to_grams: grams, price } = rate as Record<string, unknown>;
    const gramsField = `rates.${i}.up_to_grams`;
    const priceField = `rates.${i}.price`;
    if (!errors[gramsField] && typeof grams === 'number' && grams < 1) errors[gramsField] = [say.atLeast(1)];
    if (!errors[priceField] && price !== undefined) moneyAtLeastZero(errors, priceField, price);
  });
}

/**
 * The row values of a create (`current` undefined) or an update of `current`, checked as the
 * method will be afterwards. Changing the kind drops the other kind's field unless it is given
 * (then it must fit the new kind). `schemaErrors` are the body schema's messages: every wrong
 * field ends up in one ValidationError, and a field the schema refused is not judged again.
 */
function shippingValues(
  body: unknown,
  current?: ShippingMethodRow,
  schemaErrors: FieldErrors = {},
): ShippingValues {
  const input = checkedFields<ShippingMethodInput>(body, schemaErrors);
  const errors: FieldErrors = { ...schemaErrors };
  const wrong = wrongFields(schemaErrors);
  const ok = (field: string) => !wrong.has(field);
  const values: ShippingValues = {};
  const kind: ShippingKind | undefined = ok('kind') ? (input.kind ?? current?.kind) : undefined;
  if (input.kind !== undefined) values.kind = input.kind;
  else if (!current && ok('kind')) errors.kind = [say.required];
  if (input.name !== undefined) {
    values.name = input.name.trim();
    if (!values.name) errors.name = [say.blank];
  } else if (!current && ok('name')) errors.name = [say.required];

  const kindChanged =
    current !== undefined && input.kind !== undefined && input.kind !== current.kind;
  const givenPrice = input.price !== undefined && input.price !== null;
  if (kind === 'flat') {
    if (givenPrice) values.price = moneyAtLeastZero(errors, 'price', input.price);
    else if (ok('price') && (input.price === null || !current || kindChanged))
      errors.price = ['A flat method needs a price (0 or more).'];
    if (input.rates?.length)
      errors.rates = ['A flat method has no weight bands: give [] or leave rates out.'];
    else if (input.rates !== undefined || (kindChanged && ok('rates'))) values.rates = [];
  } else if (kind === 'weight') {
    if (givenPrice)
      errors.price = ['A weight method is priced by its bands: give null or leave price out.'];
    else if (input.price !== undefined || (kindChanged && ok('price'))) values.price = null;
    if (input.rates !== undefined) {
      values.rates = weightBands(errors, input.rates);
      if (!input.rates.length) errors.rates = ['A weight method needs at least one band.'];
    } else if (!ok('rates')) {
      const sent = (body as { rates?: unknown }).rates;
      if (Array.isArray(sent)) checkBandsLeft(errors, sent);
    } else if (!current || kindChanged) errors.rates = ['A weight method needs at least one band.'];
  }

  if (input.free_over !== undefined) {
    values.freeOver =
      input.free_over === null ? null : moneyAtLeastZero(errors, 'free_over', input.free_over);
  }
  if (input.countries !== undefined) values.countries = countryCodes(errors, input.countries);
  if (input.is_active !== undefined) values.isActive = input.is_active;
  throwIfAny(errors);
  return values;
}

/** Adds a shipping method (countries default to India); `schemaErrors` as in shippingValues. */
export async function createShippingMethod(
  ex: Executor,
  body: unknown,
  schemaErrors: FieldErrors = {},
): Promise<ShippingMethodRow> {
  const values = shippingValues(body, undefined, schemaErrors);
  const [row] = await ex
    .insert(shippingMethods)
    .values({ countries: ['IN'], ...values } as typeof shippingMethods.$inferInsert)
    .returning();
  return row!;
}

/** Changes a method under its row lock, so that two edits at once each see the other's result. */
export function updateShippingMethod(
  ex: Executor,
  id: number,
  body: unknown,
  schemaErrors: FieldErrors = {},
): Promise<ShippingMethodRow> {
  return ex.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(shippingMethods)
      .where(eq(shippingMethods.id, id))
      .for('update');
    if (!current) throw new NotFound(NOT_FOUND);
    const values = shippingValues(body, current, schemaErrors);
    const [row] = await tx
      .update(shippingMethods)
      .set({ ...values, updatedAt: new Date() })
      .where(eq(shippingMethods.id, id))
      .returning();
    return row!;
  });
}

export async function getShippingMethod(ex: Executor, id: number): Promise<ShippingMethodRow> {
  const [row] = await ex.select().from(shippingMethods).where(eq(shippingMethods.id, id));
  if (!row) throw new NotFound(NOT_FOUND);
  return row;
}

/** Deletes a method; orders that used it keep its name (their reference becomes null). */
export async function deleteShippingMethod(ex: Executor, id: number): Promise<void> {
  const deleted = await ex
    .delete(shippingMethods)
    .where(eq(shippingMethods.id, id))
    .returning({ id: shippingMethods.id });
  if (!deleted.length) throw new NotFound(NOT_FOUND);
}

/** Methods by id (the order checkout offers them in), optionally only active or inactive ones. */
export async function listShippingMethods(
  ex: Executor,
  filter: { isActive?: boolean },
  limit: number,
  offset: number,
): Promise<{ rows: ShippingMethodRow[]; count: number }> {
  const conditions: SQL[] = [];
  if (filter.isActive !== undefined) conditions.push(eq(shippingMethods.isActive, filter.isActive));
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    ex
      .select()
      .from(shippingMethods)
      .where(where)
      .orderBy(asc(shippingMethods.id))
      .limit(limit)
      .offset(offset),
    ex.select({ n: count() }).from(shippingMethods).where(where),
  ]);
  return { rows, count: total?.n ?? 0 };
}
