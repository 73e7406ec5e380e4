import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { accepts, freePort } from './loopback.js';

/**
 * A Redis server of one test's own, on a free loopback port, keeping nothing on disk
 * (`--save "" --appendonly no`): a test may FLUSHALL it without touching the shared one
 * other test files use. Requires `redis-server` on the PATH (`.ci/run` has it).
 */
export interface PrivateRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Empties every database of this server: the queue loses everything. */
  flushAll(): Promise<void>;
  /** The keys matching `pattern` (KEYS: a test's small keyspace only). */
  keys(pattern: string): Promise<string[]>;
  /** Stops the server's process (SIGSTOP): connected, it answers nothing until thawed. */
  freeze(): void;
  thaw(): void;
  /** Kills the server and removes its folder. */
  close(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'passerelle-redis-'));
  const port = await freePort();
  let log = '';
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const state = { exited: false };
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      state.exited = true;
      resolve();
    }),
  );
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (state.exited || Date.now() > deadline) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start on ${port}:\n${log}`);
    }
    await sleep(25);
  }
  const url = `redis://127.0.0.1:${port}`;
  const withClient = async <T>(use: (redis: Redis) => Promise<T>): Promise<T> => {
    const redis = new Redis(url, { maxRetriesPerRequest: 3 });
    try {
      return await use(redis);
    } finally {
      redis.disconnect();
    }
  };
  return {
    port,
    url,
    flushAll: () =>
      withClient(async (redis) => {
        await redis.flushall();
      }),
    keys: (pattern) => withClient((redis) => redis.keys(pattern)),
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    close: async () => {
      if (!state.exited) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
