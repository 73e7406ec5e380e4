import type { LoggerService } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PasserelleError } from '../shared/passerelle-error.js';
import { errorAnswerOf } from './error.filter.js';
import { JSON_BODY_LIMIT_BYTES } from './json-body.js';
import { setupOpenApi } from './openapi.js';
import { splitByListener } from './internal-port.js';
import { createRequestObserver } from './request-observer.js';

/**
 * What the app needs around its routes, in order: the request observer (access log and
 * metrics) first, so that it sees refused bodies too; the JSON body parser with the 1 MiB
 * limit (the app is created with `bodyParser: false`); the OpenAPI routes. A worker process
 * (role `worker`) answers its health checks and metrics only: the API is the `api` and
 * `all` processes' (interfaces.md), and a worker's port is no second way into it. With an
 * internal port (`PASSERELLE_INTERNAL_PORT`), `/metrics` and `/docs` are served there only.
 */
export function configureHttpPlatform(
  app: NestExpressApplication,
  logger: LoggerService | undefined,
): void {
  // Nothing tells a client which framework answers.
  app.disable('x-powered-by');
  // No ETag: Express's is a digest of the body, and the bodies here are personal data — a
  // participant's health data, an access report —, answered `no-store`: a header that
  // proxies and their logs keep would carry a fingerprint of that data (the same one each
  // time the same data is answered), for conditional requests no client of this API makes.
  // (Swagger UI's static files keep their own.)
  app.set('etag', false);
  // No API answer is for a cache to keep: each is personal data (an access report, a
  // preview, a list of transmissions naming trips and participants) or an operator's view
  // of a moment. Routes may still set their own.
  app.use('/v1', noStore);
  app.use(
    createRequestObserver({
      metrics: app.get(MetricsService),
      ...(logger === undefined ? {} : { logger }),
    }),
  );
  if (app.get<AppConfig>(APP_CONFIG).internal !== undefined) app.use(splitByListener);
  if (app.get<AppConfig>(APP_CONFIG).role === 'worker') {
    app.use(workerRoutesOnly);
  }
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT_BYTES });
  if (app.get<AppConfig>(APP_CONFIG).role !== 'worker') setupOpenApi(app);
}

/** `Cache-Control: no-store` on the answer (a route's own header, set later, wins). */
function noStore(_request: Request, response: Response, next: NextFunction): void {
  response.setHeader('Cache-Control', 'no-store');
  next();
}

const WORKER_PATHS = /^\/(?:health\/(?:live|ready)|metrics)\/?$/;

/** A worker's routes: its health checks and metrics; anything else is not found. */
function workerRoutesOnly(request: Request, response: Response, next: NextFunction): void {
  if (WORKER_PATHS.test(request.path)) {
    next();
    return;
  }
  // The whole error envelope (interfaces.md), as the error filter answers.
  const { status, body } = errorAnswerOf(
    new PasserelleError('NOT_FOUND', 'a worker process serves its health checks and metrics only'),
  );
  response.status(status).json(body);
}
