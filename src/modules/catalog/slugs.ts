import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../../db/client.js';
import { MAX_SLUG_LENGTH, slugify } from '../../lib/slug.js';

// Room kept for the longest `-N` suffix when choosing which existing slugs to read.
const SUFFIX_ROOM = 21;

/** `base` cut so that `base-n` fits in MAX_SLUG_LENGTH, without a hyphen before the suffix. */
function withSuffix(base: string, n: number): string {
  const suffix = `-${n}`;
  return `${base.slice(0, MAX_SLUG_LENGTH - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/**
 * A slug for `name` that no row of the table has yet: the plain slug, else the first free
 * `-2`, `-3`, … suffix, at most MAX_SLUG_LENGTH characters with the suffix (a long name's
 * slug is shortened to make room). Reserved words (route names such as `all`) and
 * all-digit slugs are never used bare.
 */
export async function uniqueSlug(
  ex: Executor,
  table: 'categories' | 'products',
  name: string,
  reserved: string[] = [],
): Promise<string> {
  const base = slugify(name, MAX_SLUG_LENGTH);
  // Every candidate starts with this stem (slugs hold only a-z, 0-9 and '-': no LIKE wildcards).
  const stem =
    base.length + SUFFIX_ROOM <= MAX_SLUG_LENGTH
      ? `${base}-`
      : base.slice(0, MAX_SLUG_LENGTH - SUFFIX_ROOM).replace(/-+$/, '');
  const rows = await queryRows<{ slug: string }>(
    ex,
    sql`select slug from ${sql.identifier(table)} where slug = ${base} or slug like ${stem + '%'}`,
  );
  const taken = new Set([...rows.map((r) => r.slug), ...reserved]);
  // A slug of digits alone would read as an id in `products/{id or slug}/`: never bare either.
  if (!taken.has(base) && !/^\d+$/.test(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = withSuffix(base, n);
    if (!taken.has(candidate)) return candidate;
  }
}
