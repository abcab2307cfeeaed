/**
 * Writes docs/schema.md from the Drizzle schema: a Mermaid ER diagram, then a section per
 * table (what it holds, from schema-notes.ts; its columns, indexes and checks).
 *   npm run docs:schema              write docs/schema.md
 *   npm run docs:schema -- --check   exit 1 when docs/schema.md differs from a fresh render
 * test/docs/schema.test.ts runs the same comparison, so the document cannot drift.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Column, is, SQL } from 'drizzle-orm';
import { getTableConfig, IndexedColumn, type Index, PgDialect, PgTable } from 'drizzle-orm/pg-core';
import { format, resolveConfig } from 'prettier';
import * as schema from '../src/db/schema/index.js';
import { SCHEMA_INTRO, SCHEMA_NOTES, type TableNotes } from './schema-notes.js';

export const SCHEMA_DOC_PATH = fileURLToPath(new URL('../docs/schema.md', import.meta.url));
const OUT_OF_DATE = 'docs/schema.md is out of date: run npm run docs:schema';

/** The notes do not match the schema: a table without a description, or a stale entry. */
export class SchemaNotesError extends Error {}

type TableConfig = ReturnType<typeof getTableConfig>;

interface Relation {
  child: string;
  parent: string;
  columns: string[];
  parentColumns: string[];
  nullable: boolean;
  /** The child's FK columns are its primary key or unique: at most one child per parent. */
  unique: boolean;
  onDelete: string;
}

const dialect = new PgDialect();

/** Every table exported by src/db/schema/index.ts (pg-boss's tables are not among them). */
export function schemaTables(): TableConfig[] {
  return (Object.values(schema) as unknown[])
    .filter((value): value is PgTable => is(value, PgTable))
    .map((table) => getTableConfig(table));
}

const qualified = (t: TableConfig) => (t.schema ? `${t.schema}.${t.name}` : t.name);

/** SQL of an index part, check or default, with bare column names and without needless quotes. */
function sqlText(fragment: SQL): string {
  const { sql: text, params } = dialect.sqlToQuery(fragment, 'indexes');
  return text
    .replace(/\$(\d+)/g, (_, n: string) =>
      JSON.stringify(params[Number(n) - 1]).replace(/^"|"$/g, "'"),
    )
    .replace(/"([a-z_][a-z0-9_]*)"/g, '$1');
}

/** Columns of this table that an SQL expression mentions. */
function columnsIn(fragment: SQL): string[] {
  return fragment.queryChunks.flatMap((chunk) =>
    is(chunk, Column) ? [chunk.name] : is(chunk, SQL) ? columnsIn(chunk) : [],
  );
}

function indexPart(part: Partial<IndexedColumn | SQL>): string {
  if (is(part, SQL)) return sqlText(part);
  if (!is(part, IndexedColumn) || !part.name) throw new Error('unexpected index part');
  const { order, nulls, opClass } = part.indexConfig;
  const defaultNulls = order === 'desc' ? 'first' : 'last';
  return [
    part.name,
    opClass,
    order === 'desc' ? 'DESC' : undefined,
    nulls && nulls !== defaultNulls ? `NULLS ${nulls.toUpperCase()}` : undefined,
  ]
    .filter(Boolean)
    .join(' ');
}

/** Column sets that are unique on the whole table: the primary key, unique constraints and non-partial unique indexes. */
function uniqueColumnSets(t: TableConfig): string[][] {
  const plainIndexes = t.indexes.filter((i) => i.config.unique && !i.config.where);
  return [
    ...t.columns.filter((c) => c.primary || c.isUnique).map((c) => [c.name]),
    ...t.primaryKeys.map((pk) => pk.columns.map((c) => c.name)),
    ...t.uniqueConstraints.map((u) => u.columns.map((c) => c.name)),
    ...plainIndexes
      .filter((i) => i.config.columns.every((part) => is(part, IndexedColumn)))
      .map((i) => i.config.columns.map((part) => (part as IndexedColumn).name ?? '')),
  ];
}

const sameSet = (a: string[], b: string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

function relations(t: TableConfig): Relation[] {
  const position = (name: string) => t.columns.findIndex((c) => c.name === name);
  const unique = uniqueColumnSets(t);
  return t.foreignKeys
    .map((fk) => {
      const ref = fk.reference();
      const columns = ref.columns.map((c) => c.name);
      return {
        child: qualified(t),
        parent: qualified(getTableConfig(ref.foreignTable)),
        columns,
        parentColumns: ref.foreignColumns.map((c) => c.name),
        nullable: ref.columns.some((c) => !c.notNull),
        unique: unique.some((set) => sameSet(set, columns)),
        onDelete: fk.onDelete ?? 'no action',
      };
    })
    .sort((a, b) => position(a.columns[0]!) - position(b.columns[0]!));
}

/** Every problem between the notes and the schema, so one run lists them all. */
export function notesProblems(tables: TableConfig[], notes: Record<string, TableNotes>): string[] {
  const problems: string[] = [];
  const byName = new Map(tables.map((t) => [qualified(t), t]));
  for (const name of byName.keys()) {
    if (!notes[name]?.about.trim())
      problems.push(`table ${name} has no description in scripts/schema-notes.ts`);
  }
  for (const [name, note] of Object.entries(notes)) {
    const table = byName.get(name);
    if (!table) {
      problems.push(
        `scripts/schema-notes.ts describes table ${name}, which is not in src/db/schema`,
      );
      continue;
    }
    for (const index of Object.keys(note.indexes ?? {})) {
      if (!table.indexes.some((i) => i.config.name === index)) {
        problems.push(
          `scripts/schema-notes.ts notes index ${index}, which table ${name} does not have`,
        );
      }
    }
  }
  return problems;
}

const TOKEN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A Mermaid-safe type token: `numeric(12, 2)` → `numeric_12_2`, `varchar(150)` → `varchar`. */
function mermaidType(sqlType: string): string {
  const type = sqlType
    .replace(/^timestamp(\(\d+\))? with time zone$/, 'timestamptz')
    .replace(/^timestamp(\(\d+\))?( without time zone)?$/, 'timestamp')
    .replace(/^(varchar|char)\(\d+\)$/, '$1')
    .replace(/\[\]$/, '_array')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return token(type, `type ${sqlType}`);
}

function token(value: string, what: string): string {
  if (!TOKEN.test(value) || /^(PK|FK|UK)$/i.test(value))
    throw new Error(`${what} is not a valid Mermaid token`);
  return value;
}

function columnFlags(t: TableConfig) {
  const pk = new Set([
    ...t.columns.filter((c) => c.primary).map((c) => c.name),
    ...t.primaryKeys.flatMap((p) => p.columns.map((c) => c.name)),
  ]);
  const fk = new Map<string, { target: string; onDelete: string }>();
  for (const r of relations(t)) {
    r.columns.forEach((c, i) =>
      fk.set(c, { target: `${r.parent}.${r.parentColumns[i]}`, onDelete: r.onDelete }),
    );
  }
  const unique = new Map<string, string>();
  for (const set of uniqueColumnSets(t))
    if (set.length === 1 && !pk.has(set[0]!)) unique.set(set[0]!, 'unique');
  for (const i of t.indexes) {
    const [part, ...rest] = i.config.columns;
    if (!i.config.unique || i.config.where || rest.length || !is(part, SQL)) continue;
    const cols = [...new Set(columnsIn(part))];
    if (cols.length === 1) unique.set(cols[0]!, `unique as ${code(sqlText(part))}`);
  }
  return { pk, fk, unique };
}

function mermaidEntity(t: TableConfig): string[] {
  const { pk, fk, unique } = columnFlags(t);
  const lines = t.columns.map((c) => {
    const keys = [
      pk.has(c.name) && 'PK',
      fk.has(c.name) && 'FK',
      unique.has(c.name) && 'UK',
    ].filter(Boolean);
    const comment = c.notNull ? '' : ' "nullable"';
    return `        ${mermaidType(c.getSQLType())} ${token(c.name, `column ${t.name}.${c.name}`)}${keys.length ? ` ${keys.join(', ')}` : ''}${comment}`;
  });
  return [
    `    ${token(qualified(t).replace('.', '__'), `table ${qualified(t)}`)} {`,
    ...lines,
    '    }',
  ];
}

function mermaidRelation(r: Relation): string {
  const id = (name: string) => name.replace('.', '__');
  const parentSide = r.nullable ? '|o' : '||';
  const childSide = r.unique ? 'o|' : 'o{';
  return `    ${id(r.parent)} ${parentSide}--${childSide} ${id(r.child)} : "${r.columns.join(', ')}, on delete ${r.onDelete}"`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');
const code = (text: string) => `\`${cell(text)}\``;
const prose = (text: string) => text.replace(/\s+/g, ' ').trim();

function defaultOf(c: TableConfig['columns'][number]): string {
  if (c.generatedIdentity) return 'identity';
  if (c.default === undefined) return c.defaultFn ? '(set in code)' : '';
  if (is(c.default, SQL)) return code(sqlText(c.default));
  return code(typeof c.default === 'string' ? `'${c.default}'` : String(c.default));
}

function columnsTable(t: TableConfig): string[] {
  const { pk, fk, unique } = columnFlags(t);
  const compositePk = t.primaryKeys.some((p) => p.columns.length > 1);
  const rows = t.columns.map((c) => {
    const notes = [
      pk.has(c.name) && (compositePk ? 'part of PK' : 'PK'),
      fk.has(c.name) &&
        `FK → ${code(fk.get(c.name)!.target)} (on delete ${fk.get(c.name)!.onDelete})`,
      unique.get(c.name),
    ].filter(Boolean);
    return `| ${code(c.name)} | ${code(c.getSQLType())} | ${c.notNull ? '' : 'yes'} | ${defaultOf(c)} | ${notes.join('; ')} |`;
  });
  return ['| Column | Type | Null | Default | Notes |', '| --- | --- | --- | --- | --- |', ...rows];
}

function indexesTable(t: TableConfig, notes: TableNotes): string[] {
  const lines: string[] = [];
  if (t.primaryKeys.length)
    lines.push(
      `Primary key: ${code(`(${t.primaryKeys[0]!.columns.map((c) => c.name).join(', ')})`)}.`,
      '',
    );
  if (!t.indexes.length) return [...lines, 'No indexes besides the primary key.'];
  const row = (i: Index) => {
    const method =
      i.config.method && i.config.method !== 'btree' ? ` using ${i.config.method}` : '';
    const where = i.config.where ? code(sqlText(i.config.where)) : '';
    const note = notes.indexes?.[i.config.name ?? ''] ?? '';
    return `| ${code(i.config.name ?? '')} | ${code(i.config.columns.map(indexPart).join(', '))}${method} | ${i.config.unique ? 'yes' : ''} | ${where} | ${cell(note)} |`;
  };
  return [
    ...lines,
    '| Index | On | Unique | Partial: where | Why |',
    '| --- | --- | --- | --- | --- |',
    ...t.indexes.map(row),
  ];
}

function tableSection(t: TableConfig, notes: TableNotes, all: Relation[]): string[] {
  const name = qualified(t);
  const referencedBy = all
    .filter((r) => r.parent === name)
    .map((r) => `${code(`${r.child}.${r.columns.join(', ')}`)} (on delete ${r.onDelete})`);
  const checks = t.checks.map((c) => `- ${code(c.name)}: ${code(sqlText(c.value))}`);
  return [
    `### ${name}`,
    '',
    prose(notes.about),
    '',
    ...(referencedBy.length ? [`Referenced by ${referencedBy.join(', ')}.`, ''] : []),
    ...columnsTable(t),
    '',
    ...indexesTable(t, notes),
    ...(checks.length ? ['', 'Checks:', '', ...checks] : []),
    '',
  ];
}

/** The document before formatting; throws SchemaNotesError when the notes do not fit the schema. */
export function renderSchemaMarkdown(notes: Record<string, TableNotes> = SCHEMA_NOTES): string {
  const found = schemaTables();
  const problems = notesProblems(found, notes);
  if (problems.length) throw new SchemaNotesError(problems.join('\n'));
  const order = Object.keys(notes);
  const tables = [...found].sort(
    (a, b) => order.indexOf(qualified(a)) - order.indexOf(qualified(b)),
  );
  const all = tables.flatMap(relations);
  return [
    '<!-- Generated by `npm run docs:schema` from src/db/schema and scripts/schema-notes.ts: do not edit by hand. -->',
    '',
    '# Database schema',
    '',
    prose(SCHEMA_INTRO),
    '',
    `Tables: ${tables.map((t) => `[${qualified(t)}](#${qualified(t).replace(/[^a-z0-9_-]/g, '')})`).join(', ')}.`,
    '',
    '## Entity-relationship diagram',
    '',
    'Relationships follow the foreign keys (labelled with the referencing columns and their `ON DELETE`); `|o` marks a nullable foreign key, `o|` a unique one (at most one row per parent).',
    '',
    '```mermaid',
    'erDiagram',
    ...tables.flatMap(mermaidEntity),
    ...all.map(mermaidRelation),
    '```',
    '',
    '## Tables',
    '',
    ...tables.flatMap((t) => tableSection(t, notes[qualified(t)]!, all)),
  ].join('\n');
}

/** docs/schema.md as it should be: the rendered markdown, formatted as Prettier would. */
export async function renderSchemaDoc(
  notes: Record<string, TableNotes> = SCHEMA_NOTES,
): Promise<string> {
  const options = (await resolveConfig(SCHEMA_DOC_PATH)) ?? {};
  return format(renderSchemaMarkdown(notes), { ...options, filepath: SCHEMA_DOC_PATH });
}

async function main(args: string[]): Promise<number> {
  const check = args.includes('--check');
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length) {
    console.error(`unknown argument ${unknown.join(' ')}; usage: npm run docs:schema [-- --check]`);
    return 1;
  }
  let doc: string;
  try {
    doc = await renderSchemaDoc();
  } catch (err) {
    if (!(err instanceof SchemaNotesError)) throw err;
    console.error(`docs:schema: the schema notes do not match the schema:\n${err.message}`);
    return 1;
  }
  if (check) {
    const current = await readFile(SCHEMA_DOC_PATH, 'utf8').catch(() => null);
    if (current?.replace(/\r\n/g, '\n') !== doc) {
      console.error(OUT_OF_DATE);
      return 1;
    }
    console.log('docs/schema.md is up to date');
    return 0;
  }
  await mkdir(dirname(SCHEMA_DOC_PATH), { recursive: true });
  await writeFile(SCHEMA_DOC_PATH, doc);
  console.log('wrote docs/schema.md');
  return 0;
}

// Run only as a command: importing this module (the test does) has no side effects.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
