import { type Static, Type, type TSchema } from 'typebox';
import { ERROR_CODES } from './errors.js';

/** problem+json body (RFC 9457) with the stable `code`. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.Enum(Object.keys(ERROR_CODES) as [string, ...string[]]),
    errors: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
    request_id: Type.String(),
  },
  { $id: 'Problem', description: 'application/problem+json error' },
);

const ProblemRef = Type.Ref('Problem');

export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const IdParams = Type.Object({ id: Id });

/** Money in responses: a string with exactly two decimals. */
export const Money = Type.String({ pattern: '^-?\\d+\\.\\d{2}$', examples: ['1499.00'] });
export const Timestamp = Type.String({ format: 'date-time' });

export const Message = Type.Object({ message: Type.String() });

/**
 * A response field that may be null, as `type: [t, "null"]` rather than `anyOf`: the
 * serializer writes a type list directly but runs a validator per value for `anyOf` (seen in
 * profiles of the product list). For response schemas of one plain type only.
 */
export function Nullable<T extends TSchema & { type: string }>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
}

/** Problem responses for the given statuses, for a route's `response` schema. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const status of statuses) out[status] = ProblemRef;
  return out;
}

/** A paged list body: {count, next, previous, results}. */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    count: Type.Integer({ minimum: 0 }),
    next: Nullable(Type.String({ format: 'uri' })),
    previous: Nullable(Type.String({ format: 'uri' })),
    results: Type.Array(item),
  });
}

/** The highest page number a list accepts (API-v2 §0). */
const MAX_PAGE = 100_000;

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
};
