/**
 * The longest slug made for a product or category, `-N` suffix included: short enough for
 * any URL and for the router (see `maxParamLength` in app.ts, which also admits the longer
 * slugs of earlier versions).
 */
export const MAX_SLUG_LENGTH = 80;

/** URL slug from a name: lower-case ASCII letters and digits joined by hyphens. */
export function slugify(name: string, maxLength = MAX_SLUG_LENGTH): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
  return slug || 'item';
}
