import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment of a child process: the machine's, less anything that would select a database. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  for (const key of ['DATABASE_URL', 'DATA_DIR', 'JWT_SECRET', 'PORT', 'REDIS_URL']) delete clean[key];
  return { ...clean, LOG_LEVEL: 'warn', ARGON2_MEMORY_KIB: '1024', ARGON2_ITERATIONS: '1', ...env };
}

/** Starts `src/<script>` under tsx as its own process. */
export function start(script: string, args: string[], env: Record<string, string>) {
  return spawn(process.execPath, ['--import', 'tsx', `src/${script}`, ...args], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `src/<script>` to completion and returns its exit code and output. */
export function run(script: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = start(script, args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Waits until a server answers /health/ready; the error carries its output when it never does. */
export async function waitForReady(base: string, output: () => string = () => '', timeoutMs = 40_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${base}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server ${base} did not become ready\n${output()}`);
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on, chosen by the kernel (a random number in
 * 20,000 … 40,000 once collided with another test's connection: EADDRINUSE, since the
 * kernel's ephemeral range starts at 32,768).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
