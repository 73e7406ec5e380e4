import { SetMetadata, type ExecutionContext } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import type { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiOperation, DECORATORS } from '@nestjs/swagger';
import { ApiErrors } from '../http/openapi-errors.js';
import type { Role } from './api-client.js';

export const ROLES_KEY = 'passerelle:roles';
export const PUBLIC_KEY = 'passerelle:public';

/**
 * The roles that may call a route (on a handler, or on a controller for all its handlers;
 * the handler's wins). A route with neither `@Roles` nor `@Public` answers 403 to every
 * client: access is denied by default.
 */
export const Roles =
  (...roles: [Role, ...Role[]]): MethodDecorator & ClassDecorator =>
  (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    SetMetadata(ROLES_KEY, roles)(target, key as never, descriptor as never);
    documentAccess(target, descriptor, { kind: 'roles', roles });
  };

/** A route anyone may call without a key (health, metrics). */
export const Public =
  (): MethodDecorator & ClassDecorator =>
  (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    SetMetadata(PUBLIC_KEY, true)(target, key as never, descriptor as never);
    documentAccess(target, descriptor, { kind: 'public' });
  };

type RouteHandler = (...args: never[]) => unknown;

/**
 * The OpenAPI side of `@Roles` / `@Public`, written on each route handler as the guard reads
 * it (`routeAccessOf`): the bearer requirement, 401 and 403 for `@Roles`, and the access in
 * the operation's description. A controller's decorator documents the handlers that have
 * none of their own (handler decorators run first): the security requirement is never
 * listed twice, as it was when the controller's and a handler's were both declared.
 */
function documentAccess(
  target: object,
  descriptor: PropertyDescriptor | undefined,
  access: RouteAccess,
): void {
  if (descriptor !== undefined) {
    documentHandler(descriptor, access);
    return;
  }
  const prototype = (target as { prototype: Record<string, unknown> }).prototype;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const handler = prototype[name];
    if (name === 'constructor' || typeof handler !== 'function') continue;
    if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
    const own = [ROLES_KEY, PUBLIC_KEY].some(
      (metadataKey) => Reflect.getMetadata(metadataKey, handler) !== undefined,
    );
    if (!own) documentHandler({ value: handler as RouteHandler }, access);
  }
}

function documentHandler(descriptor: PropertyDescriptor, access: RouteAccess): void {
  const handler = descriptor.value as RouteHandler;
  const note =
    access.kind === 'public'
      ? 'Public: no API key.'
      : `Roles: ${access.roles.map((role) => `\`${role}\``).join(', ')} (\`Authorization: Bearer <api key>\`).`;
  const operation = Reflect.getMetadata(DECORATORS.API_OPERATION, handler) as
    { readonly description?: string } | undefined;
  const description =
    operation?.description === undefined || operation.description === ''
      ? note
      : `${operation.description}\n\n${note}`;
  const decorators: MethodDecorator[] = [ApiOperation({ ...operation, description })];
  if (access.kind === 'roles') {
    decorators.push(
      ApiBearerAuth(),
      ApiErrors({
        401: 'UNAUTHENTICATED: no key, or an unknown key',
        403: `FORBIDDEN: only for ${access.roles.join(', ')}`,
      }),
    );
  }
  for (const decorator of decorators) decorator(handler, handler.name, descriptor);
}

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
