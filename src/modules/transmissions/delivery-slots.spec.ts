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

  it('should serve waiting takers in the order they came, with the slots freed in one turn', async () => {
    const slots = new DeliverySlots(4);
    expect(await slots.take(4, () => false)).toBe(4);
    const served: string[] = [];
    const first = slots.take(3, () => false).then((n) => served.push(`first ${n}`));
    const second = slots.take(2, () => false).then((n) => served.push(`second ${n}`));
    const third = slots.take(1, () => false).then((n) => served.push(`third ${n}`));
    expect(slots.waiting).toBe(3);
    // Three deliveries come back in the same turn: the first in line gets all three.
    slots.release();
    slots.release();
    slots.release();
    await first;
    expect(served).toEqual(['first 3']);
    expect(slots.waiting).toBe(2);
    // A taker arriving while others wait joins the line, even with a slot free.
    slots.release();
    const late = slots.take(1, () => false).then((n) => served.push(`late ${n}`));
    await second;
    expect(served).toEqual(['first 3', 'second 1']);
    slots.release(2);
    await Promise.all([third, late]);
    expect(served).toEqual(['first 3', 'second 1', 'third 1', 'late 1']);
    expect(slots.used).toBe(4);
    expect(slots.waiting).toBe(0);
  });

  it('should skip a taker that gave up when its turn comes, serving the next', async () => {
    const slots = new DeliverySlots(1);
    await slots.take(1, () => false);
    let stop = false;
    const quitter = slots.take(1, () => stop);
    const next = slots.take(1, () => false);
    stop = true;
    slots.release();
    expect(await quitter).toBe(0);
    expect(await next).toBe(1);
    expect(slots.used).toBe(1);
  });
});
