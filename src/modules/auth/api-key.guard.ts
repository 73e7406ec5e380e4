import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PasserelleError } from '../shared/passerelle-error.js';
import { routeAccessOf } from './access.decorators.js';
import type { RegisteredClient } from './api-client.js';
import { attachClient } from './current-client.decorator.js';
import { bearerKeyOf, matchClient } from './key-match.js';

export const API_CLIENTS = Symbol('API_CLIENTS');

interface RequestWithHeaders {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * The global guard (APP_GUARD): `@Public()` routes pass; every other route needs a known
 * `Authorization: Bearer <key>` (401) of a role its `@Roles` names (403) — a route without
 * `@Roles` names none, so it is closed to everyone. Keys are never logged nor echoed.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(API_CLIENTS) private readonly clients: readonly RegisteredClient[],
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const access = routeAccessOf(this.reflector, context.getHandler(), context.getClass());
    if (access.kind === 'public') return true;
    const request = context.switchToHttp().getRequest<RequestWithHeaders>();
    const key = bearerKeyOf(request.headers.authorization);
    const client = key === undefined ? undefined : matchClient(key, this.clients);
    if (client === undefined) {
      throw new PasserelleError('UNAUTHENTICATED', 'a valid API key is required');
    }
    attachClient(request, client);
    if (!access.roles.includes(client.role)) {
      throw new PasserelleError('FORBIDDEN', `role ${client.role} may not do this`);
    }
    return true;
  }
}
