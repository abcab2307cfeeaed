import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../../db/client.js';
import { slugify } from '../../lib/slug.js';

/**
 * A slug for `name` that no row of the table has yet: the plain slug, else the first free
 * `-2`, `-3`, … suffix. Reserved words (route names such as `all`) and all-digit slugs are
 * never used bare.
 */
export async function uniqueSlug(
  ex: Executor,
  table: 'categories' | 'products',
  name: string,
  reserved: string[] = [],
): Promise<string> {
  const base = slugify(name, 100);
  const rows = await queryRows<{ slug: string }>(
    ex,
    sql`select slug from ${sql.identifier(table)} where slug = ${base} or slug like ${base + '-%'}`,
  );
  const taken = new Set([...rows.map((r) => r.slug), ...reserved]);
  // A slug of digits alone would read as an id in `products/{id or slug}/`: never bare either.
  if (!taken.has(base) && !/^\d+$/.test(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
