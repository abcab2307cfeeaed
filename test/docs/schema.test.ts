import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  renderSchemaDoc,
  SCHEMA_DOC_PATH,
  SchemaNotesError,
  schemaTables,
} from '../../scripts/docs-schema.js';
import { SCHEMA_NOTES } from '../../scripts/schema-notes.js';

// docs/schema.md is generated from src/db/schema; these tests need no database.
let rendered: string;

function mermaid(): string {
  const block = /```mermaid\n([\s\S]*?)```/.exec(rendered);
  if (!block) throw new Error('no mermaid block in the rendered document');
  return block[1]!;
}

describe('docs/schema.md', () => {
  beforeAll(async () => {
    rendered = await renderSchemaDoc();
  });

  it('is up to date with the schema (run npm run docs:schema)', async () => {
    const committed = (await readFile(SCHEMA_DOC_PATH, 'utf8')).replace(/\r\n/g, '\n');
    expect(committed, 'docs/schema.md is out of date: run npm run docs:schema').toBe(rendered);
  });

  it('draws every table of the schema as an entity, and nothing else', () => {
    const diagram = mermaid();
    const tables = schemaTables().map((t) => t.name);
    expect(tables).toContain('order_items');
    const entities = [...diagram.matchAll(/^ {4}(\w+) \{$/gm)].map((m) => m[1]);
    expect(entities.sort()).toEqual([...tables].sort());
    expect(diagram).not.toMatch(/pgboss|\bjob\b/);
  });

  it('draws the foreign keys as relationships with their cardinality', () => {
    const diagram = mermaid();
    expect(diagram).toContain('orders ||--o{ order_items : "order_id, on delete cascade"');
    expect(diagram).toContain('products ||--o{ order_items : "product_id, on delete restrict"');
    // A unique foreign key is one-to-one; a nullable one is optional on the parent's side. A
    // partially unique one is not (an order has one checkout payment, and more payments).
    expect(diagram).toContain('orders ||--o{ payments : "order_id, on delete restrict"');
    expect(diagram).toContain('users |o--o| carts : "user_id, on delete cascade"');
    expect(diagram).toContain('categories |o--o{ categories : "parent_id, on delete cascade"');
  });

  it('writes attributes as plain Mermaid tokens', () => {
    const lines = mermaid()
      .split('\n')
      .filter((l) => l.startsWith('        '));
    expect(lines.length).toBeGreaterThan(50);
    const key = '(?:PK|FK|UK)';
    const attribute = new RegExp(
      `^ {8}[A-Za-z_]\\w* [A-Za-z_]\\w*(?: ${key}(?:, ${key})*)?(?: "[^"]*")?$`,
    );
    for (const line of lines) expect(line).toMatch(attribute);
    expect(lines).toContain('        numeric_12_2 price_at_purchase');
    expect(lines).toContain('        integer user_id FK, UK "nullable"');
  });

  it('documents each table with its description and indexes', () => {
    const doc = rendered;
    for (const name of Object.keys(SCHEMA_NOTES)) expect(doc).toContain(`\n### ${name}\n`);
    expect(doc).toMatch(
      /\| `addresses_one_default_uq` +\| `user_id, address_type` +\| yes +\| `is_default` +\|/,
    );
    expect(doc).toContain('`pgboss` schema');
  });

  it('fails on a table without a description', async () => {
    const { webhook_events: _, ...notes } = SCHEMA_NOTES;
    await expect(renderSchemaDoc(notes)).rejects.toThrow(SchemaNotesError);
    await expect(renderSchemaDoc(notes)).rejects.toThrow('table webhook_events has no description');
  });

  it('fails on a description of a table or index that does not exist', async () => {
    await expect(
      renderSchemaDoc({ ...SCHEMA_NOTES, wishlists: { about: 'Saved products.' } }),
    ).rejects.toThrow('describes table wishlists, which is not in src/db/schema');
    const carts = { about: 'Carts.', indexes: { carts_gone_idx: 'stale' } };
    await expect(renderSchemaDoc({ ...SCHEMA_NOTES, carts })).rejects.toThrow(
      'notes index carts_gone_idx, which table carts does not have',
    );
  });
});
