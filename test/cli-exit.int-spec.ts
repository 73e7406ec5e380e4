import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support/loopback.js';
import { dropKeysUnder, TEST_REDIS_URL } from './support/redis.js';
import { repoPath } from './support/shipped-catalog.js';

/**
 * The built `passerelle` (dist/cli.js) with `env`; its exit code, or `'still running'` when
 * it has not ended after `limitMs` (then it is killed).
 */
function runBuilt(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  limitMs: number,
): Promise<{ code: number | 'still running'; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [repoPath('dist/cli.js'), ...args], {
      cwd: repoPath('.'),
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: 'still running', stdout, stderr });
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const QUEUE_PREFIX = 'passerelle-cli-exit-test';

afterAll(async () => {
  await dropKeysUnder(QUEUE_PREFIX);
});

describe('passerelle serve when PostgreSQL is out of reach', () => {
  it('should exit 2 naming the error code, not keep running, when DATABASE_URL cannot be reached', async () => {
    const port = await freePort();
    const run = await runBuilt(
      ['serve'],
      {
        DATABASE_URL: `postgres://postgres:s3cret-pw@127.0.0.1:${port}/passerelle_cli_exit`,
        REDIS_URL: TEST_REDIS_URL,
        PASSERELLE_QUEUE_PREFIX: QUEUE_PREFIX,
        PASSERELLE_ROLE: 'all',
        PORT: '0',
        NODE_ENV: 'test',
        PASSERELLE_DATA_KEY: Buffer.alloc(32, 7).toString('base64'),
      },
      20_000,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ECONNREFUSED');
    expect(run.stdout + run.stderr).not.toContain('s3cret-pw');
  }, 30_000);
});

describe('passerelle serve with an invalid config/controller.yaml', () => {
  let work: string;
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('should exit 1 naming the file, the path and the rule, before connecting to anything', async () => {
    work = await mkdtemp(join(tmpdir(), 'passerelle-cli-exit-'));
    const configDir = join(work, 'config');
    await cp(repoPath('config'), configDir, { recursive: true });
    // The controller's contact without its DPO: the Art. 30 record could not name one.
    await writeFile(
      join(configDir, 'controller.yaml'),
      'controller:\n  name: Association MIJE\n  address: 13 boulevard Beaumarchais, Paris\n  email: dpo@mije.com\n',
    );
    const port = await freePort();
    const run = await runBuilt(
      ['serve'],
      {
        PASSERELLE_CONFIG_DIR: configDir,
        DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/passerelle_cli_exit`,
        REDIS_URL: TEST_REDIS_URL,
        PASSERELLE_QUEUE_PREFIX: QUEUE_PREFIX,
        PORT: '0',
        NODE_ENV: 'test',
        PASSERELLE_DATA_KEY: Buffer.alloc(32, 7).toString('base64'),
      },
      20_000,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `passerelle: CONFIG_INVALID: ${join(configDir, 'controller.yaml')}`,
    );
    expect(run.stderr).not.toContain('unexpected error');
  }, 30_000);
});

describe('passerelle demo when PostgreSQL or Redis is out of reach', () => {
  const outboxes: string[] = [];
  let outbox: string;
  afterAll(async () => {
    for (const dir of outboxes) await rm(dir, { recursive: true, force: true });
  });

  /** `passerelle demo` on a demo database and prefix of its own, with `env`. */
  const demo = async (databasePort: number, env: Readonly<Record<string, string>>) => {
    outbox = await mkdtemp(join(tmpdir(), 'passerelle-cli-exit-outbox-'));
    outboxes.push(outbox);
    return runBuilt(
      [
        'demo',
        '--database-url',
        `postgres://postgres:s3cret-pw@127.0.0.1:${databasePort}/passerelle_demo_cli_exit`,
        '--queue-prefix',
        `${QUEUE_PREFIX}-demo`,
        '--outbox',
        outbox,
      ],
      { NODE_ENV: 'test', ...env },
      20_000,
    );
  };

  it('should exit 2, as every command does, naming the option and the error code, when PostgreSQL cannot be reached', async () => {
    const run = await demo(await freePort(), { REDIS_URL: TEST_REDIS_URL });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot reach PostgreSQL at --database-url (ECONNREFUSED)');
    expect(run.stdout + run.stderr).not.toContain('s3cret-pw');
  }, 30_000);

  it('should exit 2 naming the error code, and send nothing, when Redis cannot be reached', async () => {
    const run = await demo(await freePort(), {
      REDIS_URL: `redis://:s3cret-pw@127.0.0.1:${await freePort()}`,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot reach Redis at REDIS_URL (ECONNREFUSED)');
    expect(run.stdout + run.stderr).not.toContain('s3cret-pw');
    expect((await readdir(outbox)).filter((name) => !name.startsWith('.'))).toEqual([]);
  }, 30_000);
});
