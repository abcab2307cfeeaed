import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHROMIUM = '/usr/bin/chromium';
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const index = join(repo, 'dist', 'admin', 'index.html');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Vitest global setup: the browser tests drive the built /admin app, so build it (as
 * `npm run build` does) when it is missing or older than its sources (the app and @shop/client). Skipped without
 * Chromium, where the browser tests skip too.
 */
export default async function buildAdmin() {
  if (!existsSync(CHROMIUM)) return;
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(newestMtime(join(repo, 'admin')), newestMtime(join(repo, 'packages', 'client')))) return;
  const { build } = await import('vite');
  // As `npm run build` does: vitest runs with NODE_ENV=test, which would bundle React's
  // development build and JSX runtime.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(repo, 'admin', 'vite.config.ts'),
      root: join(repo, 'admin'),
      mode: 'production',
      logLevel: 'warn',
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}
