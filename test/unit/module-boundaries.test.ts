import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The module-boundary rule of eslint.config.js, as `npm run lint` applies it: the real
 * config on snippets linted as if they were files of the repository (the file globs pick
 * the rule's options). Type-aware rules are turned off (the rule needs no types, and the
 * type checker's start takes a minute); only the boundary rule's messages are looked at.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({
    cwd: root,
    overrideConfigFile: 'eslint.config.js',
    overrideConfig: tseslint.configs.disableTypeChecked,
  });
});

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const importOf = (path: string) => `import * as m from '${path}';\nexport const used = m;\n`;

describe('module boundaries (no-restricted-imports)', () => {
  it('fails a deep import into another module from inside a module, and passes its index.js', async () => {
    const file = 'src/modules/cart/service.ts';
    expect(await boundaryErrors(file, importOf('../catalog/search.js'))).toEqual([
      expect.stringContaining("through its index.ts ('../<module>/index.js')"),
    ]);
    expect(
      await boundaryErrors(
        file,
        `import type { OrderRow } from '../orders/repository.js';\nexport type R = OrderRow;\n`,
      ),
    ).toHaveLength(1);
    expect(
      await boundaryErrors(file, `export { listColumns } from '../catalog/search.js';\n`),
    ).toHaveLength(1);
    expect(await boundaryErrors(file, importOf('../catalog/index.js'))).toEqual([]);
  });

  it('passes a module’s own files and the shared code', async () => {
    const file = 'src/modules/orders/service.ts';
    expect(await boundaryErrors(file, importOf('./repository.js'))).toEqual([]);
    expect(await boundaryErrors(file, importOf('../../db/client.js'))).toEqual([]);
    expect(await boundaryErrors(file, importOf('../../http/errors.js'))).toEqual([]);
    expect(await boundaryErrors(file, importOf('../../kernel/actor.js'))).toEqual([]);
  });

  it('fails the app wiring and src/http reaching into a module, and passes its index.js', async () => {
    expect(
      await boundaryErrors('src/app.ts', importOf('./modules/accounts/service.js')),
    ).toHaveLength(1);
    expect(
      await boundaryErrors('src/services.ts', importOf('./modules/payments/refunds.js')),
    ).toHaveLength(1);
    expect(
      await boundaryErrors('src/http/auth.ts', importOf('../modules/accounts/service.js')),
    ).toHaveLength(1);
    expect(
      await boundaryErrors(
        'src/modules/admin/routes.ts',
        importOf('../../modules/accounts/admin.js'),
      ),
    ).toHaveLength(1);
    expect(await boundaryErrors('src/app.ts', importOf('./modules/accounts/index.js'))).toEqual([]);
    expect(await boundaryErrors('src/http/problem.ts', importOf('../db/errors.js'))).toEqual([]);
  });

  it('fails the kernel importing any module, even through its index.js', async () => {
    expect(
      await boundaryErrors('src/kernel/actor.ts', importOf('../modules/accounts/index.js')),
    ).toHaveLength(1);
  });

  it('lets tests import a module’s internals', async () => {
    expect(
      await boundaryErrors(
        'test/unit/tokens.test.ts',
        importOf('../../src/modules/accounts/tokens.js'),
      ),
    ).toEqual([]);
  });
});
