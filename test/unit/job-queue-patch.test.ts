import { createRequire } from 'node:module';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { JobQueue } from '../../src/modules/jobs/queue.js';

/**
 * The assumptions `reportUnawaitedJobUpdates` (src/modules/jobs/queue.ts) makes about pg-boss's
 * internals: its manager class lives in `pg-boss/src/manager.js`, has `complete` and `fail`
 * methods that reject when their statement fails, and emits `error`. If a pg-boss upgrade
 * moves any of these, this test fails instead of the process dying on a lost connection.
 */
type Manager = Record<string, unknown>;
const proto = (createRequire(import.meta.url)('pg-boss/src/manager.js') as { prototype: Manager })
  .prototype;

function failingManager() {
  const emitted: unknown[] = [];
  const manager = Object.create(proto) as Manager;
  Object.assign(manager, {
    db: { executeSql: () => Promise.reject(new Error('Connection terminated unexpectedly')) },
    emit: (event: string, err: unknown) => emitted.push([event, err]),
  });
  return { manager, emitted };
}

describe('pg-boss job updates that nobody awaits', () => {
  it('are reported as a queue error once a JobQueue exists, and still reject for a caller who awaits', async () => {
    const database = {
      kind: 'postgres',
      db: { session: { client: { query: () => Promise.resolve({ rows: [] }) } } },
    };
    new JobQueue(database as unknown as Database, pino({ level: 'silent' }), { work: false });
    for (const method of ['complete', 'fail'] as const) {
      const { manager, emitted } = failingManager();
      const update = (manager[method] as (...args: unknown[]) => Promise<unknown>).call(
        manager,
        'order-expire',
        'a5a1f1c8-3d5e-4a6e-9d7e-5b8a1f3e2c10',
      );
      await expect(update).rejects.toThrow('Connection terminated unexpectedly');
      expect(emitted).toEqual([
        ['error', expect.objectContaining({ message: 'Connection terminated unexpectedly' })],
      ]);
    }
  });
});
