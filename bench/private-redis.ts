import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A `redis-server` of the benchmark's own: nothing else writes to it, so its memory is ours. */
export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** The server's process id (for its CPU time). */
  readonly pid: number;
  /** A plain connection, for `INFO` and `MEMORY USAGE`. */
  readonly client: Redis;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

async function waitForPing(client: Redis, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode})`);
    try {
      await client.ping();
      return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts `redis-server` on a free loopback port, without persistence (`REDIS_SERVER` names the binary). */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child = spawn(
    process.env.REDIS_SERVER ?? 'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      // BullMQ's requirement: keys with a TTL are never evicted under memory pressure.
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    await client.connect().catch(() => undefined);
    await waitForPing(client, child);
  } catch (error) {
    child.kill('SIGTERM');
    client.disconnect();
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? 0,
    client,
    close: async () => {
      client.disconnect();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}

/** Bytes Redis reports for each key under `prefix:` (`MEMORY USAGE … SAMPLES 0`: exact). */
export async function memoryByKey(client: Redis, prefix: string): Promise<Map<string, number>> {
  const bytes = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    for (const key of keys) {
      const usage = (await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) as number | null;
      bytes.set(key, usage ?? 0);
    }
    cursor = next;
  } while (cursor !== '0');
  return bytes;
}

/** Their sum. */
export async function memoryUnder(client: Redis, prefix: string): Promise<number> {
  let total = 0;
  for (const usage of (await memoryByKey(client, prefix)).values()) total += usage;
  return total;
}

/** `used_memory` from `INFO memory`. */
export async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  return match === null ? 0 : Number(match[1]);
}

/** Calls per command so far (`INFO commandstats`: the commands scripts run included). */
export async function commandCalls(client: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const match of (await client.info('commandstats')).matchAll(
    /^cmdstat_([^:]+):calls=(\d+)/gm,
  )) {
    calls.set(match[1] ?? '', Number(match[2]));
  }
  return calls;
}

/** The calls made between two readings, by command, most called first. */
export function callsBetween(
  before: Map<string, number>,
  after: Map<string, number>,
): [command: string, calls: number][] {
  return [...after]
    .map(([command, calls]): [string, number] => [command, calls - (before.get(command) ?? 0)])
    .filter(([, calls]) => calls > 0)
    .sort((a, b) => b[1] - a[1]);
}
