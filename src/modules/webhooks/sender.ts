import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { AddressRefused, hostOf, type Resolver, resolvePermitted, urlProblem } from './addresses.js';

/** How much of a receiver's answer is kept on the attempt's row. */
const SNIPPET_BYTES = 1024;

export interface SendOptions {
  resolve: Resolver;
  allowPrivate: boolean;
  timeoutMs: number;
}

export interface SendResult {
  ok: boolean;
  /** The receiver's status; null when no answer came. */
  status: number | null;
  durationMs: number;
  /** The start of the answer, or why there was none. */
  snippet: string;
}

/** The Standard Webhooks headers of one attempt (the signature covers "id.timestamp.body"). */
export function signedHeaders(secret: string, webhookId: string, at: Date, body: string): Record<string, string> {
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(webhookId, at, body),
  };
}

/**
 * POSTs one signed message. The host is resolved and checked here, and the socket connects
 * to exactly the addresses checked (a pinned lookup): a DNS answer that changes between the
 * check and the connection (rebinding) cannot steer it elsewhere. Redirects are not followed;
 * only 2xx is success.
 */
export async function sendWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const problem = urlProblem(target, options.allowPrivate);
  if (problem) return { ok: false, status: null, durationMs: elapsed(), snippet: `URL refused: ${problem}` };
  const url = new URL(target);
  let addresses: LookupAddress[];
  try {
    addresses = await resolvePermitted(hostOf(url), options.resolve, options.allowPrivate);
  } catch (err) {
    if (err instanceof AddressRefused) return { ok: false, status: null, durationMs: elapsed(), snippet: err.message };
    throw err;
  }
  try {
    const response = await post(url, { ...headers, 'content-type': 'application/json' }, body, addresses, options.timeoutMs);
    const ok = response.status >= 200 && response.status < 300;
    return { ok, status: response.status, durationMs: elapsed(), snippet: response.snippet };
  } catch (err) {
    return { ok: false, status: null, durationMs: elapsed(), snippet: (err as Error).message };
  }
}

function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, opts, callback) => {
    if ((opts as { all?: boolean }).all) {
      (callback as unknown as (err: null, all: LookupAddress[]) => void)(null, addresses);
    } else {
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    }
  };
}

function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  addresses: LookupAddress[],
  timeoutMs: number,
): Promise<{ status: number; snippet: string }> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'shop-webhooks/1' },
      lookup: pinnedLookup(addresses),
      // A fresh connection per attempt: a pooled socket would skip the address check.
      agent: false,
    });
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, snippet: snippetOf(Buffer.concat(chunks)) });
      };
      res.on('data', (chunk: Buffer) => {
        if (size >= SNIPPET_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        // Enough to show: stop reading the rest of a large answer.
        if (size >= SNIPPET_BYTES) {
          finish();
          res.destroy();
        }
      });
      res.on('end', finish);
      res.on('error', finish);
    });
    req.end(body);
  });
}

/** Text that PostgreSQL can store: at most SNIPPET_BYTES characters, no NUL. */
function snippetOf(bytes: Buffer): string {
  return bytes.toString('utf8').slice(0, SNIPPET_BYTES).replaceAll('\u0000', '');
}
