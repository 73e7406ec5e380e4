import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type {
  DynamicModule,
  INestApplication,
  LoggerService,
  LogLevel,
  Type,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { loadClientsFile } from './modules/auth/clients-file.js';
import { loadCatalogOrThrow } from './modules/contracts/contracts.module.js';
import { configureHttpPlatform } from './modules/http/configure-http.js';
import { loadControllerConfig } from './modules/register/record-of-processing.js';
import { JsonLogger } from './modules/logging/json-logger.js';

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

/** `passerelle serve`: the HTTP API on `PORT`. */
export async function serve(config: AppConfig): Promise<INestApplication> {
  const app = await createApp(config);
  app.enableShutdownHooks();
  await app.listen(config.port, '0.0.0.0');
  return app;
}
