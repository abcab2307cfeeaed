/**
 * `PUT /api/products/{id}/options/`: replacing a product's option list (API-v2 §1). The
 * variants follow: a new option gives every variant its first value; removing a name is
 * allowed only while the product has one variant; a value a variant uses cannot go.
 */
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { products, type ProductOption } from '../../db/schema/index.js';
import { Conflict, type FieldErrors, throwIfAny } from '../../http/errors.js';
import type { ProductOptionsInput } from '../../contract/index.js';
import { bumpCatalogVersion } from './counts.js';
import { autoTitle, comboKey, normalizeOptions, type VariantOptions } from './variant-rules.js';
import { lockProduct, type VariantRow } from './variant-store.js';

/**
 * Replaces the product's options and moves its variants' values along (one transaction).
 * `schemaErrors` (the body's schema findings) are reported with the list's own rules at once.
 */
export async function setProductOptions(
  database: Database,
  productId: number,
  body: unknown,
  schemaErrors: FieldErrors = {},
) {
  const errors: FieldErrors = { ...schemaErrors };
  const given = (body as Partial<ProductOptionsInput> | null)?.options;
  const next = normalizeOptions(Array.isArray(given) ? given : [], errors);
  throwIfAny(errors);
  await database.db.transaction(async (tx) => {
    const { product, variants } = await lockProduct(tx, productId);
    const moved = moveVariants(product.options, next, variants);
    await tx.update(products).set({ options: next, updatedAt: new Date() }).where(eq(products.id, productId));
    const changed = moved.filter((m) => m.changed);
    if (changed.length) {
      const rows = changed.map((m) => ({ id: m.id, options: m.options, title: m.title }));
      await tx.execute(sql`
        update product_variants v set options = u.options, title = u.title, updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as u(id int, options jsonb, title text)
        where v.id = u.id and v.product_id = ${productId}`);
    }
    await bumpCatalogVersion(tx);
  });
}

/** Each variant's options under the new list (409 when the change would strand a variant). */
function moveVariants(previous: ProductOption[], next: ProductOption[], variants: VariantRow[]) {
  const oldByName = new Map(previous.map((o) => [o.name.toLowerCase(), o]));
  const newNames = new Set(next.map((o) => o.name.toLowerCase()));
  const removed = previous.filter((o) => !newNames.has(o.name.toLowerCase()));
  if (removed.length && variants.length > 1) {
    throw new Conflict(
      `Option ${removed.map((o) => `"${o.name}"`).join(', ')} cannot be removed while the product has ` +
        'several variants: delete the variants that differ by it first.',
    );
  }
  for (const option of next) {
    const old = oldByName.get(option.name.toLowerCase());
    if (!old) continue;
    const gone = old.values.filter((v) => !option.values.includes(v));
    const inUse = gone.filter((value) => variants.some((v) => v.options[old.name] === value));
    if (inUse.length) {
      throw new Conflict(
        `Value ${inUse.map((v) => `"${v}"`).join(', ')} of option "${old.name}" is used by a variant: ` +
          'change or delete those variants first.',
      );
    }
  }
  const moved = variants.map((v) => {
    const options: VariantOptions = {};
    for (const option of next) {
      const old = oldByName.get(option.name.toLowerCase());
      options[option.name] = (old && v.options[old.name]) || option.values[0]!;
    }
    // A title made from the values (or "Default") follows them; one typed in stays.
    const followsValues = v.title === autoTitle(previous, v.options) || v.title === 'Default';
    const title = followsValues ? autoTitle(next, options) : v.title;
    const changed = JSON.stringify(sortKeys(options)) !== JSON.stringify(sortKeys(v.options)) || title !== v.title;
    return { id: v.id, options, title, changed };
  });
  const combos = new Set(moved.map((m) => comboKey(next, m.options)));
  if (combos.size !== moved.length) {
    throw new Conflict('Two variants would have the same option values.');
  }
  return moved;
}

function sortKeys(options: VariantOptions): [string, string][] {
  return Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1));
}
