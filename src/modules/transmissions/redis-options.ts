import type { RedisOptions } from 'bullmq';

/**
 * `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS) as ioredis options;
 * the database number is honoured, so everything Passerelle keeps goes there.
 *
 * The configuration checks REDIS_URL first; the errors thrown here still never carry the
 * URL (`new URL`'s own `TypeError` holds it whole, password included, in `input`).
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  let parsed: URL;
  let username: string;
  let password: string;
  try {
    parsed = new URL(url);
    username = decodeURIComponent(parsed.username);
    password = decodeURIComponent(parsed.password);
  } catch {
    throw new Error('REDIS_URL: must be a redis:// or rediss:// URL');
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (!/^\d*$/.test(db)) throw new Error('REDIS_URL: its path must be a database number');
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(username === '' ? {} : { username }),
    ...(password === '' ? {} : { password }),
    ...(db === '' ? {} : { db: Number(db) }),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
