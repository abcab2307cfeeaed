import { type Config, ConfigError, loadConfig } from './config.js';
import { type Database, DataDirLockedError, openDatabase } from './db/client.js';

/** Loads the config, or stops the process with one line naming the bad setting. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

/** Opens the database and applies migrations, or stops with a clear line when it cannot. */
export async function databaseOrExit(
  config: Config,
  onPoolError?: (err: Error) => void,
): Promise<Database> {
  try {
    return await openDatabase(config, onPoolError);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      console.error(err.message);
      process.exit(1);
    }
    const code = (err as { code?: string }).code;
    if (config.databaseUrl && (code === 'ECONNREFUSED' || code === '3D000' || code === '28P01')) {
      console.error(`Cannot use DATABASE_URL: ${(err as Error).message}`);
      process.exit(1);
    }
    throw err;
  }
}
