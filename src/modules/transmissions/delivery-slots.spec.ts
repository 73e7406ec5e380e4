import { describe, expect, it } from 'vitest';
import { DeliverySlots } from './delivery-slots.js';

describe('DeliverySlots', () => {
  it('should give at most its size in all, to several takers, and hand freed slots on', async () => {
    const slots = new DeliverySlots(3);
    expect(await slots.take(2, () => false)).toBe(2);
    expect(await slots.take(5, () => false)).toBe(1);
    expect(slots.used).toBe(3);
    let second = 0;
    const waiting = slots.take(4, () => false).then((n) => (second = n));
    await Promise.resolve();
    expect(second).toBe(0);
    slots.release(2);
    await waiting;
    expect(second).toBe(2);
    expect(slots.used).toBe(3);
  });

  it('should let a waiting taker give up, taking nothing', async () => {
    const slots = new DeliverySlots(1);
    await slots.take(1, () => false);
    let stop = false;
    const waiting = slots.take(1, () => stop);
    stop = true;
    slots.wakeAll();
    expect(await waiting).toBe(0);
    expect(slots.used).toBe(1);
  });
});
