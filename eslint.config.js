import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Deep imports into a module, which must go through the module's index.ts instead:
 * `…/modules/<m>/<file>.js` from anywhere in src/, and from inside src/modules/<m>/ also
 * `../<other>/<file>.js`. A module's own files (`./x.js`), other modules' `index.js`, and
 * shared code (`../../db/…`, `../../http/…`, `../../kernel/…`) are not matched.
 */
const intoModuleInternals = {
  regex: '(^|/)modules/[^/]+/(?!index\\.js$)',
  message:
    "Import a module through its index.ts ('…/modules/<module>/index.js'), not its internals.",
};
const intoSiblingInternals = {
  regex: '^\\.\\./[^./][^/]*/(?!index\\.js$)',
  message:
    "Import another module through its index.ts ('../<module>/index.js'), not its internals.",
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'examples/*/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  // Module boundaries (docs/architecture.md, "Module boundaries"): code outside a module
  // reaches it through its index.ts only. Tests (test/**) may import internals: they test
  // units, so these blocks cover src/ alone.
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [intoModuleInternals] }] },
  },
  {
    files: ['src/modules/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [intoModuleInternals, intoSiblingInternals] }],
    },
  },
  {
    // The kernel is what every module shares and no module owns; it depends on no module.
    files: ['src/kernel/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)modules/',
              message: 'The kernel imports no module; move what it needs into src/kernel/.',
            },
          ],
        },
      ],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
