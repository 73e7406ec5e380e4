import { Redis } from 'ioredis';

/** The Redis server tests use: `REDIS_URL`, or the local one CI starts. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A raw connection to the test Redis, for looking behind the queue's back. */
export function openRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: false });
}

/** Every key under `prefix:` (the queue's keyspace of one test), by SCAN. */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Removes one test's queue keys so runs never see each other's jobs. */
export async function dropKeysUnder(prefix: string): Promise<void> {
  const redis = openRedis();
  try {
    const keys = await keysUnder(redis, prefix);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  } finally {
    redis.disconnect();
  }
}

/** Every key under `prefix:` and every value it holds, as text (to look for personal values). */
export async function dumpUnder(prefix: string): Promise<{ keys: number; text: string }> {
  const redis = openRedis();
  try {
    const keys = await keysUnder(redis, prefix);
    const dump: string[] = [];
    for (const key of keys) {
      dump.push(key);
      const type = await redis.type(key);
      if (type === 'string') dump.push((await redis.get(key)) ?? '');
      if (type === 'hash') dump.push(JSON.stringify(await redis.hgetall(key)));
      if (type === 'list') dump.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      if (type === 'set') dump.push(JSON.stringify(await redis.smembers(key)));
      if (type === 'zset') dump.push(JSON.stringify(await redis.zrange(key, '0', '-1')));
      if (type === 'stream') dump.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
    return { keys: keys.length, text: dump.join('\n') };
  } finally {
    redis.disconnect();
  }
}

/** Every command sent to Redis that names `prefix:` (MONITOR), as text; `stop` ends it. */
export interface RecordedCommands {
  readonly count: () => number;
  readonly text: () => string;
  readonly stop: () => void;
}

/**
 * Records, from now on, every command any client sends Redis that names a key under
 * `prefix:` — what was written, not what is left: the queue removes a job, and the data it
 * carried, once it completes, so a look at the keys after a run sees none of it.
 */
export async function recordCommandsUnder(prefix: string): Promise<RecordedCommands> {
  const redis = openRedis();
  const monitor = await redis.monitor();
  const commands: string[] = [];
  monitor.on('monitor', (_time: string, args: unknown[]) => {
    const [command = '', ...rest] = args.map(String);
    // A script's source is the queue's code, not data: its arguments are kept.
    if (command.toLowerCase() === 'script') return;
    const words = command.toLowerCase() === 'eval' ? rest.slice(1) : rest;
    if (words.some((word) => word.includes(`${prefix}:`))) commands.push(words.join(' '));
  });
  return {
    count: () => commands.length,
    text: () => commands.join('\n'),
    stop: () => {
      monitor.disconnect();
      redis.disconnect();
    },
  };
}
