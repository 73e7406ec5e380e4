import type { INestApplication } from '@nestjs/common';
import { ApiProperty, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { takeDeferredDocs } from '../shared/deferred-api-docs.js';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs/json';

/**
 * The OpenAPI description at `/docs/json` and Swagger UI at `/docs`, both public. Routes
 * with `@Roles` declare the bearer scheme (see `Roles`). Built on the first request.
 */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Passerelle')
    .setDescription(
      'Minimized, contract-driven disclosures of passenger data, with a tamper-evident register. ' +
        'Authenticate with `Authorization: Bearer <api key>`; errors answer ' +
        '`{ "error": { "code", "message", "details": [{ "path", "rule" }] } }`.',
    )
    .setVersion('1')
    // The bearer is an opaque API key (the clients file holds its sha256), not the JWT
    // that @nestjs/swagger names by default.
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'API key',
      description: 'the API key of a client',
    })
    .build();
  // The input DTOs' properties, recorded without the swagger package (the CLI loads them).
  for (const { target, key, options } of takeDeferredDocs()) {
    ApiProperty(options)(target, key);
  }
  SwaggerModule.setup(DOCS_PATH, app, () => SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'Passerelle API',
  });
}
