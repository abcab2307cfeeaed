import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, run, start, waitForReady } from '../helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'shop-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('server process', () => {
  it('stops at start-up with one line naming a bad setting', async () => {
    const res = await run('server.ts', [], { PORT: 'abc', DATA_DIR: dir });
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe('Configuration error: PORT must be an integer, got "abc"');
  });

  it('serves on the embedded database, holds its data folder, and shuts down gracefully', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = start('server.ts', [], {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dir,
      // Real argon2 cost, so that a registration is still in flight when SIGTERM arrives.
      ARGON2_MEMORY_KIB: '65536',
      ARGON2_ITERATIONS: '4',
      // debug: the `incoming request` line says when the server has a request.
      LOG_LEVEL: 'debug',
    });
    let output = '';
    server.stdout.on('data', (d: Buffer) => (output += d.toString()));
    server.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => server.on('close', resolve));
    try {
      await waitForReady(base);
      expect(existsSync(join(dir, 'server.pid'))).toBe(true);
      const docs = await fetch(`${base}/docs/`);
      expect(docs.status).toBe(200);

      // The CLI refuses the folder while the server holds it.
      const cli = await run('cli.ts', ['migrate'], { DATA_DIR: dir });
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain('in use by another process');

      const inFlight = fetch(`${base}/api/auth/register/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          username: 'graceful',
          email: 'graceful@example.com',
          password: 'Slow-Hash-Passphrase-9',
          password2: 'Slow-Hash-Passphrase-9',
          first_name: 'Grace',
          last_name: 'Ful',
        }),
      });
      // SIGTERM once the server has the request (its log says so), not before.
      const until = Date.now() + 10_000;
      while (!output.includes('"path":"/api/auth/register/","msg":"incoming request"') && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 5));
      }
      server.kill('SIGTERM');
      const response = await inFlight;
      expect(response.status).toBe(201);
      expect(await exited, output).toBe(0);
      expect(existsSync(join(dir, 'server.pid'))).toBe(false);
      await expect(fetch(`${base}/health/live`)).rejects.toThrow();
    } finally {
      server.kill('SIGKILL');
    }
  });

  it('runs the jobs alone as a worker and stops on SIGTERM', async () => {
    const worker = start('worker.ts', [], { DATA_DIR: dir, LOG_LEVEL: 'info' });
    let output = '';
    worker.stdout.on('data', (d: Buffer) => (output += d.toString()));
    worker.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => worker.on('close', resolve));
    try {
      const until = Date.now() + 30_000;
      while (!output.includes('worker ready') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(output).toContain('worker ready');
      expect(existsSync(join(dir, 'server.pid'))).toBe(true);
      worker.kill('SIGTERM');
      expect(await exited, output).toBe(0);
      expect(output).toContain('worker stopping');
      expect(existsSync(join(dir, 'server.pid'))).toBe(false);
    } finally {
      worker.kill('SIGKILL');
    }
  });
});
