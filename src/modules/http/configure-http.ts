import type { LoggerService } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MetricsService } from '../metrics/metrics.service.js';
import { JSON_BODY_LIMIT_BYTES } from './json-body.js';
import { setupOpenApi } from './openapi.js';
import { createRequestObserver } from './request-observer.js';

/**
 * What the app needs around its routes, in order: the request observer (access log and
 * metrics) first, so that it sees refused bodies too; the JSON body parser with the 1 MiB
 * limit (the app is created with `bodyParser: false`); the OpenAPI routes.
 */
export function configureHttpPlatform(
  app: NestExpressApplication,
  logger: LoggerService | undefined,
): void {
  // Nothing tells a client which framework answers.
  app.disable('x-powered-by');
  app.use(
    createRequestObserver({
      metrics: app.get(MetricsService),
      ...(logger === undefined ? {} : { logger }),
    }),
  );
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT_BYTES });
  setupOpenApi(app);
}
