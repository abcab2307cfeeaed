import type { Logger } from 'pino';
import { workerIndex } from './cluster.js';
import { setupLink } from './modules/accounts/index.js';
import type { Services } from './services.js';

/**
 * First run: while no staff account exists, prints the one-time link that creates the first
 * admin in the browser (`/admin/setup?token=…`, valid 24 hours). Once per start, by one
 * process: in a cluster, worker 0 (every worker accepts the link: the token is signed with
 * JWT_SECRET, not stored). It goes into the log at info (JSON or pretty, the URL is a field
 * and in the message) and, when stderr is a terminal, in plain words there too, so that
 * `npm start` shows a link to click whatever the log format.
 */
export async function announceSetupLink(services: Services, logger: Pick<Logger, 'info' | 'warn'>): Promise<void> {
  if (workerIndex() !== 0) return;
  const { config } = services;
  try {
    const url = await setupLink(services.accounts, config.publicUrl ?? `http://localhost:${config.port}`);
    if (!url) return;
    logger.info({ setupUrl: url }, `no staff account yet: create the first admin at ${url} (valid 24 hours)`);
    if (process.stderr.isTTY) {
      process.stderr.write(
        `\n  First run: no staff account exists yet. Create the admin account in your browser:\n\n` +
          `    ${url}\n\n` +
          `  The link works once and for 24 hours; restarting the server prints a new one.\n\n`,
      );
    }
  } catch (err) {
    logger.warn({ err }, 'could not check for staff accounts; no setup link printed');
  }
}
