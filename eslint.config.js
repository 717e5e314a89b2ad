// @ts-check
/**
 * ESLint flat config: @eslint/js recommended + typescript-eslint recommendedTypeChecked, with type
 * information from the TypeScript project service (the nearest tsconfig.json of each file).
 * Formatting is Prettier's job (`npm run format`); nothing here concerns layout.
 */
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Node globals for plain JavaScript files (TypeScript files get them from @types/node). */
const nodeGlobals = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  fetch: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  structuredClone: 'readonly',
};

export default defineConfig(
  globalIgnores([
    'dist/',
    'node_modules/',
    'client/dist/',
    'data/',
    'coverage/',
    'test-artifacts/',
    'tests/fixtures/',
  ]),

  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,

  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Promises: an unhandled rejection takes a worker down; a promise passed where a callback's
      // result is ignored (event emitters, bee-queue handlers) loses its errors.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // A switch over a union/enum without `default` must name every member, so adding a member
      // (a new JobStatus, an ExportFormat) points at every place to update. A `default` branch
      // counts as handling the rest.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      // Must stay off: it rewrites `import { X }` to `import type { X }` for classes used only in
      // type positions, and a type-only import erases the runtime reference that
      // emitDecoratorMetadata needs. type-graphql and MikroORM then read `undefined` as the
      // property type (e.g. `design:type` of a `Rel<Speaker>` field) and fail at schema build.
      '@typescript-eslint/consistent-type-imports': 'off',

      eqeqeq: ['error', 'smart'],
      // Single-line bodies may skip braces (`if (!x) return;`); multi-line bodies need them.
      curly: ['error', 'multi-line'],

      // bee-queue and fluent-ffmpeg are loosely typed; report `any` leaks but do not fail on them.
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-unsafe-argument': 'warn',
      '@typescript-eslint/no-unsafe-assignment': 'warn',
      '@typescript-eslint/no-unsafe-call': 'warn',
      '@typescript-eslint/no-unsafe-member-access': 'warn',
      '@typescript-eslint/no-unsafe-return': 'warn',
      // `items[i]!` is harmless here (noUncheckedIndexedAccess is off) and becomes necessary if it
      // is ever turned on; report it without failing the run. `--fix` removes it.
      '@typescript-eslint/no-unnecessary-type-assertion': 'warn',
      // Resolvers and service methods are `async` by contract even when they do not await yet.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },

  {
    files: ['tests/**/*.ts'],
    rules: {
      // `expect(service.method).toHaveBeenCalled()` and jest mocks pass methods unbound on purpose.
      '@typescript-eslint/unbound-method': 'off',
    },
  },

  {
    // Plain JavaScript (this file, jest.config.cjs, scripts) is outside tsconfig: no type info.
    files: ['**/*.{js,cjs,mjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: nodeGlobals },
  },
  {
    // typescript-eslint sets sourceType "module" everywhere; CommonJS files need it back.
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        module: 'writable',
        exports: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
      },
    },
  },
);
