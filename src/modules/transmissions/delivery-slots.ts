/**
 * The delivery slots of one worker process, shared by all its jobs: at most `size`
 * transmissions leased and on their way at once, whatever the number of jobs (a job names
 * a trip's due transmissions, and BullMQ runs several jobs at once). A transmission is
 * leased only once it has a slot, so no lease runs out while it waits.
 */
export class DeliverySlots {
  private free: number;
  private readonly waiters = new Set<() => void>();

  constructor(readonly size: number) {
    this.free = Math.max(1, size);
  }

  /** Slots in use now. */
  get used(): number {
    return Math.max(1, this.size) - this.free;
  }

  /**
   * Takes up to `want` slots — at least one, as soon as one is free. Resolves 0, taking
   * none, once `stop()` says the caller gives up (checked at each wake-up: see `wakeAll`).
   */
  async take(want: number, stop: () => boolean): Promise<number> {
    for (;;) {
      if (stop()) return 0;
      if (this.free > 0) {
        const taken = Math.min(want, this.free);
        this.free -= taken;
        return taken;
      }
      await new Promise<void>((resolve) => this.waiters.add(resolve));
      // Deliveries come back one by one: let those finishing in the same turn free their
      // slots too, so that the next lease takes several transmissions in one statement.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  release(count = 1): void {
    this.free += count;
    this.wakeAll();
  }

  /** Wakes every waiter to look again (a slot freed, or a caller's reason to stop). */
  wakeAll(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiting) wake();
  }
}
