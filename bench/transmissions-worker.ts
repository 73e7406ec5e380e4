import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Transaction } from 'kysely';
import { loadAppConfig } from '../src/config/app-config.js';
import type { RegisterEntry, RegisterEntryInput } from '../src/core/register/register-entry.js';
import type { Db } from '../src/database/database.js';
import type { Database } from '../src/database/schema.js';
import { DATABASE } from '../src/database/database.module.js';
import { createApp } from '../src/main.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { PlannerService } from '../src/modules/transmissions/planner.service.js';
import { TransmissionSender } from '../src/modules/transmissions/transmission-sender.js';

/**
 * The worker process of the transmission benchmark (forked by `transmissions.bench.ts`):
 * the real gateway, configured from its environment as in production (role `worker`: the
 * dispatcher and the BullMQ processor), with one switch the parent drives over IPC — the
 * register for real, or `RegisterService.append`, `appendAll` and `appendAfter` replaced by stubs that append nothing. It
 * reports its own resident memory (its peak, as the kernel keeps it) and CPU time, so the figures are the worker's alone.
 */

export type WorkerCommand =
  | { readonly type: 'register'; readonly mode: 'stub' | 'real' }
  | { readonly type: 'stats' }
  /** Answered once this process has finished `atLeast` transmissions (at once: 0). */
  | { readonly type: 'progress'; readonly atLeast?: number }
  | { readonly type: 'stop' };

export type WorkerReport =
  | { readonly type: 'ready' }
  | { readonly type: 'register'; readonly mode: 'stub' | 'real' }
  /** Transmissions this process has finished so far (delivered, failed or cancelled). */
  | { readonly type: 'progress'; readonly finished: number }
  | {
      readonly type: 'stats';
      /** The process's peak resident size since it started (bytes; the kernel's `VmHWM`). */
      readonly rssPeak: number;
      readonly rss: number;
      /** The most heap used at a `stats` question so far (bytes): after a run, not a peak. */
      readonly heapUsedMax: number;
      /** CPU time of this process so far (µs), user + system. */
      readonly cpuMicros: number;
    };

/** Heap sampling of collected objects too (V8's flags for them are not in Node's types yet). */
const COLLECTED_TOO = {
  samplingInterval: 1024,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
};

/**
 * The peak resident size of this process since it started (bytes), as the kernel keeps it
 * (`VmHWM` in /proc/self/status); undefined where there is no such file.
 */
function residentPeak(): number | undefined {
  try {
    const kilobytes = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kilobytes === undefined ? undefined : Number(kilobytes) * 1024;
  } catch {
    return undefined;
  }
}

function reply(report: WorkerReport): void {
  process.send?.(report);
}

async function main(): Promise<void> {
  const config = loadAppConfig(process.env);
  const app: INestApplication = await createApp(config, ['error', 'warn']);
  const register = app.get(RegisterService);
  const realAppend = register.append.bind(register);
  const realAppendAll = register.appendAll.bind(register);
  // What a stub returns: the inputs themselves, as if sealed — the sender only awaits them.
  // (Copied into sealed-looking entries, two a transmission, the stub cost the worker ~4 KB
  // of garbage and ~1.5 % of its time a transmission: a cost of the bench, not the pipeline's.)
  const asSealed = (inputs: readonly RegisterEntryInput[]) => inputs as unknown as RegisterEntry[];
  const stubAppend = (input: RegisterEntryInput): Promise<RegisterEntry> =>
    Promise.resolve(input as unknown as RegisterEntry);
  const stubAppendAll = (inputs: readonly RegisterEntryInput[]): Promise<RegisterEntry[]> =>
    Promise.resolve(asSealed(inputs));
  // The step (the rows finished) still runs, on its own as it would without a register to
  // commit with (one autocommitted statement); nothing is appended.
  const realAppendAfter = register.appendAfter.bind(register);
  const db = app.get<Db>(DATABASE);
  const stubAppendAfter: RegisterService['appendAfter'] = async (step) => {
    const { inputs, result } = await step(db as Transaction<Database>);
    return { entries: asSealed(inputs), result };
  };
  // At boot the dispatcher re-plans every trip in the background (`void replanAll()`): the
  // runs wait for that pass, or it could move a transmission the parent has just made due.
  const planner = app.get(PlannerService);
  const replanAll = planner.replanAll.bind(planner);
  let bootPass: Promise<number> | undefined;
  planner.replanAll = (now?: Date) => {
    const pass = replanAll(now);
    bootPass ??= pass;
    return pass;
  };
  // Finished transmissions, counted as the sender returns them: the parent waits on this
  // (an IPC message) rather than polling PostgreSQL, which would load the machine it measures.
  const sender = app.get(TransmissionSender);
  const send = sender.send.bind(sender);
  let finished = 0;
  // A question waiting for a count: answered the moment the count is reached, so that the
  // run's end is timed to the job that ended it (as the baseline's is, by its own event).
  let awaited: number | undefined;
  const answer = () => {
    if (awaited === undefined || finished < awaited) return;
    awaited = undefined;
    reply({ type: 'progress', finished });
  };
  // The job's trip passed on, as the processor gives it (the sender loads it with the lease).
  sender.send = async (ids, tripId) => {
    const outcomes = await send(ids, tripId);
    for (const outcome of outcomes.values()) {
      if (outcome === 'delivered' || outcome === 'failed' || outcome === 'cancelled') finished += 1;
    }
    answer();
    return outcomes;
  };
  await app.init();
  if (bootPass === undefined) throw new Error('the dispatcher did not re-plan at boot');
  await bootPass;

  // Memory is read when the parent asks (before and after each run), not sampled meanwhile:
  // the peak resident size is the kernel's own high-water mark, so nothing runs in the
  // measured process to find it (a sampler reading the resident size every 25 ms showed
  // ~1 % of the worker's time in CPU profiles, though a read costs ~4 µs alone). Where there
  // is no /proc, the resident size when asked stands in. The heap: the most seen at those
  // moments, after the runs.
  let heapUsedMax = 0;

  /**
   * A profiler of the stretches with the register stubbed (each run, and the pause after it),
   * writing one file a stretch into `dir`, with the transmissions finished meanwhile; nothing
   * when `dir` is not set.
   */
  const stretches = (
    dir: string | undefined,
    suffix: string,
    start: (session: Session) => Promise<unknown>,
    stop: (session: Session) => Promise<{ profile: object }>,
  ): ((on: boolean) => Promise<void>) => {
    if (dir === undefined) return () => Promise.resolve();
    const session = new Session();
    session.connect();
    let stretch: { readonly from: number; readonly part: number } | undefined;
    let parts = 0;
    return async (on) => {
      if (stretch !== undefined) {
        const { profile } = await stop(session);
        writeFileSync(
          join(dir, `stub-${stretch.part}.${suffix}`),
          JSON.stringify({ ...profile, transmissions: finished - stretch.from }),
        );
        stretch = undefined;
      }
      if (on) {
        await start(session);
        stretch = { from: finished, part: parts++ };
      }
    };
  };
  // `BENCH_HEAP_PROFILE_DIR`: a sampling profile of every allocation (collected ones
  // included) — where the garbage of a transmission comes from.
  const heapSampling = stretches(
    process.env.BENCH_HEAP_PROFILE_DIR,
    'heapprofile',
    (session) => session.post('HeapProfiler.startSampling', COLLECTED_TOO),
    (session) => session.post('HeapProfiler.stopSampling'),
  );
  // `BENCH_CPU_PROFILE_DIR`: a CPU profile — where the time goes.
  const cpuProfiling = stretches(
    process.env.BENCH_CPU_PROFILE_DIR,
    'cpuprofile',
    async (session) => {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    },
    (session) => session.post('Profiler.stop'),
  );

  process.on('message', (command: WorkerCommand) => {
    switch (command.type) {
      case 'register':
        void heapSampling(command.mode === 'stub');
        void cpuProfiling(command.mode === 'stub');
        register.append = command.mode === 'stub' ? stubAppend : realAppend;
        register.appendAll = command.mode === 'stub' ? stubAppendAll : realAppendAll;
        register.appendAfter = command.mode === 'stub' ? stubAppendAfter : realAppendAfter;
        reply({ type: 'register', mode: command.mode });
        return;
      case 'stats': {
        const memory = process.memoryUsage();
        heapUsedMax = Math.max(heapUsedMax, memory.heapUsed);
        const cpu = process.cpuUsage();
        reply({
          type: 'stats',
          rssPeak: residentPeak() ?? memory.rss,
          rss: memory.rss,
          heapUsedMax,
          cpuMicros: cpu.user + cpu.system,
        });
        return;
      }
      case 'progress':
        awaited = command.atLeast ?? 0;
        answer();
        return;
      case 'stop':
        void app.close().then(() => process.exit(0));
        return;
    }
  });
  reply({ type: 'ready' });
}

main().catch((error: unknown) => {
  console.error('transmissions bench worker failed:', error);
  process.exit(1);
});
