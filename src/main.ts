import 'reflect-metadata';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import {
  Logger,
  type DynamicModule,
  type INestApplication,
  type LoggerService,
  type LogLevel,
  type Type,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { loadClientsFile } from './modules/auth/clients-file.js';
import { loadCatalogOrThrow } from './modules/contracts/contracts.module.js';
import { configureHttpPlatform } from './modules/http/configure-http.js';
import { listenInternal } from './modules/http/internal-port.js';
import { loadControllerConfig } from './modules/register/record-of-processing.js';
import { describeForLog } from './modules/http/error.filter.js';
import { JsonLogger } from './modules/logging/json-logger.js';
import { opened, stillOpen } from './modules/shared/open-components.js';

/**
 * How the app logs: `false` not at all (tests), levels for JSON lines on standard output,
 * or a logger of its own (tests that read the lines).
 */
export type AppLogging = false | LogLevel[] | LoggerService;

/**
 * Builds the gateway (not listening): contracts are loaded and linted here, and the
 * clients file validated, or boot fails.
 */
export async function createApp(
  config: AppConfig,
  logger: AppLogging = ['error', 'warn', 'log'],
): Promise<INestApplication> {
  await preflight(config);
  return createAppFromModule(AppModule.forRoot(config), logger);
}

/**
 * Configuration is checked before anything connects: invalid contracts, clients or
 * controller files stop the start with their own message, and no database or queue
 * connection is left open behind a failed boot.
 */
async function preflight(config: AppConfig): Promise<void> {
  await loadCatalogOrThrow(config);
  await loadClientsFile({ file: config.clientsFile, nodeEnv: config.nodeEnv });
  await loadControllerConfig(config.configDir);
}

/**
 * `createApp` for any root module that imports `AppModule.forRoot(config)` — tests add
 * controllers of their own this way and get exactly the same HTTP platform.
 */
export async function createAppFromModule(
  rootModule: DynamicModule | Type,
  logger: AppLogging,
): Promise<NestExpressApplication> {
  const appLogger =
    logger === false
      ? undefined
      : Array.isArray(logger)
        ? new JsonLogger({ levels: logger })
        : logger;
  const app = await NestFactory.create<NestExpressApplication>(rootModule, {
    logger: appLogger ?? false,
    abortOnError: false,
    // The JSON parser is mounted by configureHttpPlatform, with the 1 MiB limit.
    bodyParser: false,
  });
  if (appLogger !== undefined) app.useLogger(appLogger);
  configureHttpPlatform(app, appLogger);
  return app;
}

/** A gateway `serve` started: `stopped` resolves with the exit code once it has stopped. */
export interface ServedGateway {
  readonly app: INestApplication;
  readonly stopped: Promise<number>;
}

/**
 * `passerelle serve`: the HTTP API on `PORT` (and what operators read on
 * `PASSERELLE_INTERNAL_PORT`, when set), until SIGTERM or SIGINT. Then everything is
 * closed — the HTTP server, the workers (their current jobs finished, or given back), the
 * dispatcher, the queues, the pools — within `PASSERELLE_SHUTDOWN_TIMEOUT_MS`: `stopped`
 * gives 0. Past the deadline, or at a second signal, it gives 1 without waiting longer, and
 * a line names what did not close. (Nest's own shutdown hooks waited for ever on a worker
 * whose Redis was away, and ended the process by its signal rather than an exit code.)
 */
export async function serve(config: AppConfig): Promise<ServedGateway> {
  captureConsole();
  const app = await createApp(config);
  const stopped = stopOnSignals(app, config.shutdownTimeoutMs);
  await app.listen(config.port, '0.0.0.0');
  const httpServer = app.getHttpServer() as Server;
  httpServer.once('close', opened('HTTP server'));
  if (config.internal !== undefined) {
    const internal = await listenInternal(app, config.internal);
    internal.once('close', opened('internal HTTP server'));
  }
  return { app, stopped };
}

/**
 * What a library prints with `console.error` or `console.warn` (ioredis and BullMQ print a
 * connection error nobody listened for yet, whole, with its address and stack) goes to the
 * JSON log instead, as one line naming the error's class and code only: everything the
 * gateway writes is a JSON line, and no library's text — which may quote a value — is in it.
 */
function captureConsole(): void {
  const logger = new Logger('Console');
  const line =
    (level: 'error' | 'warn') =>
    (...args: unknown[]): void => {
      const error = args.find((arg): arg is Error => arg instanceof Error);
      logger[level]({
        msg: 'a library wrote to the console',
        ...(error === undefined ? {} : classAndCode(error)),
      });
    };
  // Replaced, not called: the rule against console output is what this keeps.
  // eslint-disable-next-line no-console
  console.error = line('error');
  // eslint-disable-next-line no-console
  console.warn = line('warn');
}

/** An error's class and code, as the log gives them (`describeForLog`), without its frames. */
function classAndCode(error: Error): Record<string, unknown> {
  const { errorName, errorCode } = describeForLog(error);
  return { errorName, ...(errorCode === undefined ? {} : { errorCode }) };
}

function stopOnSignals(app: INestApplication, deadlineMs: number): Promise<number> {
  const logger = new Logger('Shutdown');
  const signals = ['SIGTERM', 'SIGINT'] as const;
  return new Promise<number>((resolve) => {
    let deadline: NodeJS.Timeout | undefined;
    const end = (code: number): void => {
      clearTimeout(deadline);
      for (const signal of signals) process.off(signal, onSignal);
      resolve(code);
    };
    const giveUp = (why: string): void => {
      logger.error({ msg: `shutdown stopped waiting: ${why}`, notClosed: stillOpen() });
      end(1);
    };
    let stopping = false;
    function onSignal(signal: NodeJS.Signals): void {
      if (stopping) {
        giveUp(`a second ${signal}`);
        return;
      }
      stopping = true;
      logger.log({ msg: `${signal}: closing`, deadlineMs });
      deadline = setTimeout(() => {
        giveUp(`the deadline of ${String(deadlineMs)} ms passed`);
      }, deadlineMs);
      app.close().then(
        () => {
          logger.log({ msg: 'closed' });
          end(0);
        },
        (error: unknown) => {
          logger.error({
            msg: 'shutdown failed',
            error: error instanceof Error ? error.name : 'error',
            notClosed: stillOpen(),
          });
          end(1);
        },
      );
    }
    for (const signal of signals) process.on(signal, onSignal);
  });
}
