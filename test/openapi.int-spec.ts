import SwaggerParser from '@apidevtools/swagger-parser';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { DECORATORS } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import type { OpenAPIV3 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../src/modules/auth/api-client.js';
import { declaredRoutes, samplePath, type DeclaredRoute } from './support/route-catalog.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { clientOfRole } from './support/test-clients.js';

/**
 * The OpenAPI document at /docs/json against the app itself: every route of the route
 * catalogue (Nest's metadata) is described, its query parameters and bodies as their
 * validation classes (class-validator's metadata) enforce them, with the error statuses the
 * route is seen to answer and the security its `@Roles` gives it; and the whole document is a
 * valid OpenAPI 3 document.
 */

let gateway: TestApp;
let document: OpenAPIV3.Document;

beforeAll(async () => {
  gateway = await startTestApp();
  document = (await (await fetch(`${gateway.url}/docs/json`)).json()) as OpenAPIV3.Document;
}, 60_000);

afterAll(async () => {
  await gateway.close();
});

// Route parameter kinds of @nestjs/common's RouteParamtypes.
const BODY = 3;
const QUERY = 4;

type Constructor = abstract new (...args: never[]) => unknown;

/** What this test reads of class-validator's metadata of a property. */
interface ValidationMetadata {
  readonly type: string;
  readonly name?: string;
  readonly propertyName: string;
  readonly constraints?: readonly unknown[];
}

/** The routes the document should describe: all but those of an excluded controller (metrics). */
const documentedRoutes = (): DeclaredRoute[] =>
  declaredRoutes(gateway.app).filter(
    (route) => Reflect.getMetadata(DECORATORS.API_EXCLUDE_CONTROLLER, route.type) === undefined,
  );

const openApiPath = (path: string): string => path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

function operationOf(route: DeclaredRoute): OpenAPIV3.OperationObject {
  const item = document.paths[openApiPath(route.path)] as
    Partial<Record<string, OpenAPIV3.OperationObject>> | undefined;
  const operation = item?.[route.method.toLowerCase()];
  if (operation === undefined) throw new Error(`${route.method} ${route.path} is not documented`);
  return operation;
}

/** The class of a handler's `@Query()` (whole) or `@Body()` parameter, when it has one. */
function parameterClass(route: DeclaredRoute, kind: number): Constructor | undefined {
  const prototype: object = route.type.prototype as object;
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, route.type, route.handler) ??
    {}) as Record<string, { index: number; data?: unknown }>;
  const types = (Reflect.getMetadata('design:paramtypes', prototype, route.handler) ??
    []) as unknown[];
  for (const [key, arg] of Object.entries(args)) {
    if (Number(key.split(':')[0]) !== kind || arg.data !== undefined) continue;
    const type = types[arg.index];
    if (typeof type === 'function' && type !== Object) return type as Constructor;
  }
  return undefined;
}

const hasParameter = (route: DeclaredRoute, kind: number): boolean =>
  Object.keys(
    (Reflect.getMetadata(ROUTE_ARGS_METADATA, route.type, route.handler) ?? {}) as object,
  ).some((key) => Number(key.split(':')[0]) === kind);

/** class-validator's metadata of a class, by property. */
function validationOf(type: Constructor): Map<string, ValidationMetadata[]> {
  const byProperty = new Map<string, ValidationMetadata[]>();
  const all: readonly ValidationMetadata[] = getMetadataStorage().getTargetValidationMetadatas(
    type,
    '',
    true,
    false,
  );
  for (const metadata of all) {
    byProperty.set(metadata.propertyName, [
      ...(byProperty.get(metadata.propertyName) ?? []),
      metadata,
    ]);
  }
  return byProperty;
}

const isOptional = (metadata: readonly ValidationMetadata[]): boolean =>
  metadata.some((item) => item.type === 'conditionalValidation');

const constraint = (
  metadata: readonly ValidationMetadata[],
  name: string,
): readonly unknown[] | undefined => metadata.find((item) => item.name === name)?.constraints;

function resolve(
  schema: OpenAPIV3.SchemaObject | OpenAPIV3.ReferenceObject | undefined,
): OpenAPIV3.SchemaObject {
  if (schema === undefined) return {};
  if (!('$ref' in schema)) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const found = document.components?.schemas?.[name];
  if (found === undefined) throw new Error(`${schema.$ref} is not in the document`);
  return resolve(found);
}

/** What a property's validators enforce, as its schema must say it. */
function expectSchemaAsValidated(
  where: string,
  schema: OpenAPIV3.SchemaObject,
  metadata: readonly ValidationMetadata[],
): void {
  const min = constraint(metadata, 'min');
  if (min !== undefined) expect(schema.minimum, `${where}: minimum`).toBe(min[0]);
  const max = constraint(metadata, 'max');
  if (max !== undefined) expect(schema.maximum, `${where}: maximum`).toBe(max[0]);
  const minLength = constraint(metadata, 'minLength');
  if (minLength !== undefined) expect(schema.minLength, `${where}: minLength`).toBe(minLength[0]);
  const maxLength = constraint(metadata, 'maxLength');
  if (maxLength !== undefined) expect(schema.maxLength, `${where}: maxLength`).toBe(maxLength[0]);
  const matches = constraint(metadata, 'matches');
  if (matches !== undefined) {
    expect(schema.pattern, `${where}: pattern`).toBe((matches[0] as RegExp).source);
  }
  const isIn = constraint(metadata, 'isIn');
  if (isIn !== undefined) expect(schema.enum, `${where}: enum`).toEqual(isIn[0]);
  if (metadata.some((item) => item.name === 'isInt')) {
    expect(schema.type, `${where}: type`).toBe('integer');
  }
}

describe('the OpenAPI document', () => {
  it('should be a valid OpenAPI 3 document when checked by swagger-parser', async () => {
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('should describe every route of the catalogue, and no other', () => {
    const routes = documentedRoutes();
    expect(routes.length).toBeGreaterThan(10);
    const expected = routes.map((route) => `${route.method} ${openApiPath(route.path)}`).sort();
    const described = Object.entries(document.paths)
      .flatMap(([path, item]) =>
        Object.keys(item ?? {})
          .filter((key) => Object.values<string>(['get', 'put', 'post', 'delete']).includes(key))
          .map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    expect(described).toEqual(expected);
  });

  it('should document each query parameter a route accepts, as its validation class enforces it', () => {
    let checked = 0;
    for (const route of documentedRoutes()) {
      const operation = operationOf(route);
      const documented = new Map(
        (operation.parameters ?? [])
          .map((parameter) => parameter as OpenAPIV3.ParameterObject)
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => [parameter.name, parameter]),
      );
      const type = parameterClass(route, QUERY);
      const accepted =
        type === undefined ? new Map<string, ValidationMetadata[]>() : validationOf(type);
      const where = `${route.method} ${route.path}`;
      // forbidNonWhitelisted: what the class does not name is refused, so it must not be offered.
      expect([...documented.keys()].sort(), `${where}: query parameters`).toEqual(
        [...accepted.keys()].sort(),
      );
      for (const [name, metadata] of accepted) {
        const parameter = documented.get(name);
        if (parameter === undefined) continue;
        expect(parameter.required ?? false, `${where} ?${name}: required`).toBe(
          !isOptional(metadata),
        );
        expectSchemaAsValidated(`${where} ?${name}`, resolve(parameter.schema), metadata);
        checked += 1;
      }
    }
    // The transmissions, register, ROPA, subject report and emergency lists.
    expect(checked).toBeGreaterThanOrEqual(29);
  });

  it('should give every body a schema with its properties and required ones, as validated', () => {
    for (const route of documentedRoutes().filter((candidate) => hasParameter(candidate, BODY))) {
      const where = `${route.method} ${route.path}`;
      const body = operationOf(route).requestBody as OpenAPIV3.RequestBodyObject | undefined;
      expect(body?.required, `${where}: a body`).toBe(true);
      const schema = resolve(body?.content['application/json']?.schema);
      expect(Object.keys(schema.properties ?? {}).length, `${where}: properties`).toBeGreaterThan(
        0,
      );
      expect(schema.required?.length ?? 0, `${where}: required properties`).toBeGreaterThan(0);
      const type = parameterClass(route, BODY);
      if (type === undefined) continue;
      const validated = validationOf(type);
      expect(Object.keys(schema.properties ?? {}).sort(), `${where}: properties`).toEqual(
        [...validated.keys()].sort(),
      );
      for (const [name, metadata] of validated) {
        expect(schema.required?.includes(name) ?? false, `${where} .${name}: required`).toBe(
          !isOptional(metadata),
        );
        expectSchemaAsValidated(`${where} .${name}`, resolve(schema.properties?.[name]), metadata);
      }
    }
  });

  it('should describe every validated input class it names as its validation does (the trip, the booking and theirs)', () => {
    const storage = getMetadataStorage() as unknown as {
      readonly validationMetadatas: Map<Constructor, unknown>;
    };
    const classes = new Map(
      [...storage.validationMetadatas.keys()].map((type) => [type.name, type]),
    );
    const schemas = document.components?.schemas ?? {};
    const named = Object.keys(schemas).filter((name) => classes.has(name));
    expect(named).toEqual(expect.arrayContaining(['TripDto', 'BookingDto', 'ParticipantDto']));
    for (const name of named) {
      const schema = resolve(schemas[name]);
      const type = classes.get(name);
      if (type === undefined) continue;
      const validated = validationOf(type);
      expect(Object.keys(schema.properties ?? {}).sort(), `${name}: properties`).toEqual(
        [...validated.keys()].sort(),
      );
      const required = [...validated]
        .filter(([, metadata]) => !isOptional(metadata))
        .map(([property]) => property);
      expect([...(schema.required ?? [])].sort(), `${name}: required`).toEqual(required.sort());
    }
  });

  it('should list the bearer requirement once on every route with roles, none on public ones, and name the roles', () => {
    const problems: string[] = [];
    for (const operation of Object.values(document.paths).flatMap((item) =>
      Object.values(item ?? {}).filter(
        (value): value is OpenAPIV3.OperationObject =>
          typeof value === 'object' && 'responses' in value,
      ),
    )) {
      const requirements = (operation.security ?? []).map((requirement) =>
        JSON.stringify(requirement),
      );
      if (new Set(requirements).size !== requirements.length) {
        problems.push(`${String(operation.operationId)}: ${requirements.join(', ')}`);
      }
    }
    expect(problems, 'operations listing a security requirement twice').toEqual([]);
    for (const route of documentedRoutes()) {
      const operation = operationOf(route);
      const where = `${route.method} ${route.path}`;
      if (route.access.kind === 'public') {
        expect(operation.security ?? [], where).toEqual([]);
        continue;
      }
      expect(operation.security, where).toEqual([{ bearer: [] }]);
      for (const role of route.access.roles) {
        expect(operation.description, `${where}: role ${role}`).toContain(`\`${role}\``);
      }
    }
  });

  it('should give every error answer the error envelope as its schema', () => {
    const envelope = resolve({ $ref: '#/components/schemas/ErrorEnvelope' });
    expect(envelope.required).toEqual(['error']);
    const error = resolve(envelope.properties?.error);
    expect(Object.keys(error.properties ?? {}).sort()).toEqual([
      'code',
      'details',
      'message',
      'requestId',
    ]);
    // `requestId` is given in 5xx answers only.
    expect(error.required?.sort()).toEqual(['code', 'details', 'message']);
    const detail = resolve((error.properties?.details as OpenAPIV3.ArraySchemaObject).items);
    expect(Object.keys(detail.properties ?? {}).sort()).toEqual(['path', 'rule']);
    for (const route of documentedRoutes()) {
      for (const [status, response] of Object.entries(operationOf(route).responses)) {
        if (Number(status) < 400) continue;
        const schema = (response as OpenAPIV3.ResponseObject).content?.['application/json']
          ?.schema as OpenAPIV3.ReferenceObject | undefined;
        expect(schema?.$ref, `${route.method} ${route.path} ${status}`).toBe(
          '#/components/schemas/ErrorEnvelope',
        );
      }
    }
  });

  it('should document every status a route answers, as probed: no key, a wrong role, its own role with dummy values, an unknown parameter, bad bodies', async () => {
    const undocumented: string[] = [];
    const probe = async (
      route: DeclaredRoute,
      what: string,
      options: {
        role?: Role;
        query?: string;
        body?: string;
        headers?: Record<string, string>;
      },
    ): Promise<void> => {
      const response = await fetch(
        `${gateway.url}${samplePath(route.path)}${options.query ?? ''}`,
        {
          method: route.method,
          headers: {
            ...(options.role === undefined
              ? {}
              : { authorization: `Bearer ${clientOfRole(options.role).key}` }),
            ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...options.headers,
          },
          ...(options.body === undefined ? {} : { body: options.body }),
        },
      );
      await response.arrayBuffer();
      const responses = operationOf(route).responses;
      if (responses[String(response.status)] === undefined) {
        undocumented.push(`${route.method} ${route.path} (${what}): ${String(response.status)}`);
      }
    };
    for (const route of documentedRoutes()) {
      const withBody = hasParameter(route, BODY);
      const body = withBody ? '{}' : undefined;
      await probe(route, 'no key', { ...(body === undefined ? {} : { body }) });
      if (route.access.kind === 'public') {
        await probe(route, 'public', {});
        continue;
      }
      const roles = route.access.roles;
      const other = ROLES.find((role) => !roles.includes(role));
      if (other !== undefined) {
        await probe(route, `as ${other}`, { role: other, ...(body === undefined ? {} : { body }) });
      }
      const [role] = roles;
      await probe(route, `as ${role}`, { role, ...(body === undefined ? {} : { body }) });
      if (hasParameter(route, QUERY)) {
        await probe(route, 'unknown parameter', { role, query: '?notAParameter=1' });
        await probe(route, 'limit 0', { role, query: '?limit=0&format=pdf' });
      }
      if (withBody) {
        await probe(route, 'not JSON', { role, body: '{"reason": ' });
        await probe(route, 'over 1 MiB', {
          role,
          body: JSON.stringify({ reason: 'x'.repeat(1024 * 1024) }),
        });
        await probe(route, 'unknown charset', {
          role,
          body: '{}',
          headers: { 'content-type': 'application/json; charset=x-unknown' },
        });
      }
    }
    expect(undocumented).toEqual([]);
  }, 60_000);
});
