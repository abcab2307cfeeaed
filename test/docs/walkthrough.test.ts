import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { childEnv, freePort, ROOT } from '../helpers/process.js';
import {
  END,
  EXITED,
  missingExpectedLine,
  outputsByBlock,
  parseWalkthrough,
  type ShellBlock,
  walkthroughScript,
} from './walkthrough-doc.js';

/**
 * docs/walkthrough.md, run as written: its shell blocks in one bash process against a real
 * server (and the fake Razorpay) started by its own background blocks, on free ports, with a
 * fresh data folder or PostgreSQL database. A failing command fails the test with its block
 * and output; the shown outputs and the outcome (a paid order on the dashboard) are checked.
 */

const DOC = 'docs/walkthrough.md';
const doc = parseWalkthrough(readFileSync(join(ROOT, DOC), 'utf8'));
const SESSION_TIMEOUT_MS = 90_000;

/** Where the session's server keeps its data: a PGlite folder, or a PostgreSQL database of its own. */
async function sessionDatabase(
  dir: string,
): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const shared = inject('databaseUrl');
  if (!shared) return { env: { DATA_DIR: join(dir, 'data') }, drop: async () => {} };
  // Its own database: the dashboard's figures are global, and pg-boss's queue is per database.
  const name = `${new URL(shared).pathname.slice(1)}_walkthrough_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: shared });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(shared);
  url.pathname = `/${name}`;
  // No REDIS_URL: the login limiter's Redis keys name the user by id, not by database, so on
  // a shared Redis the failed logins of user #2 in another test database would lock out the
  // walkthrough's shopper (also user #2).
  return {
    // DATA_DIR as well: uploaded images (MEDIA_STORAGE=local) and e-mails (DATA_DIR/mail/)
    // are written there, outside the checkout.
    env: { DATABASE_URL: url.toString(), JWT_SECRET: randomBytes(32).toString('hex'), DATA_DIR: join(dir, 'data') },
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** The machine's environment without anything the walkthrough sets itself, plus the session's. */
function sessionEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = childEnv(env);
  for (const key of Object.keys(base)) {
    if (/^(FAKE_)?RAZORPAY_/.test(key) || key === 'API' || key === 'RZP') delete base[key];
  }
  return { ...base, ...env };
}

interface Session {
  pid: number;
  code: number | null;
  output: string;
  /** Why the session was cut short: a background block exited, or the time ran out. */
  stopped: string | null;
}

const backgroundLog = (dir: string, block: ShellBlock) =>
  join(dir, `background-${block.number}.log`);
const readIfExists = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

/** Runs the script in its own process group, so that the background processes can be stopped together. */
function runSession(scriptFile: string, env: NodeJS.ProcessEnv, dir: string): Promise<Session> {
  const child = spawn('bash', [scriptFile], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const session: Session = { pid: child.pid!, code: null, output: '', stopped: null };
  child.stdout.on('data', (d: Buffer) => (session.output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (session.output += d.toString()));
  const stop = (reason: string) => {
    session.stopped ??= reason;
    signalGroup(session.pid, 'SIGKILL');
  };
  // A server or fake that dies early would leave the session waiting on it: stop at once.
  const watch = setInterval(() => {
    for (const block of doc.blocks.filter((b) => b.kind === 'background')) {
      if (readIfExists(backgroundLog(dir, block)).includes(EXITED)) {
        stop(`the background block at ${DOC}:${block.line} exited`);
      }
    }
  }, 250);
  const timer = setTimeout(
    () => stop(`the walkthrough took longer than ${SESSION_TIMEOUT_MS / 1000} s`),
    SESSION_TIMEOUT_MS,
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(watch);
      clearTimeout(timer);
      session.code = code;
      resolve(session);
    });
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // the group is gone
  }
}

/** Stops what the session left running (the server, the fake): SIGTERM, then SIGKILL after 15 s. */
async function stopGroup(pid: number) {
  if (!signalGroup(pid, 'SIGTERM')) return;
  const until = Date.now() + 15_000;
  while (signalGroup(pid, 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  signalGroup(pid, 'SIGKILL');
}

/** The failing block, its code and output, and the background processes' logs. */
function failureReport(session: Session, dir: string): string {
  const outputs = outputsByBlock(session.output);
  const last = Math.max(0, ...outputs.keys());
  const block = doc.blocks.find((b) => b.number === last);
  const logs = doc.blocks
    .filter((b) => b.kind === 'background')
    .map(
      (b) =>
        `--- background block at ${DOC}:${b.line} ---\n${readIfExists(backgroundLog(dir, b)).slice(-4000)}`,
    );
  return [
    session.stopped ?? `the walkthrough failed (bash exited with ${session.code})`,
    block ? `in the block at ${DOC}:${block.line}:\n${block.code}` : 'before the first block',
    `--- its output ---\n${block ? outputs.get(block.number) : session.output}`,
    ...logs,
  ].join('\n\n');
}

describe('the walkthrough conventions', () => {
  const fence = '```';
  it('let no shell block escape: other languages, misplaced markers, skipped commands', () => {
    const { blocks, problems } = parseWalkthrough(
      [
        `${fence}bash`,
        'echo not run',
        fence,
        '<!-- walkthrough:background -->',
        'Some prose.',
        `${fence}sh`,
        'echo runs',
        fence,
        '<!-- walkthrough:later -->',
        '<!-- walkthrough:skip -->',
        '',
        `${fence}sh`,
        'npm ci',
        'rm -rf data',
        fence,
        '  ```sh',
        '  echo indented',
        '  ```',
      ].join('\n'),
    );
    expect(blocks.map((b) => [b.line, b.kind])).toEqual([
      [6, 'run'],
      [12, 'skip'],
      [16, 'run'],
    ]);
    expect(problems).toEqual([
      'line 1: a ```bash block is neither run (sh) nor output (text)',
      'line 4: the marker is not followed by a ```sh block',
      'line 9: unknown marker "walkthrough:later" (use background or skip)',
      'line 12: a skipped block may only install, but it runs "rm -rf data"',
      'line 16: fences must be ``` at the start of the line',
    ]);
  });

  it('take a text block right after a runnable block as its output, `…` matching any text', () => {
    const { blocks } = parseWalkthrough(
      [`${fence}sh`, 'echo a', fence, '', `${fence}text`, 'id …', 'done', fence].join('\n'),
    );
    expect(blocks[0]!.expected).toBe('id …\ndone');
    expect(missingExpectedLine('id …\ndone', 'npm noise\nid 42\ndone\n')).toBeNull();
    expect(missingExpectedLine('id …\ndone', 'done\nid 42\n')).toBe('done');
    expect(missingExpectedLine('total (2)', 'total 2')).toBe('total (2)');
  });
});

describe('docs/walkthrough.md', () => {
  it('follows the conventions: every sh block is run, background, or a skipped installation', () => {
    expect(doc.problems).toEqual([]);
    expect(doc.blocks.filter((b) => b.kind === 'run').length).toBeGreaterThan(10);
    const background = doc.blocks.filter((b) => b.kind === 'background').map((b) => b.code);
    expect(background.some((code) => code.includes('npm run fake-razorpay'))).toBe(true);
    expect(background.some((code) => /\bnpm start\b/.test(code))).toBe(true);
  });

  it(
    'runs from a fresh database to a paid order on the dashboard',
    { timeout: 150_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'shop-walkthrough-'));
      const database = await sessionDatabase(dir);
      const [port, fakePort] = [await freePort(), await freePort()];
      const env = sessionEnv({
        ...database.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        FAKE_RAZORPAY_PORT: String(fakePort),
        API: `http://127.0.0.1:${port}`,
        RZP: `http://127.0.0.1:${fakePort}`,
      });
      const { script, files } = walkthroughScript(doc.blocks, dir);
      for (const [file, text] of Object.entries(files)) writeFileSync(file, text);
      const scriptFile = join(dir, 'walkthrough.sh');
      writeFileSync(scriptFile, script);

      let session: Session | null = null;
      try {
        session = await runSession(scriptFile, env, dir);
        if (session.code !== 0 || session.stopped || !session.output.includes(END)) {
          throw new Error(failureReport(session, dir));
        }
        const outputs = outputsByBlock(session.output);
        for (const block of doc.blocks) {
          expect(outputs.has(block.number), `block at ${DOC}:${block.line} ran`).toBe(
            block.kind !== 'skip',
          );
        }

        // The shown outputs are what the commands print.
        const mismatches = doc.blocks
          .filter((b) => b.kind === 'run' && b.expected !== null)
          .map((b) => ({ b, missing: missingExpectedLine(b.expected!, outputs.get(b.number)!) }))
          .filter(({ missing }) => missing !== null)
          .map(
            ({ b, missing }) =>
              `${DOC}:${b.line}: "${missing}" not in the output:\n${outputs.get(b.number)}`,
          );
        expect(mismatches, mismatches.join('\n\n')).toEqual([]);

        // The outcome, read from the outputs of the blocks that show it.
        const linesOf = (fragment: string) => {
          const block = doc.blocks.findLast((b) => b.kind === 'run' && b.code.includes(fragment));
          expect(block, `a block calling ${fragment}`).toBeDefined();
          return outputs
            .get(block!.number)!
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean);
        };
        const [orderNumber, status, paymentStatus, total, , replayedNumber] = linesOf(
          'Idempotency-Key: walkthrough-checkout-1',
        );
        expect(orderNumber).toMatch(/^ORD-[0-9A-F]{12}$/);
        expect([status, paymentStatus]).toEqual(['pending', 'pending']);
        expect(replayedNumber, 'the Idempotency-Key retry answers the same order').toBe(
          orderNumber,
        );

        const [computed, fromCheckout] = linesOf('openssl dgst -sha256 -hmac "$KEY_SECRET"');
        expect(computed).toMatch(/^computed: [0-9a-f]{64}$/);
        expect(fromCheckout!.replace('checkout: ', '')).toBe(computed!.replace('computed: ', ''));

        expect(linesOf('/api/orders/$ORDER_ID/').slice(0, 2)).toEqual(['paid', 'success']);

        const [revenue, orders, byStatus] = linesOf('/api/analytics/dashboard/');
        expect(revenue, 'revenue is the paid order').toBe(total);
        expect(orders).toBe('1');
        const counts = JSON.parse(byStatus!) as { status: string; count: number }[];
        expect(counts.filter((c) => c.count > 0)).toEqual([{ status: 'paid', count: 1 }]);
      } finally {
        if (session) await stopGroup(session.pid);
        await database.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
