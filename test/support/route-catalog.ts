import { RequestMethod, type INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, ModulesContainer, Reflector } from '@nestjs/core';
import { routeAccessOf, type RouteAccess } from '../../src/modules/auth/access.decorators.js';

/** A route a controller declares, with the access its decorators give it. */
export interface DeclaredRoute {
  readonly method: string;
  readonly path: string;
  readonly controller: string;
  readonly handler: string;
  readonly access: RouteAccess;
  /** The controller class, to read the handler's metadata (its parameters, their DTOs). */
  readonly type: abstract new (...args: never[]) => unknown;
}

const asList = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : [typeof value === 'string' ? value : '/'];

const joinRoutePath = (...parts: string[]): string =>
  `/${parts
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment !== '')
    .join('/')}`;

/**
 * Every route of every controller of the app, read from Nest's metadata (DiscoveryService
 * and Reflector), with its `@Roles` / `@Public` as the global guard reads them. Routes a
 * module adds later are found the same way.
 */
export function declaredRoutes(app: INestApplication): DeclaredRoute[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const reflector = app.get(Reflector);
  const seen = new Set<unknown>();
  return discovery.getControllers().flatMap((wrapper) => {
    const controller = wrapper.metatype as (abstract new (...args: never[]) => unknown) | null;
    if (controller === null || seen.has(controller)) return [];
    seen.add(controller);
    const prototype = controller.prototype as Record<string, unknown>;
    const controllerPaths = asList(Reflect.getMetadata(PATH_METADATA, controller));
    return Object.getOwnPropertyNames(prototype).flatMap((name) => {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') return [];
      const method: unknown = Reflect.getMetadata(METHOD_METADATA, handler);
      if (typeof method !== 'number') return [];
      const access = routeAccessOf(reflector, handler, controller as never);
      return controllerPaths.flatMap((base) =>
        asList(Reflect.getMetadata(PATH_METADATA, handler)).map((path) => ({
          method: RequestMethod[method] ?? String(method),
          path: joinRoutePath(base, path),
          controller: controller.name,
          handler: name,
          access,
          type: controller,
        })),
      );
    });
  });
}

interface ExpressLayer {
  readonly route?: { readonly path: unknown; readonly methods: Record<string, boolean> };
}

/** Every route registered on the Express router, whoever registered it: `GET /health/live`. */
export function registeredRoutes(app: INestApplication): string[] {
  const instance: unknown = app.getHttpAdapter().getInstance();
  const express = instance as { router: { stack: ExpressLayer[] } };
  return express.router.stack.flatMap((layer) =>
    layer.route === undefined
      ? []
      : Object.keys(layer.route.methods)
          .filter((method) => layer.route?.methods[method] === true && method !== '_all')
          .map((method) => `${method.toUpperCase()} ${String(layer.route?.path)}`),
  );
}

/** A concrete URL path for a route pattern: each parameter gets a dummy value. */
export const samplePath = (pattern: string): string =>
  pattern
    .replace(/:[A-Za-z_][A-Za-z0-9_]*/g, 'dummy-id-1')
    .replace(/\*[A-Za-z_][A-Za-z0-9_]*/g, 'dummy')
    .replace(/[{}]/g, '');
