import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';
import { type FieldErrors, wrongFields } from './errors.js';

/**
 * How requests are validated. Ajv never coerces types: a JSON body must carry the types its
 * schema names (`{"quantity": "2"}`, `[2]` or `true` are 400, never 2 or 1). Query strings,
 * path parameters and headers are text by nature, so before Ajv sees them, `parseText`
 * turns the text of integer, number and boolean fields into values — only finite decimal
 * numbers (`"12"`, `"-3"`, `"1.50"`) and `"true"`/`"false"`. Anything else (`"Infinity"`,
 * `"1e300"`, `"0x10"`, `" 1"`, `"12abc"`, a repeated parameter where one value is expected)
 * stays as it came and fails the schema's type, naming the field. Range checks then apply
 * to real numbers: `?page=1000000000000000000` is 400, not a query with an absurd offset.
 */

type Schema = Record<string, unknown>;
type Validate = ((data: unknown, ctx?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type Kind = 'integer' | 'number' | 'boolean' | 'other';
interface Field {
  kind: Kind;
  /** The field is a list (`?tag=a&tag=b`): one value becomes a list of one. */
  list: boolean;
}

const INTEGER_TEXT = /^-?\d{1,20}$/;
const DECIMAL_TEXT = /^-?\d{1,20}(\.\d{1,20})?$/;

function kindOf(schema: Schema | undefined): Kind {
  const type = schema?.type;
  const types = Array.isArray(type) ? type : [type];
  if (types.includes('integer')) return 'integer';
  if (types.includes('number')) return 'number';
  if (types.includes('boolean')) return 'boolean';
  return 'other';
}

/** The text fields of an object schema that need parsing, by name. */
function fieldsOf(schema: Schema): Map<string, Field> {
  const fields = new Map<string, Field>();
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [name, property] of Object.entries(properties)) {
    const list = property.type === 'array';
    const kind = kindOf(list ? (property.items as Schema | undefined) : property);
    if (kind !== 'other' || list) fields.set(name, { kind, list });
  }
  return fields;
}

function parseScalar(kind: Kind, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (kind === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  if (kind === 'other' || !(kind === 'integer' ? INTEGER_TEXT : DECIMAL_TEXT).test(value)) return value;
  return Number(value);
}

/** Parses the text of `data`'s number and boolean fields in place (see the module comment). */
function parseText(fields: Map<string, Field>, data: unknown): void {
  if (!data || typeof data !== 'object') return;
  const record = data as Record<string, unknown>;
  for (const [name, field] of fields) {
    const value = record[name];
    if (value === undefined) continue;
    if (field.list) {
      const values = Array.isArray(value) ? value : [value];
      record[name] = values.map((v) => parseScalar(field.kind, v));
    } else {
      record[name] = parseScalar(field.kind, value);
    }
  }
}

type ValidatorFactory = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']
>;

type Compiled = ReturnType<ReturnType<ValidatorFactory>>;

/**
 * Fastify's Ajv compiler without type coercion, with text parsing in front of the
 * validators of query strings, path parameters and headers.
 */
export function buildValidator(): ValidatorFactory {
  const pool = AjvCompiler();
  return (externalSchemas, options) => {
    const customOptions = { ...options?.customOptions, coerceTypes: false as const };
    const compile = pool(externalSchemas, { ...options, customOptions } as Parameters<typeof pool>[1]);
    return (route) => {
      const validate = compile(route) as unknown as Validate;
      const schema = route.schema as Schema;
      if (route.httpPart === 'body' || schema.type !== 'object') return validate as unknown as Compiled;
      const fields = fieldsOf(schema);
      if (fields.size === 0) return validate as unknown as Compiled;
      const parsing: Validate = (data, ctx) => {
        parseText(fields, data);
        const valid = validate(data, ctx);
        parsing.errors = validate.errors;
        return valid;
      };
      parsing.schemaEnv = validate.schemaEnv;
      return parsing as unknown as Compiled;
    };
  };
}

/**
 * The part of a body that passed its schema, for a route that reports the schema's messages
 * together with its own checks (`attachedBodyErrors`): the fields `schemaErrors` does not name,
 * each of the type its schema gives. Nothing when the body is not an object at all.
 */
export function checkedFields<T extends object>(body: unknown, schemaErrors: FieldErrors): Partial<T> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return {};
  if (!Object.keys(schemaErrors).length) return body as Partial<T>;
  const wrong = wrongFields(schemaErrors);
  return Object.fromEntries(Object.entries(body).filter(([field]) => !wrong.has(field))) as Partial<T>;
}
