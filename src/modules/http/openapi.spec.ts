import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Roles } from '../auth/access.decorators.js';
import { setupOpenApi } from './openapi.js';

@Controller('v1/probe')
class ProbeController {
  @Roles('ops')
  @Get()
  probe(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [ProbeController] })
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
});
