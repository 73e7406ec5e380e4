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
