interface Waiter {
  readonly want: number;
  readonly stop: () => boolean;
  readonly resolve: (granted: number) => void;
}

/**
 * The delivery slots of one worker process, shared by all its jobs: at most `size`
 * transmissions leased and on their way at once, whatever the number of jobs (a job names
 * a trip's due transmissions, and BullMQ runs several jobs at once). A transmission is
 * leased only once it has a slot, so no lease runs out while it waits.
 *
 * Takers wait in line, first come first served: slots freed are handed out once a turn of
 * the event loop, in order, to as many waiting takers as they go to. (Waking every waiting
 * taker at each release, to look again and wait again, left the order in which jobs were
 * served to chance, and cost ~1.4 wake-ups, each a promise and an immediate, a
 * transmission sent.)
 */
export class DeliverySlots {
  private free: number;
  /** Takers waiting, first come first. A few dozen at most (one per job running): shifted. */
  private readonly line: Waiter[] = [];
  private granting = false;

  constructor(readonly size: number) {
    this.free = Math.max(1, size);
  }

  /** Slots in use now. */
  get used(): number {
    return Math.max(1, this.size) - this.free;
  }

  /** Takers in line now. */
  get waiting(): number {
    return this.line.length;
  }

  /**
   * Takes up to `want` slots — at least one, as soon as one is free and every taker before
   * it has been served. Resolves 0, taking none, once `stop()` says the caller gives up
   * (asked when its turn comes, and at `wakeAll`).
   */
  take(want: number, stop: () => boolean): Promise<number> {
    if (stop()) return Promise.resolve(0);
    if (this.free > 0 && this.line.length === 0) return Promise.resolve(this.hand(want));
    return new Promise<number>((resolve) => {
      this.line.push({ want, stop, resolve });
    });
  }

  /**
   * Frees `count` slots. They are handed on at the next turn of the event loop: deliveries
   * come back one by one, and those finishing in the same turn free their slots too, so
   * that the next taker leases several transmissions in one statement.
   */
  release(count = 1): void {
    this.free += count;
    this.schedule();
  }

  /** A caller's reason to stop may have changed: each taker in line asks its own now. */
  wakeAll(): void {
    const line = this.line.splice(0);
    for (const waiter of line) {
      if (waiter.stop()) waiter.resolve(0);
      else this.line.push(waiter);
    }
    this.schedule();
  }

  /** Takes up to `want` free slots, at least one (there is one). */
  private hand(want: number): number {
    const taken = Math.min(Math.max(1, want), this.free);
    this.free -= taken;
    return taken;
  }

  private schedule(): void {
    if (this.granting || this.line.length === 0) return;
    this.granting = true;
    setImmediate(() => {
      this.granting = false;
      this.grant();
    });
  }

  private grant(): void {
    for (let waiter = this.line[0]; waiter !== undefined; waiter = this.line[0]) {
      if (waiter.stop()) {
        this.line.shift();
        waiter.resolve(0);
      } else if (this.free > 0) {
        this.line.shift();
        waiter.resolve(this.hand(waiter.want));
      } else {
        return;
      }
    }
  }
}
