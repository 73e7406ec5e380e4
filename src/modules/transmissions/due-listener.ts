import pg from 'pg';
import { TRANSMISSIONS_DUE_CHANNEL } from '../../database/migrations/0008-transmissions-due-notify.js';
import { TRIPS_STALE_CHANNEL } from '../../database/migrations/0013-transmissions-stale-notify.js';

/**
 * Listens on PostgreSQL's `passerelle_transmissions_due` channel (see its migration) on a
 * connection of its own, and calls `onDue` for each announcement — and once each time it
 * starts listening, since what was announced while it was not is not heard again. A lost
 * connection is opened again after `retryMs`; meanwhile the dispatcher's timer still
 * turns, so nothing waits longer than it did without the listener. On the same connection,
 * `passerelle_trips_stale` (a trip whose delivered data changed while it was being sent):
 * `onStale` with the trip's id. What is announced while nobody listens is not heard: each
 * time it listens again, `onResume` is told since when it did not (the moment the
 * connection was lost, or `start` for the first), for the caller to look for what it missed.
 */
export class DueListener {
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private ready = false;
  private stopped = false;
  /** Since when nothing was heard: set at `start` and when the connection is lost. */
  private deafSince: Date | undefined;

  constructor(
    private readonly url: string,
    private readonly onDue: () => void,
    /** Told each time the connection is lost or cannot be opened (for a log line). */
    private readonly onLost: () => void = () => undefined,
    private readonly retryMs = 1000,
    private readonly onStale: (tripId: string) => void = () => undefined,
    private readonly onResume: (deafSince: Date) => void = () => undefined,
  ) {}

  /** Whether it is listening now. */
  get listening(): boolean {
    return this.ready;
  }

  start(): void {
    this.deafSince = new Date();
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url });
    this.client = client;
    this.ready = false;
    client.on('notification', (message) => {
      if (message.channel === TRIPS_STALE_CHANNEL) {
        if (message.payload !== undefined && message.payload !== '') this.onStale(message.payload);
      } else {
        this.onDue();
      }
    });
    client.on('error', () => {
      this.lost(client);
    });
    client.on('end', () => {
      this.lost(client);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${TRANSMISSIONS_DUE_CHANNEL}; LISTEN ${TRIPS_STALE_CHANNEL}`);
      if (this.client !== client) {
        // Stopped meanwhile.
        await client.end().catch(() => undefined);
        return;
      }
      this.ready = true;
      const since = this.deafSince;
      this.deafSince = undefined;
      if (since !== undefined) this.onResume(since);
      this.onDue();
    } catch {
      this.lost(client);
    }
  }

  /** The connection is gone (or never came): another after `retryMs`, unless stopped. */
  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.ready = false;
    this.deafSince ??= new Date();
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.onLost();
    this.retry = setTimeout(() => void this.connect(), this.retryMs);
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    this.ready = false;
    await client?.end().catch(() => undefined);
  }
}
