import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Public, Roles } from '../auth/access.decorators.js';
import { setupOpenApi } from './openapi.js';

@Controller('v1/probe')
class ProbeController {
  @Roles('ops')
  @Get()
  probe(): { ok: true } {
    return { ok: true };
  }
}

/** Roles on the controller and on a handler (as the emergency controller has them), a public handler. */
@Roles('insurer')
@Controller('v1/mixed')
class MixedProbeController {
  @Get('own')
  own(): { ok: true } {
    return { ok: true };
  }

  @Roles('ops', 'auditor')
  @Get('handler')
  handler(): { ok: true } {
    return { ok: true };
  }

  @Public()
  @Get('open')
  open(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [ProbeController, MixedProbeController] })
class ProbeModule {}

let app: NestExpressApplication;
let url: string;
beforeAll(async () => {
  app = await NestFactory.create<NestExpressApplication>(ProbeModule, { logger: false });
  setupOpenApi(app);
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
});
afterAll(async () => {
  await app.close();
});

describe('setupOpenApi', () => {
  it('should describe the bearer as an API key, not a JWT, when a client reads /docs/json', async () => {
    const document = (await (await fetch(`${url}/docs/json`)).json()) as {
      components: { securitySchemes: Record<string, Record<string, unknown>> };
    };
    expect(document.components.securitySchemes.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'API key',
      description: 'the API key of a client',
    });
  });

  it('should list the bearer requirement once, 401 and 403, and the roles in words, when a handler and its controller both name roles', async () => {
    interface Operation {
      security?: unknown[];
      description?: string;
      responses: Record<string, { description: string }>;
    }
    const document = (await (await fetch(`${url}/docs/json`)).json()) as {
      paths: Record<string, { get: Operation }>;
    };
    const handler = document.paths['/v1/mixed/handler']?.get;
    expect(handler?.security).toEqual([{ bearer: [] }]);
    expect(handler?.description).toContain('Roles: `ops`, `auditor`');
    expect(handler?.responses['403']?.description).toBe('FORBIDDEN: only for ops, auditor');
    const own = document.paths['/v1/mixed/own']?.get;
    expect(own?.security).toEqual([{ bearer: [] }]);
    expect(own?.description).toContain('Roles: `insurer`');
    expect(Object.keys(own?.responses ?? {})).toEqual(expect.arrayContaining(['401', '403']));
    const open = document.paths['/v1/mixed/open']?.get;
    expect(open?.security).toBeUndefined();
    expect(Object.keys(open?.responses ?? {})).not.toContain('401');
    expect(open?.description).toContain('Public');
  });
});
