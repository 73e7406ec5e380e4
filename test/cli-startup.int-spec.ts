import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from './support/shipped-catalog.js';

/**
 * The commands that need no gateway start without NestJS, its swagger package and rxjs:
 * loading them cost every such command ~0.45 s (the CLI validates trips and bookings with
 * the API's DTO classes, whose OpenAPI side once imported the swagger package).
 */
describe('passerelle commands without the gateway', () => {
  let dir: string;
  let register: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passerelle-cli-startup-'));
    // A module resolution hook that prints each package the process asks for.
    const hooks = join(dir, 'hooks.mjs');
    await writeFile(
      hooks,
      `export async function resolve(specifier, context, next) {
  if (!specifier.startsWith('.') && !specifier.startsWith('node:') && !specifier.startsWith('file:')) {
    process.stderr.write('RESOLVED ' + specifier + '\\n');
  }
  return next(specifier, context);
}\n`,
    );
    register = join(dir, 'register.mjs');
    await writeFile(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(repoPath('var/cli-startup-preview'), { recursive: true, force: true });
  });

  const packagesOf = (args: readonly string[]): string[] => {
    const run = spawnSync(
      process.execPath,
      ['--import', register, repoPath('dist/cli.js'), ...args],
      {
        cwd: repoPath('.'),
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    return run.stderr
      .split('\n')
      .filter((line) => line.startsWith('RESOLVED '))
      .map((line) => line.slice('RESOLVED '.length));
  };

  it.each([
    [['contracts', 'lint']],
    [
      [
        'preview',
        '--trip',
        'samples/trip-nyc.json',
        '--bookings',
        'samples/bookings-nyc.json',
        '--summary',
        '--out',
        'var/cli-startup-preview',
      ],
    ],
  ])('should run %j without loading NestJS', (args) => {
    const packages = packagesOf(args);
    // The hook saw the command's own packages (it works), and none of the gateway's.
    expect(packages).toContain('commander');
    expect(packages.filter((name) => /^(@nestjs\/|rxjs)/.test(name))).toEqual([]);
  });
});
