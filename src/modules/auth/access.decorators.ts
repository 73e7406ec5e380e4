import { applyDecorators, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Role } from './api-client.js';

export const ROLES_KEY = 'passerelle:roles';
export const PUBLIC_KEY = 'passerelle:public';

/**
 * The roles that may call a route (on a handler, or on a controller for all its handlers;
 * the handler's wins). A route with neither `@Roles` nor `@Public` answers 403 to every
 * client: access is denied by default.
 */
export const Roles = (...roles: [Role, ...Role[]]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: `UNAUTHENTICATED: no key, or an unknown key` }),
    ApiForbiddenResponse({ description: `FORBIDDEN: only for ${roles.join(', ')}` }),
  );

/** A route anyone may call without a key (health, metrics). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/** How a route is guarded, as the global guard reads it. */
export type RouteAccess =
  { readonly kind: 'public' } | { readonly kind: 'roles'; readonly roles: readonly Role[] };

/**
 * The access of a route: the handler's own decorator wins over its controller's, so a
 * `@Roles` handler in a `@Public` controller stays closed (and the reverse opens one route).
 * Nothing declared means no role: closed.
 */
export function routeAccessOf(
  reflector: Reflector,
  handler: ReturnType<ExecutionContext['getHandler']>,
  controller: ReturnType<ExecutionContext['getClass']>,
): RouteAccess {
  for (const target of [handler, controller]) {
    const roles = reflector.get<readonly Role[] | undefined>(ROLES_KEY, target);
    if (roles !== undefined) return { kind: 'roles', roles };
    if (reflector.get<boolean | undefined>(PUBLIC_KEY, target) === true) return { kind: 'public' };
  }
  return { kind: 'roles', roles: [] };
}
