import { createServer, type IncomingMessage, type Server } from 'node:http';
import { NotFoundException, type INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { errorAnswerOf } from './error.filter.js';

/** Set on the requests that came in on the internal listener. */
const INTERNAL = Symbol('passerelle.internal-listener');

/**
 * What the internal listener serves: the metrics, the API's documentation, the health checks.
 * This and the next ignore case, as Express's routing does (`/METRICS` reaches the metrics).
 */
const INTERNAL_PATHS = /^\/(?:metrics|health\/(?:live|ready)|docs(?:\/.*)?)$/i;
/** What the public listener no longer serves once there is an internal one. */
const INTERNAL_ONLY = /^\/(?:metrics|docs(?:\/.*)?)$/i;

const isInternal = (request: IncomingMessage): boolean =>
  (request as IncomingMessage & { [INTERNAL]?: true })[INTERNAL] === true;

/**
 * With `PASSERELLE_INTERNAL_PORT` set, each listener serves its own: the internal one
 * `/metrics`, `/docs` and the health checks, nothing else; the public one everything but
 * `/metrics` and `/docs` (its health checks too, for a load balancer). Either answers any
 * other path as an unknown route is answered (404), naming nothing of the other port.
 */
export function splitByListener(request: Request, response: Response, next: NextFunction): void {
  const path = request.path.length > 1 ? request.path.replace(/\/$/, '') : request.path;
  const served = isInternal(request) ? INTERNAL_PATHS.test(path) : !INTERNAL_ONLY.test(path);
  if (served) {
    next();
    return;
  }
  // The error filter's own answer to an unknown route: a difference would tell an outsider
  // that the path is served on another port.
  const { status, body } = errorAnswerOf(new NotFoundException());
  response.status(status).json(body);
}

/**
 * The internal listener: the app's own request handler on `port` at `host` (loopback by
 * default), each of its requests marked as internal; closed when the app's HTTP server
 * closes. Resolves once it listens.
 */
export async function listenInternal(
  app: INestApplication,
  internal: { readonly port: number; readonly host: string },
): Promise<Server> {
  const handler = app.getHttpAdapter().getInstance() as (
    request: IncomingMessage,
    response: unknown,
  ) => void;
  const server = createServer((request, response) => {
    (request as IncomingMessage & { [INTERNAL]?: true })[INTERNAL] = true;
    handler(request, response);
  });
  const publicServer = app.getHttpServer() as Server;
  publicServer.once('close', () => {
    server.close();
    server.closeAllConnections();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(internal.port, internal.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
