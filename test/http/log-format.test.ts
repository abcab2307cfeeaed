/**
 * The two log formats: JSON (one object a line, ISO times) and pretty (one coloured,
 * human-readable line per event), chosen by LOG_FORMAT or by whether stdout is a terminal;
 * and the real server's output in each, with the ready line's addresses.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createLogger, logFormatOf } from '../../src/logging.js';
import { freePort, start, waitForReady } from '../helpers/process.js';
import { ISO } from '../helpers/shop.js';

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`);
const stripAnsi = (text: string) => text.replace(new RegExp(ANSI.source, 'g'), '');

/** A stream keeping what is written to it (pino-pretty pipes into a real stream). */
function capture() {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      written.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => written.join('') };
}

describe('LOG_FORMAT', () => {
  it('is auto unless set, and refuses anything but pretty, json or auto', () => {
    const base = {
      JWT_SECRET: 'x'.repeat(40),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'shop-logfmt-')),
    };
    expect(loadConfig(base).logFormat).toBe('auto');
    expect(loadConfig({ ...base, LOG_FORMAT: 'PRETTY' }).logFormat).toBe('pretty');
    expect(() => loadConfig({ ...base, LOG_FORMAT: 'yaml' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, LOG_FORMAT: 'yaml' })).toThrow(
      'LOG_FORMAT must be pretty, json or auto, got "yaml"',
    );
    rmSync(base.DATA_DIR, { recursive: true, force: true });
  });

  it('auto is pretty on a terminal and JSON otherwise; a set format wins', () => {
    expect(logFormatOf({ logFormat: 'auto' }, { isTTY: true })).toBe('pretty');
    expect(logFormatOf({ logFormat: 'auto' }, { isTTY: false })).toBe('json');
    expect(logFormatOf({ logFormat: 'auto' }, {})).toBe('json');
    expect(logFormatOf({ logFormat: 'json' }, { isTTY: true })).toBe('json');
    expect(logFormatOf({ logFormat: 'pretty' }, { isTTY: false })).toBe('pretty');
  });
});

describe('the formats', () => {
  it('JSON: one valid object a line, with an ISO time', () => {
    const out = capture();
    const logger = createLogger({ logLevel: 'info', logFormat: 'json' }, { stream: out.stream });
    logger
      .child({ reqId: 'r-json' })
      .info({ method: 'GET', path: '/x', status: 200, ms: 1.25 }, 'request');
    logger.warn({ orderId: 7 }, 'something else');
    const lines = out.text().split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({
      level: 30,
      reqId: 'r-json',
      method: 'GET',
      path: '/x',
      status: 200,
      ms: 1.25,
      msg: 'request',
    });
    expect(first!.time).toMatch(ISO);
    expect(second).toMatchObject({ level: 40, orderId: 7, msg: 'something else' });
    expect(out.text()).not.toMatch(ANSI);
  });

  it('pretty: one coloured line per request and per event; an error adds its stack', () => {
    const out = capture();
    const logger = createLogger({ logLevel: 'info', logFormat: 'pretty' }, { stream: out.stream });
    logger
      .child({ reqId: 'r-pretty' })
      .info({ method: 'POST', path: '/api/orders/', status: 201, ms: 12.5 }, 'request');
    logger
      .child({ reqId: 'r-pretty' })
      .info({ orderId: 42, orderNumber: 'ORD-1', total: '1,250.00 x' }, 'order placed');
    logger
      .child({ reqId: 'r-fail' })
      .error({ method: 'GET', path: '/boom', status: 500, ms: 3 }, 'request');
    const text = out.text();
    expect(text).toMatch(ANSI);
    const lines = stripAnsi(text).split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: POST \/api\/orders\/ 201 12\.5 ms \[r-pretty\]$/,
    );
    expect(lines[1]).toMatch(
      /INFO: order placed orderId=42 orderNumber=ORD-1 total="1,250.00 x" \[r-pretty\]$/,
    );
    expect(lines[2]).toMatch(/ERROR: GET \/boom 500 3 ms \[r-fail\]$/);
    // The status is coloured by its class: green, red.
    expect(text).toContain(`${ESC}[32m201`);
    expect(text).toContain(`${ESC}[31m500`);

    const errOut = capture();
    const errLogger = createLogger(
      { logLevel: 'info', logFormat: 'pretty' },
      { stream: errOut.stream },
    );
    errLogger.error({ err: new Error('kaput') }, 'unhandled error');
    const errLines = stripAnsi(errOut.text()).split('\n').filter(Boolean);
    expect(errLines[0]).toMatch(/ERROR: unhandled error$/);
    expect(errLines[1]).toMatch(/^\s+Error: kaput$/);
    expect(errLines[2]).toMatch(/^\s+at /);
  });
});

/** Starts `src/server.ts`; its output so far, and a stop that waits for the exit. */
function startServer(env: Record<string, string>) {
  const child: ChildProcess = start('server.ts', [], env);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

describe('the server process', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'shop-logs-server-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('with LOG_FORMAT=pretty prints coloured lines: the ready line with the addresses, one per request', async () => {
    const p = await freePort();
    const server = startServer({
      PORT: String(p),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir(),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'pretty',
    });
    try {
      await waitForReady(`http://127.0.0.1:${p}`, server.output, 70_000);
      const res = await fetch(`http://127.0.0.1:${p}/health/live?probe=1`, {
        headers: { 'x-request-id': 'pretty-live-1' },
      });
      expect(res.status).toBe(200);
      const until = Date.now() + 5000;
      while (!server.output().includes('pretty-live-1') && Date.now() < until)
        await new Promise((r) => setTimeout(r, 20));
    } finally {
      await server.stop();
    }
    const output = server.output();
    expect(output).toMatch(ANSI);
    const lines = stripAnsi(output).split('\n').filter(Boolean);
    const ready = lines.filter((l) => l.includes('shop API ready'));
    expect(ready, output).toHaveLength(1);
    expect(ready[0]).toContain(`admin=http://localhost:${p}/admin/`);
    expect(ready[0]).toContain(`docs=http://localhost:${p}/docs`);
    expect(ready[0]).toContain(`api=http://localhost:${p}/api/`);
    const mine = lines.filter((l) => l.includes('pretty-live-1'));
    expect(mine, output).toHaveLength(1);
    expect(mine[0]).toMatch(/INFO: GET \/health\/live 200 [\d.]+ ms \[pretty-live-1\]$/);
    // Not a JSON line among them.
    expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
  }, 90_000);

  it('piped and unset prints JSON lines with ISO times; the ready line gives PUBLIC_URL addresses', async () => {
    const p = await freePort();
    const server = startServer({
      PORT: String(p),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir(),
      LOG_LEVEL: 'info',
      PUBLIC_URL: 'https://shop.example/store',
    });
    try {
      await waitForReady(`http://127.0.0.1:${p}`, server.output, 70_000);
      await fetch(`http://127.0.0.1:${p}/?q=1`, {
        headers: { 'x-request-id': 'json-home-1', accept: 'application/json' },
      });
      const until = Date.now() + 5000;
      while (!server.output().includes('json-home-1') && Date.now() < until)
        await new Promise((r) => setTimeout(r, 20));
    } finally {
      await server.stop();
    }
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line.time).toMatch(ISO);
    expect(lines.filter((l) => l.msg === 'shop API ready')).toEqual([
      expect.objectContaining({
        admin: 'https://shop.example/store/admin/',
        docs: 'https://shop.example/store/docs',
        api: 'https://shop.example/store/api/',
      }),
    ]);
    expect(lines.filter((l) => l.reqId === 'json-home-1')).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'request',
        method: 'GET',
        path: '/',
        status: 200,
        ms: expect.any(Number),
      }),
    ]);
  }, 90_000);

  const databaseUrl = inject('databaseUrl');
  it.skipIf(!databaseUrl)(
    'in a cluster (WEB_CONCURRENCY=2) each worker logs its requests; the addresses come once',
    async () => {
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      const name = `${new URL(databaseUrl).pathname.slice(1)}_logs_${Math.random().toString(16).slice(2, 10)}`;
      await admin.query(`create database ${name}`);
      const url = new URL(databaseUrl);
      url.pathname = `/${name}`;
      const p = await freePort();
      const server = startServer({
        PORT: String(p),
        HOST: '127.0.0.1',
        DATABASE_URL: url.toString(),
        JWT_SECRET: 'cluster-log-test-secret-0123456789abcdef',
        WEB_CONCURRENCY: '2',
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
      });
      try {
        await waitForReady(`http://127.0.0.1:${p}`, server.output, 70_000);
        const parsed = () =>
          server
            .output()
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as Record<string, unknown>);
        const until = Date.now() + 30_000;
        while (
          parsed().filter((l) => l.msg === 'shop API ready').length < 2 &&
          Date.now() < until
        ) {
          await new Promise((r) => setTimeout(r, 100));
        }
        for (let i = 0; i < 6; i++) {
          await fetch(`http://127.0.0.1:${p}/health/live`, {
            headers: { 'x-request-id': `cluster-${i}`, connection: 'close' },
          });
        }
        while (
          parsed().filter((l) => String(l.reqId).startsWith('cluster-')).length < 6 &&
          Date.now() < until
        ) {
          await new Promise((r) => setTimeout(r, 50));
        }
        const lines = parsed();
        const ready = lines.filter((l) => l.msg === 'shop API ready');
        expect(ready.map((l) => l.worker).sort()).toEqual([0, 1]);
        expect(ready.filter((l) => l.admin !== undefined)).toEqual([
          expect.objectContaining({ worker: 0, admin: `http://localhost:${p}/admin/` }),
        ]);
        const requests = lines.filter((l) => String(l.reqId).startsWith('cluster-'));
        expect(requests).toHaveLength(6);
        for (const line of requests) {
          expect(line).toMatchObject({ msg: 'request', path: '/health/live', status: 200 });
          expect([0, 1]).toContain(line.worker);
        }
      } finally {
        await server.stop();
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      }
    },
    90_000,
  );
});
