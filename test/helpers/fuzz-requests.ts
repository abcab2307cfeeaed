/**
 * Requests generated from the OpenAPI document for the fuzz test: each operation's
 * parameters and body, mostly valid-looking, with junk mixed in everywhere.
 *
 * Generated values refer to the fixtures symbolically (`Ref`), resolved against the
 * `World` only when the request is sent, so a seed replays the same request in any run.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  anyJunk,
  BOUND_NUMBERS,
  BROKEN_JSON,
  NUMBER_TRAPS,
  NUMBER_TRAPS_TEXT,
  ODD_TEXT,
  WRONG_TYPES,
  encodePart,
  headerJunk,
  numbersAround,
  RawJson,
  stringsAround,
  textJunk,
  toJson,
} from './fuzz-junk.js';
import type { World } from './fuzz-world.js';

type Schema = Record<string, any>;

export interface Operation {
  method: string;
  path: string;
  parameters: { in: string; name: string; required?: boolean; schema: Schema }[];
  body?: Schema;
}

/** A fixture chosen by name, resolved when the request is sent. */
export class Ref {
  constructor(readonly name: keyof World['refs']) {}
  toString() {
    return `<${this.name}>`;
  }
}

/** A header whose value is the HMAC of the final body with the webhook secret. */
export class Sign {
  toString() {
    return '<signature of the body>';
  }
}

export type Caller =
  'anonymous' | 'shopper' | 'admin' | 'guest' | 'junk-token' | 'refresh-as-access';

/** One generated request, before fixture ids are filled in. */
export interface RequestSpec {
  caller: Caller;
  path: Record<string, unknown>;
  query: [string, unknown][];
  headers: Record<string, unknown>;
  contentType: string | null;
  /** undefined: no body; anything else is written as JSON (RawJson as is). */
  body: unknown;
  trailingSlash: boolean;
}

/** Every operation of an OpenAPI 3 document, with $refs to its components resolved. */
export function operationsOf(doc: Schema): Operation[] {
  const resolve = (schema: Schema | undefined): Schema | undefined => {
    if (!schema?.$ref) return schema;
    return doc.components.schemas[String(schema.$ref).split('/').pop()!];
  };
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries<Schema>(doc.paths)) {
    for (const [method, op] of Object.entries<Schema>(ops)) {
      const body = op.requestBody?.content?.['application/json']?.schema;
      out.push({
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? []).map((p: Schema) => ({
          ...p,
          schema: resolve(p.schema) ?? {},
        })),
        ...(body ? { body: resolve(body) } : {}),
      });
    }
  }
  return out;
}

const INT_REFS = [
  'product',
  'product2',
  'inactiveProduct',
  'category',
  'childCategory',
  'address',
  'order',
  'paidOrder',
  'cartItem',
  'guestCartItem',
  'shopperId',
  'adminId',
  'victimId',
] as const;
const SLUG_REFS = ['categorySlug', 'childCategorySlug', 'productSlug'] as const;

/** Text that passes the usual checks of a field with this name or format. */
function plausibleText(name: string, schema: Schema): fc.Arbitrary<unknown> {
  const n = name.toLowerCase();
  if (schema.format === 'email' || n === 'email')
    return fc.constantFrom('fuzz@example.com', 'Fuzz.User+1@Example.COM');
  if (schema.format === 'date' || n.endsWith('_date'))
    return fc.constantFrom('2026-01-15', '2025-12-31', '2000-02-29');
  if (schema.format === 'uri' || n.endsWith('_url'))
    return fc.constantFrom('https://example.com/a.png', 'http://x.io');
  if (n.includes('password')) return fc.constantFrom('Correct-Horse-42', 'Another-Battery-77');
  if (n === 'phone') return fc.constantFrom('+91 98765 43210', '');
  if (n === 'postal_code') return fc.constantFrom('411001', 'SW1A 1AA');
  if (n === 'tz') return fc.constantFrom('Asia/Kolkata', 'UTC', 'America/New_York', 'Etc/GMT+12');
  if (n === 'price' || n.endsWith('_price'))
    return fc.constantFrom('100.00', '0.01', '9999999999.99', '1499.5');
  if (n === 'slug' || n === 'category')
    return fc.constantFrom(...SLUG_REFS).map((r) => new Ref(r));
  if (n === 'razorpay_order_id') return fc.constant(new Ref('razorpayOrderId'));
  if (n === 'refresh') return fc.constant(new Ref('refreshToken'));
  const max = Math.min(schema.maxLength ?? 30, 30);
  const min = Math.min(schema.minLength ?? 0, max);
  return fc.string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_-'),
    minLength: Math.max(min, 3),
    maxLength: Math.max(max, 3),
  });
}

/** A value that satisfies the schema as far as a generator can tell. */
export function plausible(schema: Schema, name = ''): fc.Arbitrary<unknown> {
  // Prices are text or numbers in the schema; plausible ones are decimal text.
  if (/price$/.test(name)) return plausibleText(name, schema);
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.const !== undefined) return fc.constant(schema.const);
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (branches) {
    // A branch without a type takes the union's own keywords (not its branches again).
    const { anyOf: _anyOf, oneOf: _oneOf, ...outer } = schema;
    return fc.oneof(...branches.map((b) => plausible({ ...b, ...(b.type ? {} : outer) }, name)));
  }
  const type = schema.type;
  if (Array.isArray(type))
    return fc.oneof(...type.map((t: string) => plausible({ ...schema, type: t }, name)));
  switch (type) {
    case 'integer': {
      const min = schema.minimum ?? -1000;
      const max = schema.maximum ?? 1000;
      return fc.oneof(
        fc.constantFrom(...INT_REFS).map((r) => new Ref(r)),
        fc.integer({ min: Math.max(min, -1e9), max: Math.min(max, 1e9) }),
        fc.constantFrom(min, max),
      );
    }
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'object':
      return objectOf(schema, false);
    case 'array':
      return fc.array(plausible(schema.items ?? {}, name), { maxLength: 3 });
    default:
      return plausibleText(name, schema);
  }
}

/** Junk aimed at this schema: its own bounds, the traps of its type, then anything. */
function junkFor(schema: Schema): fc.Arbitrary<unknown> {
  const near = [
    ...numbersAround(schema.minimum, schema.maximum),
    ...stringsAround(schema.minLength, schema.maxLength),
  ];
  const types = [
    schema.type,
    ...((schema.anyOf ?? schema.oneOf ?? []) as Schema[]).map((b) => b.type),
  ].flat();
  const numeric = types.includes('integer') || types.includes('number');
  const traps = numeric ? NUMBER_TRAPS : types.includes('string') ? ODD_TEXT : WRONG_TYPES;
  return fc.oneof(
    { arbitrary: fc.constantFrom(...traps), weight: 3 },
    { arbitrary: fc.constantFrom(...(near.length ? near : BOUND_NUMBERS)), weight: 2 },
    { arbitrary: anyJunk, weight: 2 },
  );
}

/** A value for a field: usually plausible, often junk. */
function fieldValue(schema: Schema, name: string): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: plausible(schema, name), weight: 1 },
    { arbitrary: junkFor(schema), weight: 1 },
  );
}

const EXTRA_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'id',
  'user',
  'user_id',
  'is_staff',
  'is_superuser',
  'password_hash',
  'status',
  'total_amount',
  'stock',
  '',
  ' ',
  '\u0000',
  '😀',
];

/** The template with each leaf kept, made junk or dropped, and whole branches swapped for junk. */
export function mutated(template: unknown): fc.Arbitrary<unknown> {
  if (
    template &&
    typeof template === 'object' &&
    !(template instanceof Ref) &&
    !Array.isArray(template)
  ) {
    const fields = Object.entries(template).map(([name, value]) =>
      fc.oneof(
        { arbitrary: mutated(value).map((v) => [name, v] as const), weight: 8 },
        { arbitrary: fc.constant(null), weight: 1 },
      ),
    );
    const object = fc
      .tuple(...fields)
      .map((kept) => Object.fromEntries(kept.filter((f) => f !== null)));
    return fc.oneof({ arbitrary: object, weight: 8 }, { arbitrary: anyJunk, weight: 1 });
  }
  return fc.oneof(
    { arbitrary: fc.constant(template), weight: 3 },
    { arbitrary: anyJunk, weight: 1 },
  );
}

/** An object from the schema's properties: some missing, some junk, maybe extra keys. */
function objectOf(schema: Schema, mutate: boolean): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries<Schema>(schema.properties ?? {});
  const required = new Set<string>(schema.required ?? []);
  const fields = props.map(([name, sub]) => {
    const value = mutate ? fieldValue(sub, name) : plausible(sub, name);
    const missingWeight = required.has(name) ? (mutate ? 1 : 0) : 2;
    const present = value.map((v) => [name, v] as const);
    return missingWeight
      ? fc.oneof(
          { arbitrary: fc.constant(null), weight: missingWeight },
          { arbitrary: present, weight: 6 },
        )
      : present;
  });
  const extras = mutate
    ? fc.array(
        fc.tuple(fc.oneof(fc.constantFrom(...EXTRA_KEYS), fc.string({ maxLength: 12 })), anyJunk),
        { maxLength: 2 },
      )
    : fc.constant([]);
  return fc
    .tuple(fc.tuple(...fields), extras)
    .map(([present, extra]) =>
      Object.fromEntries([...present.filter((f) => f !== null), ...extra]),
    );
}

/** A request body for an operation's body schema, junk in every way a client could send. */
function bodyFor(schema: Schema | undefined): fc.Arbitrary<unknown> {
  const isObject = schema?.type === 'object';
  return fc.oneof(
    { arbitrary: isObject ? oneJunkField(schema) : fc.jsonValue({ maxDepth: 2 }), weight: 6 },
    { arbitrary: isObject ? objectOf(schema, true) : anyJunk, weight: 4 },
    { arbitrary: anyJunk, weight: 2 },
    { arbitrary: fc.constantFrom(...BROKEN_JSON).map((text) => new RawJson(text)), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
}

/** A plausible object with one field made junk or left out: junk that reaches the code. */
function oneJunkField(schema: Schema): fc.Arbitrary<Record<string, unknown>> {
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const names = Object.keys(props);
  if (!names.length) return objectOf(schema, true);
  return fc.tuple(objectOf(schema, false), fc.constantFrom(...names)).chain(([base, name]) =>
    fc.oneof(
      { arbitrary: junkFor(props[name]!).map((v) => ({ ...base, [name]: v })), weight: 5 },
      {
        arbitrary: fc.constant(
          Object.fromEntries(Object.entries(base).filter(([k]) => k !== name)),
        ),
        weight: 1,
      },
    ),
  );
}

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/json, text/plain',
  '*/*',
  '',
];

/** Numbers (as text) at and past the schema's bounds, and the usual suspects. */
function nearBounds(schema: Schema): fc.Arbitrary<unknown> {
  return fc.constantFrom(...numbersAround(schema.minimum, schema.maximum), ...NUMBER_TRAPS_TEXT);
}

function paramValue(param: Operation['parameters'][number]): fc.Arbitrary<unknown> {
  if (param.in === 'header') {
    const valid = param.name === 'x-cart-token' ? fc.constant(new Ref('guestToken')) : fc.uuid();
    return fc.oneof(valid, headerJunk);
  }
  if (param.in === 'path') {
    return fc.oneof(
      { arbitrary: plausible(param.schema, param.name), weight: 2 },
      { arbitrary: textJunk, weight: 1 },
      { arbitrary: nearBounds(param.schema), weight: 2 },
    );
  }
  return fc.oneof(plausible(param.schema, param.name), textJunk, nearBounds(param.schema));
}

/** Every way to call an operation, junk included. */
export function requestsFor(op: Operation): fc.Arbitrary<RequestSpec> {
  const byIn = (where: string) => op.parameters.filter((p) => p.in === where);
  const path = fc.record(Object.fromEntries(byIn('path').map((p) => [p.name, paramValue(p)])));
  const queryParams = byIn('query');
  const plausibleQuery = fc
    .tuple(
      ...queryParams.map((p) =>
        fc.option(
          plausible(p.schema, p.name).map((v) => [p.name, v] as [string, unknown]),
          { nil: null },
        ),
      ),
    )
    .map((pairs) => pairs.filter((pair) => pair !== null));
  const junkPair = fc.tuple(
    fc.oneof(
      { arbitrary: fc.constantFrom(...queryParams.map((p) => p.name), 'page'), weight: 4 },
      { arbitrary: fc.constantFrom('limit', 'offset', 'format', 'x', ''), weight: 1 },
    ),
    fc.oneof(textJunk, fc.constantFrom(...NUMBER_TRAPS_TEXT)),
  );
  const query = fc.oneof(
    {
      // One parameter junk (sometimes twice over), the others plausible or absent.
      arbitrary: fc
        .tuple(plausibleQuery, junkPair, fc.boolean())
        .map(([pairs, [name, value], twice]) => [
          ...pairs.filter(([k]) => k !== name),
          [name, value] as [string, unknown],
          ...(twice ? pairs.filter(([k]) => k === name) : []),
        ]),
      weight: 3,
    },
    {
      arbitrary: fc
        .tuple(...queryParams.map((p) => fc.option(paramValue(p), { nil: null })))
        .map((values) =>
          values.flatMap((v, i) =>
            v === null ? [] : [[queryParams[i]!.name, v] as [string, unknown]],
          ),
        ),
      weight: 1,
    },
    { arbitrary: plausibleQuery, weight: 1 },
  );
  const headers = fc.record(
    Object.fromEntries(byIn('header').map((p) => [p.name, paramValue(p)])),
    { requiredKeys: [] },
  );
  return fc.record({
    caller: fc.constantFrom<Caller>(
      ...(['anonymous', 'guest', 'junk-token', 'refresh-as-access'] as const),
      ...(['shopper', 'admin'] as const).flatMap((c) => [c, c, c]),
    ),
    path,
    query,
    headers,
    contentType: fc.oneof(
      { arbitrary: fc.constant('application/json'), weight: 10 },
      { arbitrary: fc.constantFrom<string | null>(null, ...CONTENT_TYPES), weight: 1 },
    ),
    body: op.body || op.method !== 'GET' ? bodyFor(op.body) : fc.constant(undefined),
    trailingSlash: fc.boolean(),
  });
}

/** Replaces Refs by the world's values. */
function resolve(value: unknown, world: World): unknown {
  if (value instanceof Ref) return world.refs[value.name];
  if (value instanceof RawJson) return value;
  if (Array.isArray(value)) return value.map((v) => resolve(v, world));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, world)]));
  }
  return value;
}

export interface Built {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** The concrete request: URL with encoded path and query, headers, body text. */
export function build(op: Operation, spec: RequestSpec, world: World): Built {
  let url = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodePart(String(resolve(spec.path[name], world))),
  );
  if (spec.trailingSlash && !url.endsWith('/')) url += '/';
  const query = spec.query.map(
    ([k, v]) => `${encodePart(k)}=${encodePart(String(resolve(v, world)))}`,
  );
  if (query.length) url += `?${query.join('&')}`;
  const headers: Record<string, string> = { ...world.callers[spec.caller] };
  const body = resolve(spec.body, world);
  const payload = body === undefined ? undefined : toJson(body);
  for (const [name, value] of Object.entries(spec.headers)) {
    headers[name] =
      value instanceof Sign
        ? createHmac('sha256', world.webhookSecret)
            .update(payload ?? '')
            .digest('hex')
        : String(resolve(value, world));
  }
  if (payload === undefined) return { method: op.method, url, headers };
  if (spec.contentType !== null) headers['content-type'] = spec.contentType;
  return { method: op.method, url, headers, payload };
}
