import { randomFillSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RandomPool } from './random-pool.js';

/** A pool whose generator is the system's, watched: the buffers it filled, in order. */
function watchedPool(size?: number): { pool: RandomPool; filled: Buffer[] } {
  const filled: Buffer[] = [];
  const pool = new RandomPool(size, (buffer) => {
    filled.push(buffer);
    randomFillSync(buffer);
  });
  return { pool, filled };
}

describe('RandomPool', () => {
  it('should hand out each drawn byte once, refilling from the generator when the pool runs out', () => {
    const { pool, filled } = watchedPool(64);
    const taken = Array.from({ length: 40 }, () => pool.take(12));
    // 5 takes of 12 fit in 64 bytes: 8 fills for 40 takes, each of the one pool buffer.
    expect(filled).toHaveLength(8);
    expect(new Set(filled).size).toBe(1);
    expect(taken.every((bytes) => bytes.length === 12)).toBe(true);
    // Random 12-byte values do not repeat: a byte handed out twice would.
    expect(new Set(taken.map((bytes) => bytes.toString('hex'))).size).toBe(40);
  });

  it('should leave nothing of what it handed out in the pool, and share no memory with it', () => {
    const { pool, filled } = watchedPool(64);
    const first = pool.take(32);
    const inPool = filled[0];
    if (inPool === undefined) throw new Error('the pool was not filled');
    // What was taken is zeroed where it was; the rest is still to be handed out.
    expect(inPool.subarray(0, 32).equals(Buffer.alloc(32))).toBe(true);
    expect(inPool.subarray(32).equals(Buffer.alloc(32))).toBe(false);
    expect(first.equals(Buffer.alloc(32))).toBe(false);
    // The taken bytes are a buffer of their own: zeroing them (as the cipher does with a
    // data key) touches neither the pool nor the next bytes handed out.
    const rest = Buffer.from(inPool.subarray(32));
    first.fill(0);
    expect(first.buffer).not.toBe(inPool.buffer);
    expect(pool.take(32).equals(rest)).toBe(true);
  });

  it('should draw a request larger than the pool on its own', () => {
    const { pool, filled } = watchedPool(16);
    const big = pool.take(40);
    expect(big.length).toBe(40);
    expect(filled).toHaveLength(1);
    expect(filled[0]).toBe(big);
    expect(pool.take(0)).toHaveLength(0);
  });

  it('should refuse a count that is not a whole, non-negative number', () => {
    const pool = new RandomPool();
    for (const bytes of [-1, 1.5, Number.NaN]) {
      expect(() => pool.take(bytes)).toThrow('whole, non-negative');
    }
  });
});
