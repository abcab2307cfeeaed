import { type Static, type TSchema, type TUnsafe, Type } from 'typebox';
import { ERROR_CODES } from './errors.js';

/**
 * A reference to a named schema of the contract (one with `$id`, registered once with
 * `app.addSchema`): the document shows it as a named component, and the route keeps the
 * schema's static type for its handler.
 */
export function ref<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  const { $id } = schema as { $id?: unknown };
  if (typeof $id !== 'string') throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref($id));
}

/** A path or query parameter's schema with its description and an example (for the document). */
export function param<T extends TSchema>(schema: T, description: string, example: unknown): T {
  return { ...schema, description, examples: [example] };
}

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
export const IdParams = Type.Object({ id: param(Id, 'The object’s id.', 1) });

/** Money in responses: a string with exactly two decimals. */
export const Money = Type.String({ pattern: '^-?\\d+\\.\\d{2}$', examples: ['1499.00'] });
export const Timestamp = Type.String({ format: 'date-time' });

export const Message = Type.Object({ message: Type.String() }, { $id: 'Message' });

/** A health check's answer, or a webhook's acknowledgement. */
export const Status = Type.Object({ status: Type.String() }, { $id: 'Status' });

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

/** A paged list body: {count, next, previous, results}, named `$id`. */
export function Page<T extends TSchema>($id: string, item: T) {
  return Type.Object(
    {
      count: Type.Integer({ minimum: 0 }),
      next: Nullable(Type.String({ format: 'uri' })),
      previous: Nullable(Type.String({ format: 'uri' })),
      results: Type.Array(item),
    },
    { $id },
  );
}

/** The highest page number a list accepts (API-v2 §0). */
const MAX_PAGE = 100_000;

export const PageQuery = {
  page: Type.Optional(
    param(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1 }), 'The page number, from 1.', 2),
  ),
  page_size: Type.Optional(
    param(Type.Integer({ minimum: 1, maximum: 100, default: 50 }), 'Results per page (1–100).', 20),
  ),
};

/** The query string of a list with nothing but paging. */
export const PageQueryParams = Type.Object(PageQuery);
