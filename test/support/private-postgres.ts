import { execFile } from 'node:child_process';
import { access, chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../../src/database/database.js';
import type { TestDatabase } from './database.js';
import { freePort } from './loopback.js';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of one test's own: `initdb` into a temporary folder, `pg_ctl` on a
 * free loopback port with its socket in that folder, so that the test may stop and restart
 * it without disturbing the shared server other test files use. As root, the server runs
 * as `postgres` (initdb and postgres refuse root).
 */
export interface PrivatePostgres {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database?: string): string;
  /** Stops the server (`-m fast`: sessions are terminated, connections refused). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops, waits `downMs` (connections are refused meanwhile), starts again. */
  restart(downMs?: number): Promise<void>;
  /** A fresh database on this cluster, created and migrated, like `createTestDatabase`. */
  createDatabase(prefix?: string): Promise<TestDatabase>;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

/** Where initdb and pg_ctl are: Debian's versioned folder (highest version), else the PATH. */
async function binDir(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = (await readdir(root).catch(() => [] as string[]))
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = join(root, version, 'bin');
    if (
      await access(join(dir, 'initdb')).then(
        () => true,
        () => false,
      )
    )
      return dir;
  }
  return '';
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = await binDir();
  const tool = (name: string) => (bin === '' ? name : join(bin, name));
  const asRoot = process.getuid?.() === 0;
  const workDir = await mkdtemp(join(tmpdir(), 'passerelle-pg-'));
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await chown(workDir, uid, gid);
  }
  // As the cluster's owner: `runuser` when we are root, else ourselves.
  const asOwner = (command: string, args: readonly string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, [...args]);
  const dataDir = join(workDir, 'data');
  const logFile = join(workDir, 'postgres.log');
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${workDir}`,
    '-c listen_addresses=127.0.0.1',
    // Durability is not what these tests are about; speed is.
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
  ].join(' ');
  const withLog = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`pg_ctl ${what} failed:\n${log}`, { cause: error });
    }
  };
  const start = () =>
    withLog('start', () =>
      asOwner(tool('pg_ctl'), [
        '-D',
        dataDir,
        '-l',
        logFile,
        '-w',
        '-t',
        '30',
        '-o',
        options,
        'start',
      ]),
    );
  const stop = () =>
    withLog('stop', () =>
      asOwner(tool('pg_ctl'), ['-D', dataDir, '-w', '-t', '30', '-m', 'fast', 'stop']),
    );
  const running = { value: false };
  try {
    await asOwner(tool('initdb'), [
      '-D',
      dataDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ]);
    await start();
    running.value = true;
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }

  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;

  return {
    port,
    url,
    stop: async () => {
      await stop();
      running.value = false;
    },
    start: async () => {
      await start();
      running.value = true;
    },
    restart: async (downMs = 0) => {
      await stop();
      running.value = false;
      await sleep(downMs);
      await start();
      running.value = true;
    },
    createDatabase: async (prefix = 'passerelle_t') => {
      const name = `${prefix}_${randomBytes(6).toString('hex')}`;
      const db = await openDatabase(url(name), 5);
      // A pool, not a client: it survives the restarts the tests cause.
      const admin = new pg.Pool({ connectionString: url(name), max: 2 });
      admin.on('error', () => undefined);
      return {
        url: url(name),
        name,
        db,
        admin: (sql, params) => admin.query(sql, params),
        drop: async () => {
          await admin.end();
          await db.destroy();
          const server = new pg.Client({ connectionString: url() });
          await server.connect();
          try {
            await server.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
          } finally {
            await server.end();
          }
        },
      };
    },
    close: async () => {
      if (running.value) {
        await stop().catch(async () => {
          // Immediate shutdown of the postmaster named in its pid file: never leave it behind.
          const pid = Number(
            (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
          );
          if (pid > 0) process.kill(pid, 'SIGQUIT');
        });
      }
      running.value = false;
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
