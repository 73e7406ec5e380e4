import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppConfig } from '../../config/app-config.js';
import { FIRST_RUN_MS, RegisterMaintenance } from './register-maintenance.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RegisterService } from './register.service.js';

const INTACT = {
  intact: true,
  count: 3,
  headHash: 'f'.repeat(64),
  headSeq: 3,
  firstBad: null,
  problems: [],
  startSeq: 0,
  anchorsChecked: 1,
};

function maintenance(role: AppConfig['role'], metrics?: MetricsService) {
  const register = {
    prepareNextSegment: vi.fn(() => Promise.resolve(undefined)),
    anchor: vi.fn(() => Promise.resolve(undefined)),
    applyRetention: vi.fn(() => Promise.resolve({ dropped: [] })),
    verify: vi.fn(() => Promise.resolve(INTACT)),
  };
  const config = { role, registerRetention: { years: 5 } } as unknown as AppConfig;
  return {
    register,
    job: new RegisterMaintenance(register as unknown as RegisterService, config, metrics),
  };
}

describe('the register maintenance job', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should anchor and apply retention a minute after start, then daily, when the process is a worker', async () => {
    const { register, job } = maintenance('worker');
    job.onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(FIRST_RUN_MS - 1);
    expect(register.anchor).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(register.anchor).toHaveBeenCalledTimes(1);
    expect(register.applyRetention).toHaveBeenCalledTimes(1);
    expect(register.prepareNextSegment).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(24 * 60 * 60 * 1000);
    expect(register.anchor).toHaveBeenCalledTimes(2);
    await job.onModuleDestroy();
  });

  it('should run nothing when the app stops before the first run, nor in an API process', async () => {
    const worker = maintenance('all');
    worker.job.onApplicationBootstrap();
    await worker.job.onModuleDestroy();
    const api = maintenance('api');
    api.job.onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(2 * 24 * 60 * 60 * 1000);
    expect(worker.register.anchor).not.toHaveBeenCalled();
    expect(api.register.anchor).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('should log what failed by class and SQLSTATE, never by its message', async () => {
    const { register, job } = maintenance('worker');
    const timedOut = Object.assign(new Error('canceling statement due to lock timeout'), {
      code: '55P03',
    });
    register.prepareNextSegment.mockRejectedValueOnce(timedOut);
    register.applyRetention.mockRejectedValueOnce(timedOut);
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await job.run(new Date('2027-01-20T00:00:00Z'));
    for (const spy of [warn, error]) {
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]?.[0]).toMatchObject({ errorName: 'Error', errorCode: '55P03' });
      expect(JSON.stringify(spy.mock.calls)).not.toContain('lock timeout');
    }
    // Retention still ran after the segment could not be made.
    expect(register.anchor).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
  });
  it('should verify the register daily, and raise an altered one by its entries’ ids, never a value', async () => {
    const metrics = new MetricsService();
    const { register, job } = maintenance('worker', metrics);
    const intact = async () =>
      (await metrics.registry.getSingleMetric('passerelle_register_intact')?.get())?.values[0]
        ?.value;
    await job.run(new Date('2027-01-20T00:00:00Z'));
    expect(register.verify).toHaveBeenCalledTimes(1);
    expect(await intact()).toBe(1);

    const bad = '00000000-0000-4000-8000-000000000002';
    register.verify.mockResolvedValueOnce({
      ...INTACT,
      intact: false,
      firstBad: bad,
      problems: [`entry ${bad} (seq 2) does not verify: hash`],
    } as unknown as typeof INTACT);
    const error = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await job.run(new Date('2027-01-21T00:00:00Z'));
    expect(await intact()).toBe(0);
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0]?.[0]).toMatchObject({
      msg: 'register verification: the register was altered',
      firstBad: bad,
      problems: [`entry ${bad} (seq 2) does not verify: hash`],
    });
    // A verification that cannot run is counted as the job's failure, and logged by class.
    register.verify.mockRejectedValueOnce(
      Object.assign(new Error('connection reset'), { code: 'ECONNRESET' }),
    );
    await job.run(new Date('2027-01-22T00:00:00Z'));
    expect(error).toHaveBeenCalledTimes(2);
    expect(error.mock.calls[1]?.[0]).toMatchObject({
      msg: 'register verification could not run',
      errorCode: 'ECONNRESET',
    });
    expect(JSON.stringify(error.mock.calls)).not.toContain('connection reset');
    vi.restoreAllMocks();
  });

  it('should stop a verification under way when the app stops, wait for it, and not count it as failed', async () => {
    const metrics = new MetricsService();
    const { register, job } = maintenance('worker', metrics);
    // A verification of a long register: it ends only when told to stop, as the real one
    // does between two batches.
    let verifying: (() => void) | undefined;
    const started = new Promise<void>((resolve) => (verifying = resolve));
    register.verify.mockImplementationOnce((...args: unknown[]) => {
      const signal = args[0] as AbortSignal | undefined;
      verifying?.();
      return new Promise((_, reject) => {
        signal?.addEventListener('abort', () => {
          reject(signal.reason as Error);
        });
      });
    });
    const error = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const log = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    job.onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(FIRST_RUN_MS);
    await started;
    let stopped = false;
    const stopping = job.onModuleDestroy().then(() => (stopped = true));
    // The stop waits for the run (the database pool closes after it), which ends at once.
    await vi.advanceTimersByTimeAsync(0);
    await stopping;
    expect(stopped).toBe(true);
    expect(register.verify).toHaveBeenCalledWith(expect.any(AbortSignal));
    expect(error).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledWith('register verification stopped: the process is shutting down');
    const failures = await metrics.registry
      .getSingleMetric('passerelle_daily_job_failures_total')
      ?.get();
    expect(failures?.values.find((v) => v.labels.job === 'register-verification')?.value).toBe(0);
    vi.restoreAllMocks();
  });

  it('should not start a second run while one is under way', async () => {
    const { register, job } = maintenance('worker');
    let finish: (() => void) | undefined;
    register.verify.mockImplementationOnce(
      () =>
        new Promise((resolve) => {
          finish = () => {
            resolve(INTACT);
          };
        }),
    );
    job.onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(FIRST_RUN_MS);
    // A day later the first run still verifies: the daily timer does not start another.
    await vi.advanceTimersByTimeAsync(24 * 60 * 60 * 1000);
    expect(register.anchor).toHaveBeenCalledTimes(1);
    finish?.();
    await vi.advanceTimersByTimeAsync(24 * 60 * 60 * 1000);
    expect(register.anchor).toHaveBeenCalledTimes(2);
    await job.onModuleDestroy();
  });
});
