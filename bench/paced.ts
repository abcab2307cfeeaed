/**
 * Latency at a fixed rate, open loop: jobs start on a fixed schedule (`rate` per second,
 * evenly spaced) whether or not earlier ones have finished, and each request's latency is
 * counted from the moment it was due, so a stall shows in the figures instead of silently
 * slowing the schedule (no coordinated omission).
 *
 * autocannon's `overallRate` is not used for this: it lets each connection send its
 * per-second quota back to back at the start of every second and then idle, so "half the
 * maximum rate" is full load for half of each second, and it corrects latencies with an
 * expected interval of ceil(1 / rate) = 1 ms.
 */
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface HttpCall {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export interface Client {
  /**
   * Sends a request; its latency is counted from `due` (default: now). It is recorded if
   * `job` (default: `due`), the moment its job was due, falls after the warm-up.
   */
  send(call: HttpCall, due?: number, job?: number): Promise<HttpAnswer>;
}


export interface PacedResult {
  rate: number;
  /** Requests answered per second over the run */
  achieved: number;
  requests: number;
  p50: number;
  p99: number;
  max: number;
  /**
   * The load generator's longest event-loop delay during the run, ms: a stall of its own
   * delays the requests due meanwhile, and shows in their latencies.
   */
  generatorStall: number;
  errors: number;
  failures: string[];
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;

/** A keep-alive HTTP client that records every request's latency and its failures. */
export function httpClient(base: string, connections: number, timeoutMs = 10_000) {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const failures: string[] = [];
  let errors = 0;
  // Requests due before this moment (performance.now()) are not counted: the warm-up.
  let countFrom = 0;
  const fail = (call: HttpCall, what: string) => {
    errors++;
    if (failures.length < 5) failures.push(`${call.method} ${call.path}: ${what}`);
  };
  const client: Client = {
    send(call, due = performance.now(), job = due) {
      return new Promise<HttpAnswer>((resolve) => {
        const headers: Record<string, string | number> = { ...call.headers };
        if (call.body !== undefined) {
          headers['content-type'] ??= 'application/json';
          headers['content-length'] = Buffer.byteLength(call.body);
        }
        const request = http.request(
          { agent, host: url.hostname, port: url.port, method: call.method, path: call.path, headers, timeout: timeoutMs },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              const status = response.statusCode ?? 0;
              const body = Buffer.concat(chunks).toString('utf8');
              if (job >= countFrom) {
                latencies.push(performance.now() - due);
                if (status < 200 || status >= 300) fail(call, `${status} ${body.slice(0, 300)}`);
              }
              resolve({ status, body });
            });
          },
        );
        request.on('timeout', () => request.destroy(new Error(`no answer in ${timeoutMs} ms`)));
        request.on('error', (err) => {
          if (job >= countFrom) fail(call, err.message);
          resolve({ status: 0, body: err.message });
        });
        request.end(call.body);
      });
    },
  };
  return {
    client,
    summary(seconds: number, rate: number): PacedResult {
      const sorted = Float64Array.from(latencies).sort();
      const values = Array.from(sorted);
      return {
        rate,
        achieved: latencies.length / seconds,
        requests: latencies.length,
        p50: percentile(values, 50),
        p99: percentile(values, 99),
        max: values.at(-1) ?? NaN,
        generatorStall: NaN,
        errors,
        failures,
      };
    },
    countFrom(moment: number) {
      countFrom = moment;
    },
    close: () => agent.destroy(),
  };
}

/**
 * Starts `job` `rate` times a second for `warmUpSeconds` (not counted: the connections
 * open, the code warms up) and then for `seconds`, evenly spaced, and waits for the last
 * ones to finish (at most `drainMs`). `job` gets the client and the moment it was due.
 */
export async function paced(options: {
  base: string;
  rate: number;
  seconds: number;
  warmUpSeconds?: number;
  connections: number;
  job: (client: Client, due: number) => Promise<void>;
  drainMs?: number;
}): Promise<PacedResult> {
  const { client, summary, close, countFrom: startCounting } = httpClient(options.base, options.connections);
  const interval = 1000 / options.rate;
  const warmUp = Math.round(options.rate * (options.warmUpSeconds ?? 1));
  const total = warmUp + Math.max(1, Math.round(options.rate * options.seconds));
  const inFlight = new Set<Promise<void>>();
  let jobErrors = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const t0 = performance.now();
  const countFrom = t0 + warmUp * interval;
  startCounting(countFrom);
  let started = 0;
  while (started < total) {
    const now = performance.now();
    while (started < total && t0 + started * interval <= now) {
      const due = t0 + started * interval;
      const run: Promise<void> = options
        .job(client, due)
        .catch(() => {
          if (due >= countFrom) jobErrors++;
        })
        .finally(() => inFlight.delete(run));
      inFlight.add(run);
      started++;
    }
    await sleep(1);
  }
  await Promise.race([Promise.allSettled([...inFlight]), sleep(options.drainMs ?? 15_000)]);
  const result = summary((performance.now() - countFrom) / 1000, options.rate);
  loop.disable();
  result.generatorStall = loop.max / 1e6;
  close();
  result.errors += jobErrors + inFlight.size;
  return result;
}
