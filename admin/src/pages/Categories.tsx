import type { ResponseBody } from '@shop/client';
import { type FormEvent, useState } from 'react';
import { ApiError, ok, shop } from '../api';
import { Dialog, Field, fieldErrorsOf, Loadable, type Loaded, useLoad, useToast } from '../ui';

/** A category as /api/categories/all/ lists it. */
export type CategoryRow = ResponseBody<'getApiCategoriesAll'>[number];

interface TreeNode {
  row: CategoryRow;
  depth: number;
  children: TreeNode[];
}

export function useAllCategories(key = 'categories'): Loaded<CategoryRow[]> {
  return useLoad(() => ok(shop.GET('/api/categories/all/')), key);
}

function buildTree(rows: CategoryRow[]): TreeNode[] {
  const byParent = new Map<number | null, CategoryRow[]>();
  for (const row of rows) {
    const list = byParent.get(row.parent) ?? [];
    list.push(row);
    byParent.set(row.parent, list);
  }
  const grow = (parent: number | null, depth: number): TreeNode[] =>
    (byParent.get(parent) ?? [])
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((row) => ({ row, depth, children: grow(row.id, depth + 1) }));
  return grow(null, 0);
}

/** Every category in tree order, labelled with its depth, for <select>s. */
export function categoryOptions(rows: CategoryRow[]): { row: CategoryRow; label: string }[] {
  const out: { row: CategoryRow; label: string }[] = [];
  const walk = (nodes: TreeNode[]) => {
    for (const node of nodes) {
      out.push({ row: node.row, label: `${'\u00a0\u00a0'.repeat(node.depth)}${node.depth ? '└ ' : ''}${node.row.name}` });
      walk(node.children);
    }
  };
  walk(buildTree(rows));
  return out;
}

function descendantsOf(rows: CategoryRow[], id: number): Set<number> {
  const out = new Set<number>([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const row of rows) {
      if (row.parent !== null && out.has(row.parent) && !out.has(row.id)) {
        out.add(row.id);
        grew = true;
      }
    }
  }
  return out;
}

type Editing = { mode: 'create'; parent: number | null } | { mode: 'edit'; row: CategoryRow };

export function Categories() {
  const toast = useToast();
  const all = useAllCategories();
  const [editing, setEditing] = useState<Editing | null>(null);

  const remove = async (row: CategoryRow) => {
    const rows = all.data ?? [];
    const below = descendantsOf(rows, row.id).size - 1;
    const what = below ? `${row.name} and its ${below} sub-categor${below === 1 ? 'y' : 'ies'}` : row.name;
    if (!confirm(`Delete ${what}?`)) return;
    try {
      await ok(shop.DELETE('/api/categories/{slug}/', { params: { path: { slug: row.slug } } }));
      toast.ok(`Deleted ${what}.`);
      all.reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        toast.error(
          `${row.name} cannot be deleted: products belong to it${below ? ' or to one of its sub-categories' : ''}. ` +
            'Move those products to another category (or delete them) first.',
        );
      } else toast.error(err);
    }
  };

  return (
    <section>
      <div className="page-head">
        <h1>Categories</h1>
        <button type="button" onClick={() => setEditing({ mode: 'create', parent: null })}>
          New category
        </button>
      </div>
      <Loadable loaded={all} empty={(rows) => (rows.length === 0 ? 'No categories yet. Create the first one.' : null)}>
        {(rows) => (
          <ul className="tree card" data-testid="category-tree">
            {buildTree(rows).map((node) => (
              <TreeItem
                key={node.row.id}
                node={node}
                onAdd={(parent) => setEditing({ mode: 'create', parent })}
                onEdit={(row) => setEditing({ mode: 'edit', row })}
                onDelete={(row) => void remove(row)}
              />
            ))}
          </ul>
        )}
      </Loadable>
      {editing ? (
        <CategoryDialog
          editing={editing}
          rows={all.data ?? []}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            all.reload();
          }}
        />
      ) : null}
    </section>
  );
}

function TreeItem({
  node,
  onAdd,
  onEdit,
  onDelete,
}: {
  node: TreeNode;
  onAdd: (parent: number) => void;
  onEdit: (row: CategoryRow) => void;
  onDelete: (row: CategoryRow) => void;
}) {
  const { row } = node;
  return (
    <li>
      <div className="tree-row">
        <span className="tree-name">
          {row.name} <span className="muted small">/{row.slug}</span>
        </span>
        <span className="tree-actions">
          <button type="button" className="small secondary" onClick={() => onAdd(row.id)} aria-label={`Add a sub-category to ${row.name}`}>
            + Sub
          </button>
          <button type="button" className="small secondary" onClick={() => onEdit(row)} aria-label={`Edit ${row.name}`}>
            Edit
          </button>
          <button type="button" className="small danger" onClick={() => onDelete(row)} aria-label={`Delete ${row.name}`}>
            Delete
          </button>
        </span>
      </div>
      {node.children.length ? (
        <ul>
          {node.children.map((child) => (
            <TreeItem key={child.row.id} node={child} onAdd={onAdd} onEdit={onEdit} onDelete={onDelete} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

function CategoryDialog({
  editing,
  rows,
  onClose,
  onSaved,
}: {
  editing: Editing;
  rows: CategoryRow[];
  onClose: () => void;
  onSaved: () => void;
}) {
  const toast = useToast();
  const existing = editing.mode === 'edit' ? editing.row : null;
  const [name, setName] = useState(existing?.name ?? '');
  const [description, setDescription] = useState(existing?.description ?? '');
  const [parent, setParent] = useState(String(existing ? (existing.parent ?? '') : editing.mode === 'create' ? (editing.parent ?? '') : ''));
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  // A category cannot move under itself or its own descendants.
  const blocked = existing ? descendantsOf(rows, existing.id) : new Set<number>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    const body = { name, description, parent: parent === '' ? null : Number(parent) };
    try {
      if (existing) await ok(shop.PATCH('/api/categories/{slug}/', { params: { path: { slug: existing.slug } }, body }));
      else await ok(shop.POST('/api/categories', { body }));
      toast.ok(existing ? `Saved ${name}.` : `Created ${name}.`);
      onSaved();
    } catch (err) {
      setErrors(fieldErrorsOf(err));
      toast.error(err);
      setBusy(false);
    }
  };

  return (
    <Dialog title={existing ? `Edit ${existing.name}` : 'New category'} onClose={onClose}>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <Field label="Name" errors={errors.name}>
          {(p) => <input {...p} autoFocus required value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Description" errors={errors.description}>
          {(p) => <textarea {...p} rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <Field label="Parent" errors={errors.parent} hint="Moving a category moves its sub-categories with it.">
          {(p) => (
            <select {...p} value={parent} onChange={(e) => setParent(e.target.value)}>
              <option value="">(top level)</option>
              {categoryOptions(rows).map(({ row, label }) => (
                <option key={row.id} value={row.id} disabled={blocked.has(row.id)}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : existing ? 'Save' : 'Create'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
