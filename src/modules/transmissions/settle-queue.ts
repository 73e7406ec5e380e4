/**
 * Gathers items that arrive at about the same moment and hands them to `flush` together:
 * whatever was pushed before the next turn of the event loop (and while a flush runs) goes
 * into one call, and each caller gets its own result back. One flush at a time.
 */
export class SettleQueue<T, R> {
  private pending: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] =
    [];
  private scheduled = false;
  private flushing = false;

  constructor(private readonly flush: (items: readonly T[]) => Promise<readonly R[]>) {}

  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.flushing = true;
    try {
      const results = await this.flush(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => {
        const result = results[i];
        if (result === undefined) entry.reject(new Error('no result for an item'));
        else entry.resolve(result);
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.flushing = false;
      if (this.pending.length > 0) this.schedule();
    }
  }
}
