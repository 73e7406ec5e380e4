import { WorkerHost } from '@nestjs/bullmq';
import type { OnModuleDestroy } from '@nestjs/common';
import type { Worker } from 'bullmq';
import { opened } from './open-components.js';

/** How long a forced close may take (a disconnect: at once, in practice). */
const FORCED_CLOSE_MS = 1000;

/** Whether `work` settles (resolved or rejected) within `ms`. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          resolve(false);
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether both of the worker's Redis connections (commands, and the blocking one it waits
 * for jobs on) are connected now. A connection that never was has no client yet: not
 * connected either (its promise is not awaited, it settles only once Redis answers).
 */
async function connected(worker: Worker): Promise<boolean> {
  const backend = worker.getBackend();
  const connections = [backend.connection, backend.blockingConnection];
  for (const connection of connections) {
    if (connection === undefined) continue;
    const client = await Promise.race([
      connection.client.catch(() => undefined),
      new Promise<undefined>((resolve) => {
        setImmediate(() => {
          resolve(undefined);
        });
      }),
    ]);
    if (client?.status !== 'ready') return false;
  }
  return true;
}

/**
 * Closes a BullMQ worker within `graceMs`, whatever the state of Redis; whether it closed,
 * with none of its jobs left running.
 *
 * - Redis connected: `close()` — the worker takes no new job, lets the current ones finish
 *   and acknowledges them, then quits its connections.
 * - Redis away (never reached, or lost and being retried): the jobs this process is running
 *   (`running`) are let finish — they need PostgreSQL and the transports, not Redis — and the
 *   worker is closed by force. BullMQ's own `close()` waits for its blocking connection to
 *   end, which a connection retrying for ever never does: `serve` did not stop.
 * - Whatever did not end within the grace: the connections are dropped. Jobs still running
 *   are given back: their locks expire and BullMQ hands them to a worker again, and their
 *   transmissions' leases expire (the dispatcher queues them again).
 */
export async function closeWorker(
  worker: Worker,
  running: () => readonly Promise<unknown>[],
  graceMs: number,
): Promise<boolean> {
  const started = performance.now();
  const left = () => Math.max(0, graceMs - (performance.now() - started));
  let closing: Promise<void>;
  if (await connected(worker)) {
    closing = worker.close();
    if (await settlesWithin(closing, left())) return true;
  } else {
    await settlesWithin(Promise.allSettled(running()), left());
    // A forced close does not wait on Redis: it settles at once, the grace spent or not.
    closing = worker.close(true);
    if (await settlesWithin(closing, Math.max(left(), FORCED_CLOSE_MS))) {
      return running().length === 0;
    }
  }
  // A forced close of each connection: a disconnect, no waiting (a no-op for one closed).
  const backend = worker.getBackend();
  await Promise.allSettled([
    backend.blockingConnection?.close(true),
    backend.connection.close(true),
  ]);
  return (await settlesWithin(closing, FORCED_CLOSE_MS)) && running().length === 0;
}

/** The jobs a processor is running, so that a shutdown can let them finish. */
class RunningJobs {
  private readonly jobs = new Set<Promise<unknown>>();

  /** Runs `work` as one of the jobs running until it settles. */
  async track<T>(work: Promise<T>): Promise<T> {
    this.jobs.add(work);
    try {
      return await work;
    } finally {
      this.jobs.delete(work);
    }
  }

  /** The jobs running now. */
  readonly all = (): readonly Promise<unknown>[] => [...this.jobs];
}

/**
 * How long a worker lets its current jobs finish when the process stops: half the shutdown
 * deadline, the other half left for what closes after it (queues, database pool).
 */
export const workerGraceMs = (shutdownTimeoutMs: number): number =>
  Math.floor(shutdownTimeoutMs / 2);

/** A processor's worker, or none when it was never made (the app closed before its start). */
function workerOf(host: WorkerHost): Worker | undefined {
  try {
    return host.worker;
  } catch {
    return undefined;
  }
}

/**
 * A BullMQ processor closed by itself when its module is destroyed rather than by
 * @nestjs/bullmq at application shutdown: first, so that its current jobs finish before the
 * HTTP server and the database pool close, and bounded, so that a Redis away cannot hold the
 * close (see `closeWorker`). Subclasses run each job through `track`. One that did not close
 * stays named among the open components (a job that never ends).
 */
export abstract class BoundedWorkerHost extends WorkerHost implements OnModuleDestroy {
  private readonly running = new RunningJobs();
  private readonly closed: () => void;

  protected constructor(
    component: string,
    private readonly shutdownTimeoutMs: number,
  ) {
    super();
    this.closed = opened(component);
  }

  /** Runs `work` as one of the jobs a shutdown lets finish. */
  protected track<T>(work: Promise<T>): Promise<T> {
    return this.running.track(work);
  }

  async onModuleDestroy(): Promise<void> {
    const worker = workerOf(this);
    const grace = workerGraceMs(this.shutdownTimeoutMs);
    if (worker === undefined || (await closeWorker(worker, this.running.all, grace))) {
      this.closed();
    }
  }
}
