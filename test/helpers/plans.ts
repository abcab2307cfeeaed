import { vi } from 'vitest';
import type { TestContext } from './app.js';

/** The statements the app sends while `fn` runs, with their parameters. */
export async function capture(
  ctx: TestContext,
  fn: () => Promise<unknown>,
): Promise<{ text: string; values: unknown[] }[]> {
  const client = (
    ctx.database.db as unknown as { $client: { query: (...args: unknown[]) => unknown } }
  ).$client;
  const spy = vi.spyOn(client, 'query');
  try {
    await fn();
    return spy.mock.calls.map(([q, params]) =>
      typeof q === 'string'
        ? { text: q, values: (params as unknown[]) ?? [] }
        : {
            text: (q as { text: string }).text,
            values: (q as { values?: unknown[] }).values ?? (params as unknown[]) ?? [],
          },
    );
  } finally {
    spy.mockRestore();
  }
}

/**
 * The plan PostgreSQL would choose for a statement if the tables were big: sequential and
 * whole-index scans off, so only an index whose condition serves the query can be used.
 */
export async function planOf(
  ctx: TestContext,
  statement: { text: string; values: unknown[] },
): Promise<string> {
  type Conn = {
    query: (text: string, values?: unknown[]) => Promise<{ rows: Record<string, string>[] }>;
  };
  const owner = (
    ctx.database.db as unknown as {
      $client: Conn & { connect?: () => Promise<Conn & { release(): void }> };
    }
  ).$client;
  // A pool's statements go to any of its connections: hold one for the transaction.
  const held = owner.connect ? await owner.connect() : null;
  const client: Conn = held ?? owner;
  await client.query('begin');
  try {
    await client.query('set local enable_seqscan = off');
    await client.query('set local enable_indexscan = off');
    const { rows } = await client.query(`explain ${statement.text}`, statement.values);
    return rows.map((r) => Object.values(r)[0]).join('\n');
  } finally {
    await client.query('rollback');
    held?.release();
  }
}
