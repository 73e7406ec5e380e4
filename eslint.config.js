// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports that would make the core impure (DESIGN.md: no NestJS, no I/O in src/core). */
export const CORE_FORBIDDEN_IMPORTS = [
  { group: ['@nestjs/*'], message: 'src/core is pure: no NestJS (adapters live in src/modules).' },
  {
    group: ['class-validator', 'class-transformer'],
    message: 'src/core is pure: validation DTOs live in src/modules.',
  },
  {
    group: ['bullmq', 'ioredis', 'pg', 'kysely', 'ssh2', 'ssh2-sftp-client'],
    message: 'src/core is pure: no queues, databases or networks.',
  },
  {
    group: [
      'fs',
      'fs/*',
      'node:fs',
      'node:fs/*',
      'net',
      'node:net',
      'http',
      'node:http',
      'https',
      'node:https',
      'http2',
      'node:http2',
      'child_process',
      'node:child_process',
      'dgram',
      'node:dgram',
      'tls',
      'node:tls',
    ],
    message: 'src/core is pure: no I/O (pass data in, return results).',
  },
  {
    group: ['**/modules/**', '**/database/**', '**/config/**', '**/cli/**', '**/main', '**/cli'],
    message: 'src/core imports nothing outside src/core.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-bench/**',
      'var/**',
      'node_modules/**',
      'coverage/**',
      'test/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
      '@typescript-eslint/consistent-type-definitions': ['error', 'interface'],
      'no-console': 'error',
      // NestJS declares its option bags as classes but documents plain objects for them.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    // Specs beside the core read fixtures from disk; the code under test stays pure.
    ignores: ['src/core/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: CORE_FORBIDDEN_IMPORTS }],
      // No clock and no randomness in the core: time and ids are arguments.
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'src/core has no timers.' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'src/core has no clock: take the time as an argument.',
        },
        { object: 'Math', property: 'random', message: 'src/core has no randomness.' },
        { object: 'crypto', property: 'randomUUID', message: 'src/core has no randomness.' },
        { object: 'process', message: 'src/core reads no environment.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'src/core has no clock: take the time as an argument.',
        },
      ],
    },
  },
  {
    files: ['src/cli.ts', 'src/cli/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['eslint.config.js', '.dependency-cruiser.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['.dependency-cruiser.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } },
  },
);
