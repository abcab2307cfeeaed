/**
 * Property: whatever a client sends to any operation of the OpenAPI document — wrong
 * types, numbers at and past every bound, odd and huge strings, extra and missing fields,
 * junk ids and query parameters, as anybody — the answer is never a 5xx, and every 4xx is
 * application/problem+json with a known `code`.
 *
 * The seed is fixed (13) so that CI is repeatable; each operation derives its own from it.
 *   FUZZ_SEED=<n>|random  another seed (printed on failure)
 *   FUZZ_RUNS=<n>         random requests per operation (default 25)
 *   FUZZ_OP='POST /api/cart/add/'  only the operations whose "METHOD /path" contains this
 *   FUZZ_PATH=<path>      with FUZZ_SEED and FUZZ_OP: replay the one failing case fast-check printed
 *   FUZZ_COLLECT=1        do not stop at an operation's first failure: list every distinct one
 */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/http/errors.js';
import { buildTestApp } from '../helpers/app.js';
import { FakeRazorpay } from '../helpers/fake-razorpay.js';
import {
  build,
  type Built,
  type Operation,
  operationsOf,
  type RequestSpec,
  requestsFor,
} from '../helpers/fuzz-requests.js';
import { webhookRequests, webhookSweep } from '../helpers/fuzz-webhook.js';
import { sweepOf, type Variant } from '../helpers/fuzz-sweep.js';
import { makeWorld, type World, worldIsIntact } from '../helpers/fuzz-world.js';

const env = process.env;
const BASE_SEED = env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(env.FUZZ_SEED ?? 13);
const RUNS = Number(env.FUZZ_RUNS ?? 25);
const COLLECT = env.FUZZ_COLLECT === '1';

// What the server logged for each request id: the cause of a 500 and where in src/ it
// was thrown, shown in the failure and used to tell distinct failures apart.
const serverErrors = new Map<string, string>();
const logger = pino(
  { level: 'error' },
  {
    write(line: string) {
      const { reqId, err } = JSON.parse(line) as {
        reqId?: string;
        err?: { type?: string; message?: string; stack?: string };
      };
      if (!reqId || !err) return;
      const stack = err.stack ?? '';
      // Drizzle wraps the driver's error: its cause is what went wrong.
      const cause = /\ncaused by: (.+)/.exec(stack)?.[1];
      const site = stack
        .split('\n')
        .find((l) => l.includes('/src/'))
        ?.trim()
        .replace(/\S*\/src\//, 'src/');
      serverErrors.set(reqId, `${cause ?? `${err.type}: ${err.message}`} ${site ?? ''}`);
    },
  },
);

const fake = await new FakeRazorpay().start();
const ctx = await buildTestApp({ ...fake.env }, { isolated: true, logger });
afterAll(async () => {
  await ctx.close();
  await fake.stop();
});
const operations = operationsOf(
  (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json(),
);

const short = (text: string, n = 300) =>
  text.length > n ? `${text.slice(0, n)}… (${text.length} chars)` : text;

interface Wrong {
  /** The kind of failure, to count distinct ones: status and code, or the server's error. */
  kind: string;
  text: string;
}

/** What is wrong with an answer, or null: no 5xx, every 4xx a problem with a known code. */
function verdict(req: Built, res: LightMyRequestResponse): Wrong | null {
  const status = res.statusCode;
  if (status < 400) return null;
  const type = String(res.headers['content-type'] ?? '');
  if (status >= 500) {
    const server = serverErrors.get(String(res.headers['x-request-id'] ?? ''));
    const text = `${status} ${short(res.body, 200)}${server ? `\n  server: ${server}` : ''}`;
    return { kind: `${status} ${server ?? res.body.replace(/[\w-]{36}/g, '')}`, text };
  }
  if (!type.startsWith('application/problem+json')) {
    const code = /"code":"(\w+)"/.exec(res.body)?.[1] ?? '';
    return {
      kind: `${status} ${type} ${code}`,
      text: `${status} as ${type || 'no content type'}: ${short(res.body, 200)}`,
    };
  }
  if (req.method === 'HEAD') return null;
  let body: { code?: string; status?: number };
  try {
    body = JSON.parse(res.body) as typeof body;
  } catch {
    return {
      kind: `${status} not JSON`,
      text: `${status} problem+json that is not JSON: ${short(res.body, 200)}`,
    };
  }
  if (!body.code || !(body.code in ERROR_CODES)) {
    return {
      kind: `${status} code ${body.code}`,
      text: `${status} problem without a known code: ${short(res.body, 200)}`,
    };
  }
  if (body.status !== status) {
    return {
      kind: `${status} status ${body.status}`,
      text: `${status} problem whose status says ${body.status}`,
    };
  }
  return null;
}

const describeRequest = (req: Built) =>
  `${req.method} ${short(req.url, 200)}\n  headers: ${short(JSON.stringify(req.headers), 300)}` +
  (req.payload === undefined ? '' : `\n  body: ${short(req.payload, 400)}`);

async function send(req: Built): Promise<LightMyRequestResponse> {
  return ctx.app.inject({ ...req, method: req.method as 'GET' });
}

/** A seed of each operation's own, so that one operation's replay needs no other's. */
function seedOf(name: string): number {
  let h = BASE_SEED;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

// Shared by the operations until one breaks it (deletes a fixture, signs a caller out…).
let world: World | null = null;

/** The sweep: each trap in each field, alone, as the caller the operation is for. */
async function sweep(op: Operation, current: World, found: Map<string, string>) {
  const { base, variants }: { base: RequestSpec; variants: Variant[] } =
    op.path === WEBHOOK ? webhookSweep() : sweepOf(op);
  const first = await send(build(op, base, current));
  const caller = first.statusCode === 403 ? 'admin' : base.caller;
  for (const variant of variants) {
    const req = build(op, { ...variant, caller }, current);
    const res = await send(req);
    const wrong =
      variant.mustRefuse && res.statusCode < 400
        ? {
            kind: `accepted ${variant.mustRefuse}`,
            text: `${res.statusCode}: accepted a value of ${variant.mustRefuse} that its schema forbids`,
          }
        : verdict(req, res);
    if (wrong && !found.has(wrong.kind))
      found.set(wrong.kind, `${wrong.text}\n  request: ${describeRequest(req)}`);
  }
}

const WEBHOOK = '/api/payments/webhook/';

async function fuzz(
  name: string,
  op: Operation | null,
  arbitrary: fc.Arbitrary<RequestSpec & { op?: Operation }>,
) {
  if (!world || !(await worldIsIntact(ctx, world))) world = await makeWorld(ctx, fake);
  const current = world;
  const found = new Map<string, string>();
  if (op && !env.FUZZ_PATH) await sweep(op, current, found);
  const seed = seedOf(name);
  const property = fc.asyncProperty(arbitrary, async (spec) => {
    const req = build(spec.op ?? op!, spec, current);
    const wrong = verdict(req, await send(req));
    if (!wrong) return;
    const report = `${wrong.text}\n  request: ${describeRequest(req)}`;
    if (!COLLECT) throw new Error(report);
    if (!found.has(wrong.kind)) found.set(wrong.kind, report);
  });
  const replay = env.FUZZ_PATH ? { path: env.FUZZ_PATH, endOnFailure: true } : {};
  const details = await fc.check(property, { seed, numRuns: RUNS, ...replay });
  const failures = [...found.values()];
  if (details.failed) {
    const error = details.errorInstance;
    failures.push(
      `random: ${error instanceof Error ? error.message : String(error)}\n` +
        `  replay: FUZZ_SEED=${BASE_SEED} FUZZ_OP='${name}' FUZZ_PATH='${details.counterexamplePath}' ` +
        `npx vitest run test/http/fuzz.test.ts (${details.numRuns} runs, ${details.numShrinks} shrinks)`,
    );
  }
  if (failures.length) {
    throw new Error(
      `${name}: ${failures.length} distinct failures (seed ${seed}):\n\n${failures.join('\n\n')}`,
    );
  }
}

const selected = operations.filter((op) => `${op.method} ${op.path}`.includes(env.FUZZ_OP ?? ''));

describe(`fuzz every operation of the OpenAPI document (seed ${BASE_SEED}, ${RUNS} runs each)`, () => {
  it('covers the whole document', () => {
    expect(operations.length).toBeGreaterThan(50);
    expect(operations.map((op) => `${op.method} ${op.path}`)).toContain(
      'POST /api/payments/webhook/',
    );
  });

  for (const op of selected) {
    const name = `${op.method} ${op.path}`;
    const arbitrary = op.path === WEBHOOK ? webhookRequests() : requestsFor(op);
    it(name, () => fuzz(name, op, arbitrary), 120_000);
  }

  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
  const anyRoute = fc
    .tuple(fc.constantFrom(...operations), fc.constantFrom(...methods))
    .chain(([op, method]) =>
      requestsFor({ ...op, method }).map((spec) => ({ ...spec, op: { ...op, method } })),
    );
  if ('ANY'.includes(env.FUZZ_OP ?? '')) {
    it('ANY method on any path', () => fuzz('ANY', null, anyRoute), 120_000);
  }
});

/** Sends bytes over a real socket and reads the whole answer (the server closes it). */
async function raw(
  port: number,
  request: string | Buffer,
): Promise<{ status: number; headers: string; body: string }> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  // The server may answer and close before it has read everything: not our concern here.
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(request);
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.setTimeout(10_000, () => socket.destroy());
  });
  const text = Buffer.concat(chunks).toString('latin1');
  const [head = '', ...rest] = text.split('\r\n\r\n');
  return {
    status: Number(head.split(' ')[1]),
    headers: head.toLowerCase(),
    body: rest.join('\r\n\r\n'),
  };
}

describe('raw HTTP over a real port', () => {
  const post = (path: string, contentType: string | null, body: string | Buffer, extra = '') =>
    Buffer.concat([
      Buffer.from(
        `POST ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n` +
          (contentType === null ? '' : `Content-Type: ${contentType}\r\n`) +
          `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n`,
      ),
      Buffer.isBuffer(body) ? body : Buffer.from(body),
    ]);
  const get = (path: string, extra = '') =>
    `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${extra}\r\n`;

  const cases: [string, () => string | Buffer, number | number[]][] = [
    ['invalid JSON', () => post('/api/auth/login/', 'application/json', '{"username":'), 400],
    [
      'JSON with a NUL byte',
      () => post('/api/auth/login/', 'application/json', '{"username":"a\u0000","password":"x"}'),
      [400, 401],
    ],
    [
      'invalid UTF-8 in JSON',
      () =>
        post(
          '/api/auth/login/',
          'application/json',
          Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
        ),
      400,
    ],
    ['text/plain body', () => post('/api/auth/login/', 'text/plain', 'username=a&password=b'), 415],
    [
      'form body',
      () => post('/api/auth/login/', 'application/x-www-form-urlencoded', 'username=a&password=b'),
      415,
    ],
    [
      'body without a content type',
      () => post('/api/auth/login/', null, '{"username":"a","password":"b"}'),
      415,
    ],
    [
      '2 MiB body',
      () =>
        post(
          '/api/auth/login/',
          'application/json',
          `{"username":"${'a'.repeat(2 * 1024 * 1024)}"}`,
        ),
      413,
    ],
    ['a path parameter of 500 characters', () => get(`/api/categories/${'a'.repeat(500)}/`), 414],
    ['a bad percent-escape in the path', () => get('/api/orders/%E0%A4%A/'), 400],
    [
      '64 KiB of headers',
      () => get('/api/products/', `Cookie: a=${'b'.repeat(64 * 1024)}\r\n`),
      431,
    ],
    ['a header line without a colon', () => get('/api/products/', 'this is not a header\r\n'), 400],
    ['an unknown HTTP method', () => get('/api/products/').replace(/^GET/, 'BREW'), 400],
  ];

  it.each(cases)('%s is a 4xx problem', async (_name, request, status) => {
    const address = ctx.app.server.address() as AddressInfo | null;
    const port =
      address?.port ??
      (await ctx.app.listen({ port: 0, host: '127.0.0.1' }),
      (ctx.app.server.address() as AddressInfo).port);
    const res = await raw(port, request());
    expect([status].flat(), `${res.headers}\n\n${res.body.slice(0, 300)}`).toContain(res.status);
    expect(res.headers).toMatch(/\r\ncontent-type: application\/problem\+json/);
    expect(Object.keys(ERROR_CODES)).toContain((JSON.parse(res.body) as { code?: string }).code);
  });
});
