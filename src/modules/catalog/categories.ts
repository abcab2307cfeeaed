import { asc, eq, sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../../db/client.js';
import { isReferencedViolation } from '../../db/errors.js';
import { categories, products } from '../../db/schema/index.js';
import { addFieldError, Conflict, type FieldErrors, NotFound, say, throwIfAny } from '../../http/errors.js';
import { checkedFields } from '../../http/validation.js';
import type { Database } from '../../db/client.js';
import { uniqueSlug } from './slugs.js';
import { bumpCatalogVersion } from './counts.js';
import type { CategoryInput } from '../../contract/index.js';

export type CategoryRow = typeof categories.$inferSelect;
export interface CategoryNode extends CategoryRow {
  children: CategoryNode[];
}

// Tree writes (create, move, delete) take this transaction lock, so that two concurrent
// moves can never build a cycle and name/slug checks cannot race.
const TREE_LOCK = 727_002;
const RESERVED_SLUGS = ['all'];
const NOT_FOUND = 'Category not found.';

/** Nests flat rows (ordered by name) into trees; returns the roots. */
function assemble(rows: CategoryRow[], rootId: number | null = null): CategoryNode[] {
  const nodes = new Map<number, CategoryNode>(rows.map((r) => [r.id, { ...r, children: [] }]));
  const roots: CategoryNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId === null ? undefined : nodes.get(node.parentId);
    if (node.id === rootId || !parent) roots.push(node);
    else parent.children.push(node);
  }
  return rootId === null ? roots : roots.filter((n) => n.id === rootId);
}

/** Every category, each with its subtree: one query, assembled in memory. */
export async function allCategories(database: Database): Promise<CategoryNode[]> {
  const roots = await categoryTree(database);
  const flat: CategoryNode[] = [];
  const walk = (list: CategoryNode[]) => list.forEach((n) => (flat.push(n), walk(n.children)));
  walk(roots);
  return flat.sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
}

/** The top-level categories with their subtrees. */
export async function categoryTree(database: Database): Promise<CategoryNode[]> {
  const rows = await database.db.select().from(categories).orderBy(asc(categories.name), asc(categories.id));
  return assemble(rows);
}

function subtreeRows(ex: Executor, slug: string) {
  return queryRows<{
    id: number;
    name: string;
    slug: string;
    description: string;
    parent_id: number | null;
    created_at: Date | string;
    updated_at: Date | string;
  }>(
    ex,
    sql`with recursive sub as (
          select * from ${categories} where ${categories.slug} = ${slug}
          union all
          select c.* from ${categories} c join sub on c.parent_id = sub.id
        )
        select id, name, slug, description, parent_id, created_at, updated_at from sub order by name, id`,
  );
}

/** One category by slug, with its subtree (one recursive query). */
export async function getCategory(ex: Executor, slug: string): Promise<CategoryNode> {
  const rows = (await subtreeRows(ex, slug)).map(
    (r): CategoryRow => ({
      id: r.id,
      name: r.name,
      slug: r.slug,
      description: r.description,
      parentId: r.parent_id,
      createdAt: new Date(r.created_at),
      updatedAt: new Date(r.updated_at),
    }),
  );
  const root = rows.find((r) => r.slug === slug);
  if (!root) throw new NotFound(NOT_FOUND);
  return assemble(rows, root.id)[0]!;
}

async function lockTree(ex: Executor) {
  await ex.execute(sql`select pg_advisory_xact_lock(${TREE_LOCK})`);
}

/** Names unique ignoring case: a blank or taken name gets its message in `errors`. */
async function checkName(ex: Executor, name: string, errors: FieldErrors, exceptId?: number) {
  if (!name) {
    addFieldError(errors, 'name', say.blank);
    return;
  }
  const [row] = await ex
    .select({ id: categories.id })
    .from(categories)
    .where(sql`lower(${categories.name}) = ${name.toLowerCase()}`);
  if (row && row.id !== exceptId) addFieldError(errors, 'name', 'A category with this name already exists.');
}

async function checkParentExists(ex: Executor, parentId: number, errors: FieldErrors) {
  const [row] = await ex.select({ id: categories.id }).from(categories).where(eq(categories.id, parentId));
  if (!row) addFieldError(errors, 'parent', say.noSuch('category', parentId));
}

/**
 * Creates a category; its slug comes from the name and is made unique. `schemaErrors` (the body
 * schema's messages) are reported with the name and parent checks, at once.
 */
export function createCategory(database: Database, body: unknown, schemaErrors: FieldErrors = {}) {
  const input = checkedFields<CategoryInput>(body, schemaErrors);
  return database.db.transaction(async (tx) => {
    await lockTree(tx);
    const errors: FieldErrors = { ...schemaErrors };
    const name = input.name?.trim() ?? '';
    if (input.name !== undefined) await checkName(tx, name, errors);
    if (input.parent) await checkParentExists(tx, input.parent, errors);
    throwIfAny(errors);
    const slug = await uniqueSlug(tx, 'categories', name, RESERVED_SLUGS);
    const [row] = await tx
      .insert(categories)
      .values({ name, slug, description: input.description ?? '', parentId: input.parent ?? null })
      .returning();
    return { ...row!, children: [] } as CategoryNode;
  });
}

/**
 * PUT/PATCH by slug. The slug stays as it was (links keep working); moves may not make cycles.
 * Every wrong field is reported at once, the body schema's (`schemaErrors`) included.
 */
export function updateCategory(database: Database, slug: string, body: unknown, schemaErrors: FieldErrors = {}) {
  const input = checkedFields<CategoryInput>(body, schemaErrors);
  return database.db.transaction(async (tx) => {
    await lockTree(tx);
    const current = await getCategory(tx, slug);
    const errors: FieldErrors = { ...schemaErrors };
    const patch: Partial<typeof categories.$inferInsert> = { updatedAt: new Date() };
    if (input.name !== undefined) {
      patch.name = input.name.trim();
      await checkName(tx, patch.name, errors, current.id);
    }
    if (input.description !== undefined) patch.description = input.description;
    if (input.parent !== undefined) {
      if (input.parent !== null) {
        const inSubtree = (node: CategoryNode): boolean =>
          node.id === input.parent || node.children.some(inSubtree);
        if (inSubtree(current)) addFieldError(errors, 'parent', 'A category cannot be its own ancestor.');
        else await checkParentExists(tx, input.parent, errors);
      }
      patch.parentId = input.parent;
    }
    throwIfAny(errors);
    await tx.update(categories).set(patch).where(eq(categories.id, current.id));
    // A move changes which products the category filters take in.
    if (patch.parentId !== undefined) await bumpCatalogVersion(tx);
    return getCategory(tx, slug);
  });
}

/** Deletes a category and its subtree, unless a product still belongs to any of them (409). */
export async function deleteCategory(database: Database, slug: string): Promise<void> {
  try {
    await database.db.transaction(async (tx) => {
      await lockTree(tx);
      const [row] = await queryRows<{ found: number; products: number }>(
        tx,
        sql`with recursive sub as (
              select id from ${categories} where ${categories.slug} = ${slug}
              union all
              select c.id from ${categories} c join sub on c.parent_id = sub.id
            )
            select (select count(*) from sub)::int as found,
                   (select count(*) from ${products} where ${products.categoryId} in (select id from sub))::int as products`,
      );
      if (!row?.found) throw new NotFound(NOT_FOUND);
      if (row.products > 0) throw subtreeHasProducts(row.products);
      await tx.delete(categories).where(eq(categories.slug, slug));
    });
  } catch (err) {
    // A product was added to the subtree meanwhile: the foreign key refused the delete.
    // (products reference categories ON DELETE RESTRICT: 23001, not 23503.)
    if (isReferencedViolation(err)) throw subtreeHasProducts();
    throw err;
  }
}

function subtreeHasProducts(count?: number) {
  const what = count === undefined ? 'products' : `${count} product${count === 1 ? '' : 's'}`;
  return new Conflict(
    `This category or one of its sub-categories still holds ${what}; move or delete them first.`,
  );
}
