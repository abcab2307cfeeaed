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
  [/\{id_or_slug\}/, 'productSlug'],
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
export function sweepOf(op: Operation): { base: RequestSpec; variants: RequestSpec[] } {
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
  const variants: RequestSpec[] = [];
  for (const p of op.parameters) {
    if (p.in === 'path') {
      for (const trap of trapsFor(p.schema, true))
        variants.push({ ...base, path: { ...path, [p.name]: trap } });
    } else if (p.in === 'query') {
      for (const trap of trapsFor(p.schema, true))
        variants.push({ ...base, query: [[p.name, trap]] });
    }
  }
  for (const [name, schema] of Object.entries(properties)) {
    for (const trap of trapsFor(schema, false))
      variants.push({ ...base, body: { ...body, [name]: trap } });
  }
  return { base, variants };
}
