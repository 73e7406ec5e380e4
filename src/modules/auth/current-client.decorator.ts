import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { PasserelleError } from '../shared/passerelle-error.js';
import type { ApiClient } from './api-client.js';

/** Where the guard leaves the authenticated client on the request. */
const CLIENT = Symbol('passerelle:client');

interface WithClient {
  [CLIENT]?: ApiClient;
}

export function attachClient(request: object, client: ApiClient): void {
  (request as WithClient)[CLIENT] = client;
}

/** The client the guard authenticated for this request, if any (the access log reads it). */
export const clientOf = (request: object): ApiClient | undefined => (request as WithClient)[CLIENT];

/**
 * The authenticated client of the request: `{ id, role, insurerId? }`. Only on routes with
 * `@Roles`: on a public route there is none, and asking for it fails closed (401).
 */
export const CurrentClient = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ApiClient => {
    const client = clientOf(context.switchToHttp().getRequest<object>());
    if (client === undefined) {
      throw new PasserelleError('UNAUTHENTICATED', 'a valid API key is required');
    }
    return client;
  },
);
