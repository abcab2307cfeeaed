import { parseArgs } from 'node:util';
import { configOrExit, databaseOrExit } from './bootstrap.js';
import type { Config } from './config.js';
import { type Database, DataDirLockedError, openDatabase } from './db/client.js';
import { seedDemoCatalog } from './db/seed.js';
import { AppError } from './http/errors.js';
import { createOrPromoteAdmin, PasswordHasher } from './modules/accounts/index.js';
import { addProductImage, openMediaStorage } from './modules/media/index.js';
import { rebuildStats } from './modules/orders/index.js';

const USAGE = `Usage:
  npm run db:migrate                 apply pending migrations
  npm run db:seed                    load the demo catalog (idempotent)
  npm run cli -- stats:rebuild       recompute the analytics totals from the orders
  npm run admin:create -- --username U --email E --password P
                                     create a staff user, or make an existing one staff`;

/** Operator commands. Each opens the database (applying migrations first) and exits. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (!['migrate', 'seed', 'admin:create', 'stats:rebuild'].includes(command)) {
    console.error(`Unknown command "${command}".\n${USAGE}`);
    return 2;
  }
  let adminArgs: { username?: string; email?: string; password?: string } = {};
  if (command === 'admin:create') {
    try {
      adminArgs = parseArgs({
        args: rest,
        options: {
          username: { type: 'string' },
          email: { type: 'string' },
          password: { type: 'string' },
        },
      }).values;
    } catch (err) {
      console.error(`${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    const missing = (['username', 'email', 'password'] as const).filter((k) => !adminArgs[k]);
    if (missing.length) {
      console.error(`admin:create needs ${missing.map((m) => `--${m}`).join(', ')}.\n${USAGE}`);
      return 2;
    }
  }

  const config = configOrExit();
  const database = await openForCommand(config, command);
  if (!database) return 1;
  try {
    switch (command) {
      case 'migrate':
        console.log(`Migrations applied (${database.kind}).`);
        return 0;
      case 'stats:rebuild':
        await rebuildStats(database.db);
        console.log('Analytics totals recomputed from the orders.');
        return 0;
      case 'seed': {
        // The demo pictures go through the upload path, into the configured media storage.
        const storage = openMediaStorage(config.media);
        const media = { database, storage };
        const result = await seedDemoCatalog(database.db, async (productId, bytes, alt) =>
          (await addProductImage(media, productId, bytes, alt)).id,
        ).finally(() => storage.close?.());
        console.log(
          `Demo catalog ready: ${result.categories} categories, ${result.products} products ` +
            `(${result.createdProducts} new).`,
        );
        return 0;
      }
      default: {
        const { user, created } = await createOrPromoteAdmin(database, new PasswordHasher(config.argon2), {
          username: adminArgs.username!,
          email: adminArgs.email!,
          password: adminArgs.password!,
        });
        console.log(
          created
            ? `Created staff user "${user.username}" (id ${user.id}).`
            : `User "${user.username}" (id ${user.id}) is now staff.`,
        );
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof AppError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  } finally {
    await database.close();
  }
}

/**
 * What to do instead when the server holds the embedded database: it is one process's. The
 * running server does the same from the admin (the first-run setup page, the admin API).
 */
const WHILE_SERVER_RUNS: Record<string, string> = {
  seed:
    'While the server runs, load the demo catalogue from the admin instead: the first-run setup page ' +
    '(/admin/setup, its link is printed at start-up) offers it, or POST /api/admin/demo-catalog/ ' +
    'as staff. Or stop the server and run this again.',
  'admin:create':
    'While the server runs, create the first admin with the setup link it printed at start-up ' +
    '(/admin/setup?token=…), or make staff in the admin (Users). Or stop the server and run this again.',
};

/** Opens the database; null (with what to do) when the server holds the embedded one. */
async function openForCommand(config: Config, command: string): Promise<Database | null> {
  try {
    return await openDatabase(config);
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) return databaseOrExit(config);
    const hint = WHILE_SERVER_RUNS[command];
    console.error(hint ? `${err.message}\n${hint}` : err.message);
    return null;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
