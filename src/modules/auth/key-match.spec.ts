import * as crypto from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RegisteredClient } from './api-client.js';
import { bearerKeyOf, matchClient, sha256Of } from './key-match.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const registered = (id: string, key: string): RegisteredClient => ({
  client: { id, role: 'ops' },
  keySha256: sha256Of(key),
});

const clients = [
  registered('first', 'key-of-first'),
  registered('second', 'key-of-second'),
  registered('third', 'key-of-third'),
];

describe('the key check', () => {
  beforeEach(() => {
    vi.mocked(crypto.timingSafeEqual).mockClear();
  });

  it('should find the client holding the key', () => {
    expect(matchClient('key-of-second', clients)?.id).toBe('second');
    expect(matchClient('key-of-first', clients)?.id).toBe('first');
  });

  it('should find no client for an unknown key, a key prefix or an empty key', () => {
    expect(matchClient('key-of-fourth', clients)).toBeUndefined();
    expect(matchClient('key-of-firs', clients)).toBeUndefined();
    expect(matchClient('', clients)).toBeUndefined();
  });

  it('should compare the key with every client in constant time, even when the first matches', () => {
    matchClient('key-of-first', clients);
    const calls = vi.mocked(crypto.timingSafeEqual).mock.calls;
    expect(calls).toHaveLength(clients.length);
    for (const [presented, stored] of calls) {
      expect((presented as Buffer).length).toBe(32);
      expect((stored as Buffer).length).toBe(32);
    }
  });

  it('should hash keys of any length to 32 bytes', () => {
    expect(sha256Of('x')).toHaveLength(32);
    expect(sha256Of('x'.repeat(10_000))).toHaveLength(32);
  });

  it('should read the key of a Bearer header only', () => {
    expect(bearerKeyOf('Bearer abc.DEF-123')).toBe('abc.DEF-123');
    expect(bearerKeyOf('bearer   abc ')).toBe('abc');
    expect(bearerKeyOf(undefined)).toBeUndefined();
    expect(bearerKeyOf('Basic abc')).toBeUndefined();
    expect(bearerKeyOf('Bearer')).toBeUndefined();
    expect(bearerKeyOf('Bearer a b')).toBeUndefined();
    expect(bearerKeyOf(['Bearer a', 'Bearer b'])).toBeUndefined();
  });
});
