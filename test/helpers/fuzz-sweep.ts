/**
 * The deterministic half of the fuzz test: one plausible request per operation, then the
 * same request with exactly one parameter or body field replaced by each trap of its type.
 * Random requests explore; this sweep makes sure every field meets every known trap.
 */
import fc from 'fast-check';
import { RawJson, stringsAround } from './fuzz-junk.js';
import { type Operation, plausible, Ref, type RequestSpec } from './fuzz-requests.js';
import type { World } from './fuzz-world.js';

type Schema = Record<string, any>;

// prettier-ignore
const NUMBER_BODY: unknown[] = [
  'Infinity', '-Infinity', 'NaN', '1e300', new RawJson('1e400'), '1000000000000000000', '12abc', true, [2], null,
  2147483648, 2 ** 53, 1e300, -1, 0, 1.5,
];
// prettier-ignore
const NUMBER_TEXT = [
  'Infinity', '-Infinity', 'NaN', '1e300', '1e400', '1000000000000000000', '99999999999999999999', '2147483648',
  '9007199254740993', '12abc', '0x10', '-1', '0', '1.5', '',
];
const TEXT_BODY: unknown[] = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x'.repeat(10_000),
  42,
  null,
  [],
  true,
];
const TEXT_URL = [
  '\u0000',
  '\ud800',
  '😀',
  'a'.repeat(101),
  'US/Pacific-New',
  '0000-01-01',
  '9999-12-31',
];
const BOOLEAN = ['true', 1, null, 'yes'];
const ENUM = ['', 'PENDING', 1, null, '\u0000'];

function trapsFor(schema: Schema, inUrl: boolean): unknown[] {
  const types = [schema.type, ...((schema.anyOf ?? []) as Schema[]).map((b) => b.type)].flat();
  if (schema.enum) return inUrl ? ENUM.map(String) : ENUM;
  if (types.includes('integer') || types.includes('number'))
    return inUrl ? NUMBER_TEXT : NUMBER_BODY;
  if (types.includes('boolean')) return inUrl ? ['yes', '2', ''] : BOOLEAN;
  const near = stringsAround(undefined, schema.maxLength).slice(-2);
  return [...(inUrl ? TEXT_URL : TEXT_BODY), ...near];
}

/**
 * Whether the schema forbids this value outright (wrong JSON type, not finite, not an
 * integer, past a bound), so that the API must refuse it rather than coerce it. Only
 * integer and boolean fields are judged: their rule leaves no room for interpretation.
 */
function forbids(schema: Schema, value: unknown, inUrl: boolean): boolean {
  const types = [schema.type].flat();
  if (types.includes('null') && value === null) return false;
  if (types.includes('boolean') && types.length === 1) {
    return inUrl ? !['true', 'false'].includes(String(value)) : typeof value !== 'boolean';
  }
  if (!(types.includes('integer') && types.filter((t) => t !== 'null').length === 1)) return false;
  let n: number;
  if (inUrl) {
    if (value === '') return false; // an empty query parameter may mean "not given"
    if (!/^-?\d+$/.test(String(value))) return true;
    n = Number(value);
  } else {
    if (value instanceof RawJson) return true;
    if (typeof value !== 'number') return true;
    n = value;
  }
  return (
    !Number.isInteger(n) ||
    (schema.minimum !== undefined && n < schema.minimum) ||
    (schema.maximum !== undefined && n > schema.maximum)
  );
}

/** Which fixture a parameter or field names, for the plausible request. */
const FIELD_REFS: Record<string, keyof World['refs']> = {
  product_id: 'product',
  order_id: 'order',
  shipping_address_id: 'address',
  category: 'category',
  parent: 'childCategory',
  user: 'shopperId',
  order: 'paidOrder',
  razorpay_order_id: 'razorpayOrderId',
};
const PATH_REFS: [RegExp, keyof World['refs']][] = [
  [/addresses/, 'address'],
  [/products/, 'product2'],
  [/categories/, 'childCategorySlug'],
  [/cart\/items/, 'cartItem'],
  [/orders/, 'order'],
  [/admin\/users/, 'victimId'],
];

const sample = (arbitrary: fc.Arbitrary<unknown>) =>
  fc.sample(arbitrary, { seed: 1, numRuns: 1 })[0];

function plausibleValue(schema: Schema, name: string): unknown {
  const ref = FIELD_REFS[name];
  return ref ? new Ref(ref) : sample(plausible(schema, name));
}

/** The one plausible request and its single-trap variants. */
export interface Variant extends RequestSpec {
  /** The field whose value the API must refuse (never a 2xx), if any. */
  mustRefuse?: string;
}

export function sweepOf(op: Operation): { base: RequestSpec; variants: Variant[] } {
  const pathRef = PATH_REFS.find(([pattern]) => pattern.test(op.path))?.[1];
  const path = Object.fromEntries(
    op.parameters
      .filter((p) => p.in === 'path')
      .map((p) => [p.name, pathRef ? new Ref(pathRef) : 1]),
  );
  const properties = (op.body?.properties ?? {}) as Record<string, Schema>;
  const body = op.body
    ? Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, plausibleValue(s, k)]))
    : undefined;
  const base: RequestSpec = {
    caller: 'shopper',
    path,
    query: [],
    headers: {},
    contentType: 'application/json',
    body,
    trailingSlash: true,
  };
  const variants: Variant[] = [];
  const refuse = (schema: Schema, name: string, trap: unknown, inUrl: boolean) =>
    forbids(schema, trap, inUrl) ? { mustRefuse: name } : {};
  for (const p of op.parameters) {
    if (p.in === 'path') {
      for (const trap of trapsFor(p.schema, true))
        variants.push({ ...base, path: { ...path, [p.name]: trap } });
    } else if (p.in === 'query') {
      for (const trap of trapsFor(p.schema, true)) {
        variants.push({
          ...base,
          query: [[p.name, trap]],
          ...refuse(p.schema, p.name, trap, true),
        });
      }
    }
  }
  for (const [name, schema] of Object.entries(properties)) {
    for (const trap of trapsFor(schema, false)) {
      variants.push({
        ...base,
        body: { ...body, [name]: trap },
        ...refuse(schema, name, trap, false),
      });
    }
  }
  return { base, variants };
}
