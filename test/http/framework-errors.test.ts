/**
 * Errors that Fastify or Node's HTTP server produce before any route runs are
 * application/problem+json with a stable code too. The ones Node answers on the socket
 * (431, malformed HTTP) and malformed URLs are tried over a real listening port.
 */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { expectProblem } from '../helpers/problems.js';

let ctx: TestContext;
let port: number;

beforeAll(async () => {
  ctx = await buildTestApp();
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  port = (ctx.app.server.address() as AddressInfo).port;
});
afterAll(async () => ctx?.close());

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `request` as raw bytes and reads the answer until the server closes or it is complete. */
function raw(request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const finish = () => {
      const [head = '', ...rest] = data.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const at = line.indexOf(':');
        headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const [head, body] = data.split('\r\n\r\n');
      const length = /content-length: *(\d+)/i.exec(head ?? '')?.[1];
      if (body !== undefined && length !== undefined && Buffer.byteLength(body) >= Number(length)) {
        socket.destroy();
        finish();
      }
    });
    socket.on('close', finish);
    // The server may reset the connection while the rest of a large request is in flight.
    socket.on('error', (error: NodeJS.ErrnoException) => (data ? finish() : reject(error)));
    socket.write(request);
  });
}

function expectRawProblem(res: RawResponse, status: number, code: string) {
  expect(res.status, JSON.stringify(res)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(body).toMatchObject({ type: `urn:shop:problem:${code}`, status, code });
  expect(body.detail).toEqual(expect.any(String));
  expect(body.request_id).toEqual(expect.any(String));
  expect(res.headers['x-request-id']).toBe(body.request_id);
}

describe('framework errors', () => {
  it('answers every error the framework produces as problem+json with a stable code', async () => {
    const inject = ctx.app.inject.bind(ctx.app);
    // Unknown route, and a method a route does not have (Fastify answers 404, never 405).
    expectProblem(await inject({ method: 'GET', url: '/api/nothing-here/' }), 404, 'route_not_found');
    expectProblem(await inject({ method: 'DELETE', url: '/api/products/' }), 404, 'route_not_found');
    // A path parameter longer than the router accepts.
    const long = await inject({ method: 'GET', url: `/api/categories/${'a'.repeat(221)}/` });
    expectProblem(long, 414, 'uri_too_long');
    expect(long.headers['x-request-id']).toBe(long.json().request_id);
    expectProblem(await inject({ method: 'GET', url: `/api/products/${'p'.repeat(500)}/` }), 414, 'uri_too_long');
    // A body past the limit, and a body that is not JSON.
    const big = await inject({
      method: 'POST',
      url: '/api/auth/login/',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'x'.repeat(1_100_000), password: 'y' }),
    });
    expectProblem(big, 413, 'payload_too_large');
    const text = await inject({
      method: 'POST',
      url: '/api/auth/login/',
      headers: { 'content-type': 'text/plain' },
      payload: 'username=x',
    });
    expectProblem(text, 415, 'unsupported_media_type');
  });

  it('answers 400 problem+json for a URL with a malformed percent-encoding', async () => {
    const res = await raw('GET /api/products/%E0%A4%A/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expectRawProblem(res, 400, 'bad_request');
  });

  it('answers 431 problem+json when the request headers are too large', async () => {
    const res = await raw(
      `GET /api/products/ HTTP/1.1\r\nHost: localhost\r\nX-Filler: ${'f'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
    );
    expectRawProblem(res, 431, 'headers_too_large');
    // The server goes on serving.
    const live = await raw('GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(live.status).toBe(200);
    expect(JSON.parse(live.body)).toEqual({ status: 'ok' });
  });

  it('answers 400 problem+json to a request that is not HTTP', async () => {
    expectRawProblem(await raw('HELLO THERE\r\n\r\n'), 400, 'bad_request');
    expectRawProblem(await raw('GET /api/products/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: x\r\n\r\n'), 400, 'bad_request');
  });
});
