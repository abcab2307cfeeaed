import { inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { taxClasses } from '../../db/schema/index.js';

/** Which of these tax class ids name no class (for other modules' 400s naming their `tax_class` field). */
export async function missingTaxClasses(
  ex: Executor,
  ids: readonly number[],
): Promise<Set<number>> {
  const wanted = [...new Set(ids)];
  if (!wanted.length) return new Set();
  const found = await ex
    .select({ id: taxClasses.id })
    .from(taxClasses)
    .where(inArray(taxClasses.id, wanted));
  const existing = new Set(found.map((r) => r.id));
  return new Set(wanted.filter((id) => !existing.has(id)));
}

/** The foreign keys from products and variants to tax classes (a class deleted under a write). */
export const TAX_CLASS_FOREIGN_KEYS = [
  'products_tax_class_id_tax_classes_id_fk',
  'product_variants_tax_class_id_tax_classes_id_fk',
] as const;
