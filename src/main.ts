import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication, LogLevel } from '@nestjs/common';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app-config.js';

/** Builds the gateway (not listening): contracts are loaded and linted here, or boot fails. */
export async function createApp(
  config: AppConfig,
  logger: false | LogLevel[] = ['error', 'warn', 'log'],
): Promise<INestApplication> {
  return NestFactory.create(AppModule.forRoot(config), { logger, abortOnError: false });
}

/** `passerelle serve`: the HTTP API on `PORT`. */
export async function serve(config: AppConfig): Promise<INestApplication> {
  const app = await createApp(config);
  app.enableShutdownHooks();
  await app.listen(config.port, '0.0.0.0');
  return app;
}
