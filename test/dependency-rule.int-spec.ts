import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoPath } from './support/shipped-catalog.js';

const run = promisify(execFile);
const fixture = repoPath('test/fixtures/dependency-rule');

describe('the dependency rule (npm run check)', () => {
  it('should fail dependency-cruiser when src/core imports NestJS, class-validator, node:fs, node:http or an adapter', async () => {
    const depcruise = repoPath('node_modules/.bin/depcruise');
    const result = await run(depcruise, ['src', '--config', repoPath('.dependency-cruiser.cjs')], {
      cwd: fixture,
    }).then(
      (ok) => ({ stdout: ok.stdout, code: 0 }),
      (error: unknown) => error as { stdout: string; code: number },
    );
    expect(result.code).not.toBe(0);
    const broken = [...result.stdout.matchAll(/error ([\w-]+): (\S+) → (\S+)/g)].map(
      ([, rule, from, to]) => `${rule ?? ''} ${from ?? ''} -> ${to ?? ''}`,
    );
    expect(broken).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^core-is-pure src\/core\/impure\.ts -> .*@nestjs\/common/),
        expect.stringMatching(/^core-is-pure src\/core\/impure\.ts -> .*class-validator/),
        'core-is-pure src/core/impure.ts -> fs',
        'core-is-pure src/core/impure.ts -> http',
        'core-imports-only-core src/core/impure.ts -> src/modules/helper.ts',
      ]),
    );
    expect(
      broken.filter((line) => line.includes('pure.ts ->') && !line.includes('impure.ts')),
    ).toEqual([]);
  }, 60_000);

  it('should pass dependency-cruiser on the project itself', async () => {
    await expect(
      run(repoPath('node_modules/.bin/depcruise'), ['src', '--config', '.dependency-cruiser.cjs'], {
        cwd: repoPath('.'),
      }),
    ).resolves.toBeDefined();
  }, 60_000);

  it('should fail ESLint on the same imports in src/core (second line of defence)', async () => {
    const eslint = new ESLint({
      cwd: repoPath('.'),
      overrideConfig: { linterOptions: { reportUnusedDisableDirectives: 'off' } },
    });
    const source = `import { Injectable } from '@nestjs/common';\nimport { readFileSync } from 'node:fs';\nexport const uses = [Injectable, readFileSync, Date.now(), Math.random()];\n`;
    const [result] = await eslint.lintText(source, {
      filePath: repoPath('src/core/model/derive-facts.ts'),
    });
    const messages = (result?.messages ?? []).map((m) => `${m.ruleId ?? ''}: ${m.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^no-restricted-imports: .*@nestjs\/common.*no NestJS/),
        expect.stringMatching(/^no-restricted-imports: .*node:fs.*no I\/O/),
        expect.stringMatching(/^no-restricted-properties: .*no clock/),
        expect.stringMatching(/^no-restricted-properties: .*no randomness/),
      ]),
    );
  }, 60_000);
});
