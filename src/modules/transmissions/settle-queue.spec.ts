import { describe, expect, it } from 'vitest';
import { SettleQueue } from './settle-queue.js';

describe('SettleQueue', () => {
  it('should hand items pushed in the same turn to one flush, each caller its own result', async () => {
    const flushes: number[][] = [];
    const queue = new SettleQueue<number, string>((items) => {
      flushes.push([...items]);
      return Promise.resolve(items.map((n) => `r${n}`));
    });
    const results = await Promise.all([queue.push(1), queue.push(2), queue.push(3)]);
    expect(results).toEqual(['r1', 'r2', 'r3']);
    expect(flushes).toEqual([[1, 2, 3]]);
  });

  it('should gather what arrives during a flush into the next one, one flush at a time', async () => {
    const flushes: number[][] = [];
    let running = 0;
    let release: () => void = () => undefined;
    const first = new Promise<void>((resolve) => (release = resolve));
    const queue = new SettleQueue<number, number>(async (items) => {
      running += 1;
      expect(running).toBe(1);
      flushes.push([...items]);
      if (flushes.length === 1) await first;
      running -= 1;
      return items;
    });
    const a = queue.push(1);
    await new Promise((resolve) => setImmediate(resolve));
    const b = queue.push(2);
    const c = queue.push(3);
    release();
    expect(await Promise.all([a, b, c])).toEqual([1, 2, 3]);
    expect(flushes).toEqual([[1], [2, 3]]);
  });

  it('should reject every item of a flush that fails, and go on with the next', async () => {
    let calls = 0;
    const queue = new SettleQueue<number, number>((items) => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error('down')) : Promise.resolve(items);
    });
    const failed = await Promise.allSettled([queue.push(1), queue.push(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await queue.push(3)).toBe(3);
  });
});
