import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redisOptionsFromUrl } from './redis-options.js';

describe('redisOptionsFromUrl', () => {
  it('should read the host, port, credentials, database number and TLS', () => {
    expect(redisOptionsFromUrl('redis://127.0.0.1:6379/9')).toEqual({
      host: '127.0.0.1',
      port: 6379,
      db: 9,
    });
    expect(redisOptionsFromUrl('rediss://user:p%23ss@cache.internal')).toEqual({
      host: 'cache.internal',
      port: 6379,
      username: 'user',
      password: 'p#ss',
      tls: {},
    });
  });

  it('should throw an error that does not carry the URL when it cannot be parsed', () => {
    const url = 'redis://:pa#ss-s3cret@127.0.0.1:6379';
    let thrown: unknown;
    try {
      redisOptionsFromUrl(url);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    // What Node would print of it, every property included.
    expect(inspect(thrown)).toContain('REDIS_URL');
    expect(inspect(thrown)).not.toContain('ss-s3cret');
  });

  it('should refuse a path that is not a database number', () => {
    expect(() => redisOptionsFromUrl('redis://127.0.0.1:6379/queue')).toThrow(
      'REDIS_URL: its path must be a database number',
    );
  });
});
