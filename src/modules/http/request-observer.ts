import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { clientOf } from '../auth/current-client.decorator.js';
import { runWithRequestId } from '../logging/request-context.js';
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

/**
 * A caller's `X-Request-Id` that may be kept: a token of 1 to 128 letters, digits and
 * `.`, `_`, `:`, `-`. Anything else — spaces, a name, control characters, JSON — could carry
 * personal data or forge log fields: it is replaced, never echoed nor logged. (Node joins a
 * repeated header with `, `, so two ids are replaced too.)
 */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The id of a request: the caller's `X-Request-Id` when it is safe, else a fresh UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

export interface AccessLogEntry {
  readonly msg: 'request';
  readonly requestId?: string;
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
  requestId?: string,
): AccessLogEntry {
  const clientId = clientOf(request)?.id;
  return {
    msg: 'request',
    ...(requestId === undefined ? {} : { requestId }),
    method: request.method ?? 'UNKNOWN',
    route: routePatternOf(request),
    status: response.statusCode,
    durationMs: Math.round(seconds * 1e6) / 1e3,
    ...(clientId === undefined ? {} : { clientId }),
    ...(response.writableFinished ? {} : { aborted: true as const }),
  };
}

/**
 * Express middleware, mounted first so that it sees every request — refused bodies and
 * unknown routes too: gives it its id (`X-Request-Id` on the answer, `requestId` on every
 * line logged while serving it), counts and times it, and writes one access log line when
 * the response is done.
 */
export function createRequestObserver(dependencies: {
  readonly metrics: MetricsService;
  readonly logger?: LoggerService;
}): (request: IncomingMessage, response: ServerResponse, next: () => void) => void {
  const { metrics, logger } = dependencies;
  return (request, response, next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(request);
    response.setHeader('X-Request-Id', requestId);
    // 'close' is emitted from the socket's context, not the request's: the id is passed.
    response.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const entry = accessLogEntry(request, response, seconds, requestId);
      metrics.observeHttpRequest({
        method: entry.method,
        route: entry.route,
        status: entry.status,
        seconds,
      });
      logger?.log(entry, 'http');
    });
    runWithRequestId(requestId, next);
  };
}
