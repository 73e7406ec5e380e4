import { spawn } from 'node:child_process';
import type { AppConfig } from '../../src/config/app-config.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { descendants, freePort } from './loopback.js';

export { descendants };
import { repoPath } from './shipped-catalog.js';

/** `passerelle serve` as an OS process of its own: something a test can SIGKILL. */
export interface WorkerProcess {
  readonly pid: number;
  /** Its HTTP port (every role serves health and metrics). */
  readonly port: number;
  /** What it wrote (JSON log lines on stdout, anything on stderr), for failure messages. */
  output(): string;
  /** Resolves with the exit code or signal once the process has ended. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** Sends `signal` and waits for the end (SIGKILL: no shutdown hook runs). */
  kill(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

/**
 * The environment of a process that shares everything with `config` — database, Redis,
 * queue prefix, contracts, endpoints, secrets, data key, timings — in another role.
 */
export function environmentOf(
  config: AppConfig,
  overrides: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    NODE_ENV: config.nodeEnv,
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
    PASSERELLE_ROLE: config.role,
    PASSERELLE_CONTRACTS_DIR: config.contractsDir,
    PASSERELLE_CONFIG_DIR: config.configDir,
    PASSERELLE_CLIENTS_FILE: config.clientsFile,
    PASSERELLE_OUTBOX_DIR: config.outboxDir,
    ...(config.dataKey === undefined ? {} : { PASSERELLE_DATA_KEY: config.dataKey }),
    PASSERELLE_DISPATCH_INTERVAL_MS: String(config.dispatchIntervalMs),
    PASSERELLE_QUEUE_PREFIX: config.queuePrefix,
    PASSERELLE_RETRY_BASE_MS: String(config.retryBaseMs),
    PASSERELLE_WORKER_CONCURRENCY: String(config.workerConcurrency),
    PASSERELLE_SEND_LEASE_MS: String(config.sendLeaseMs),
    ...config.secrets,
    ...overrides,
  };
}

/**
 * Starts the built CLI (`dist/cli.js serve`, built by `npm test`) with exactly `env` (plus
 * PATH, HOME and a free PORT): nothing of the test runner's environment leaks in. Resolves
 * once it answers `/health/live`, i.e. once it has booted (and its dispatcher has started).
 */
export async function startWorkerProcess(
  env: Readonly<Record<string, string>>,
): Promise<WorkerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [repoPath('dist/cli.js'), 'serve'], {
    cwd: repoPath('.'),
    env: {
      ...(process.env.PATH === undefined ? {} : { PATH: process.env.PATH }),
      ...(process.env.HOME === undefined ? {} : { HOME: process.env.HOME }),
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('the worker process did not start');
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const state = { ended: false };
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => {
      state.ended = true;
      resolve(signal ?? code ?? 0);
    }),
  );
  const worker: WorkerProcess = {
    pid: child.pid,
    port,
    output: () => output,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (!state.ended) child.kill(signal);
      return exited;
    },
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const live = await fetch(`http://127.0.0.1:${port}/health/live`).then(
      (response) => response.ok,
      () => false,
    );
    if (live) return worker;
    if (state.ended || Date.now() > deadline) {
      await worker.kill('SIGKILL');
      throw new Error(`the worker process did not start:\n${output}`);
    }
    await sleep(50);
  }
}
