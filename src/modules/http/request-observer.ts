import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { clientOf } from '../auth/current-client.decorator.js';
import type { MetricsService } from '../metrics/metrics.service.js';

/** The route label of requests no route matched (unknown paths, static files, early errors). */
export const UNMATCHED_ROUTE = '(unmatched)';

/** What Express adds to the request once a route matched. */
interface RoutedRequest extends IncomingMessage {
  readonly route?: { readonly path?: unknown };
  readonly baseUrl?: string;
}

/**
 * The route PATTERN a request matched (`/v1/subjects/:participantId/disclosures`) — never
 * its URL, which holds participant ids and query strings.
 */
export function routePatternOf(request: IncomingMessage): string {
  const { route, baseUrl } = request as RoutedRequest;
  return typeof route?.path === 'string' ? `${baseUrl ?? ''}${route.path}` : UNMATCHED_ROUTE;
}

export interface AccessLogEntry {
  readonly msg: 'request';
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly durationMs: number;
  readonly clientId?: string;
  readonly aborted?: true;
}

/**
 * The access log line of one request: method, route pattern, status, duration and client
 * id. Built from these facts only, so no query string, header, body or key can reach it.
 */
export function accessLogEntry(
  request: IncomingMessage,
  response: ServerResponse,
  seconds: number,
): AccessLogEntry {
  const clientId = clientOf(request)?.id;
  return {
    msg: 'request',
    method: request.method ?? 'UNKNOWN',
    route: routePatternOf(request),
    status: response.statusCode,
    durationMs: Math.round(seconds * 1e6) / 1e3,
    ...(clientId === undefined ? {} : { clientId }),
    ...(response.writableFinished ? {} : { aborted: true as const }),
  };
}

/**
 * Express middleware, mounted before the body parser so that it sees every request —
 * refused bodies and unknown routes too: counts and times it, and writes one access log
 * line when the response is done.
 */
export function createRequestObserver(dependencies: {
  readonly metrics: MetricsService;
  readonly logger?: LoggerService;
}): (request: IncomingMessage, response: ServerResponse, next: () => void) => void {
  const { metrics, logger } = dependencies;
  return (request, response, next) => {
    const started = process.hrtime.bigint();
    response.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const entry = accessLogEntry(request, response, seconds);
      metrics.observeHttpRequest({
        method: entry.method,
        route: entry.route,
        status: entry.status,
        seconds,
      });
      logger?.log(entry, 'http');
    });
    next();
  };
}
