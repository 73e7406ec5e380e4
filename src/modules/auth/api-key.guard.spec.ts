import { Controller, Get, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { PasserelleError } from '../shared/passerelle-error.js';
import { Public, Roles } from './access.decorators.js';
import type { RegisteredClient } from './api-client.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { clientOf } from './current-client.decorator.js';
import { sha256Of } from './key-match.js';

@Roles('ops')
@Controller('ops')
class OpsController {
  @Get() list(): string {
    return 'list';
  }
  @Roles('auditor') @Get('audit') audit(): string {
    return 'audit';
  }
  @Public() @Get('open') open(): string {
    return 'open';
  }
}

@Public()
@Controller('public')
class PublicController {
  @Get() hello(): string {
    return 'hello';
  }
  @Roles('ingest') @Get('closed') closed(): string {
    return 'closed';
  }
}

@Controller('nothing')
class UndeclaredController {
  @Get() forgotten(): string {
    return 'forgotten';
  }
}

const clients: RegisteredClient[] = [
  { client: { id: 'c-ops', role: 'ops' }, keySha256: sha256Of('ops-key') },
  { client: { id: 'c-auditor', role: 'auditor' }, keySha256: sha256Of('auditor-key') },
  { client: { id: 'c-ingest', role: 'ingest' }, keySha256: sha256Of('ingest-key') },
];

const guard = new ApiKeyGuard(new Reflector(), clients);

function outcome(
  controller: abstract new () => object,
  handler: string,
  authorization?: string,
): { result: string; request: object } {
  const request = { headers: authorization === undefined ? {} : { authorization } };
  const context = {
    getHandler: () => (controller.prototype as Record<string, unknown>)[handler],
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  try {
    return { result: guard.canActivate(context) ? 'allowed' : 'refused', request };
  } catch (error) {
    if (error instanceof PasserelleError) return { result: error.code, request };
    throw error;
  }
}

describe('the API key guard', () => {
  it('should let a role the route names through, and attach the client', () => {
    const { result, request } = outcome(OpsController, 'list', 'Bearer ops-key');
    expect(result).toBe('allowed');
    expect(clientOf(request)).toEqual({ id: 'c-ops', role: 'ops' });
  });

  it('should answer UNAUTHENTICATED without a key, with an unknown key or another scheme', () => {
    expect(outcome(OpsController, 'list').result).toBe('UNAUTHENTICATED');
    expect(outcome(OpsController, 'list', 'Bearer nope').result).toBe('UNAUTHENTICATED');
    expect(outcome(OpsController, 'list', 'Basic b3BzLWtleQ==').result).toBe('UNAUTHENTICATED');
  });

  it('should answer FORBIDDEN to a known client of another role, still naming it for the access log', () => {
    const { result, request } = outcome(OpsController, 'list', 'Bearer auditor-key');
    expect(result).toBe('FORBIDDEN');
    expect(clientOf(request)?.id).toBe('c-auditor');
  });

  it('should let the handler’s declaration win over its controller’s', () => {
    expect(outcome(OpsController, 'audit', 'Bearer ops-key').result).toBe('FORBIDDEN');
    expect(outcome(OpsController, 'audit', 'Bearer auditor-key').result).toBe('allowed');
    expect(outcome(OpsController, 'open').result).toBe('allowed');
    expect(outcome(PublicController, 'hello').result).toBe('allowed');
    expect(outcome(PublicController, 'closed').result).toBe('UNAUTHENTICATED');
    expect(outcome(PublicController, 'closed', 'Bearer ingest-key').result).toBe('allowed');
  });

  it('should close a route that declares nothing to every client (deny by default)', () => {
    expect(outcome(UndeclaredController, 'forgotten').result).toBe('UNAUTHENTICATED');
    for (const key of ['ops-key', 'auditor-key', 'ingest-key']) {
      expect(outcome(UndeclaredController, 'forgotten', `Bearer ${key}`).result).toBe('FORBIDDEN');
    }
  });
});
