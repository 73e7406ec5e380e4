import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../http/openapi-errors.js';
import { errorAnswerOf, type ErrorBody } from '../http/error.filter.js';
import { PasserelleError } from '../shared/passerelle-error.js';
import { Public } from '../auth/access.decorators.js';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog } from '../contracts/load-contract-catalog.js';
import { Readiness, type DependencyStates } from './readiness.js';

class Liveness {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

class ReadinessBody {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ type: 'integer', description: 'contracts loaded' }) contracts!: number;
  @ApiProperty({ enum: ['ok', 'unavailable'] }) database!: DependencyStates['database'];
  @ApiProperty({
    enum: ['ok', 'read-only', 'unavailable'],
    description: 'whether the register can be appended to',
  })
  register!: DependencyStates['register'];
  @ApiProperty({
    enum: ['ok', 'unavailable'],
    description: 'Redis; required by role `worker` only (api and all stay ready without it)',
  })
  queue!: DependencyStates['queue'];
}

/** Public: load balancers and orchestrators probe these without a key. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog,
    private readonly readiness: Readiness,
  ) {}

  /**
   * Liveness: the process answers — its event loop turns. Nothing it depends on is asked: a
   * PostgreSQL or Redis away is not cured by a restart, and a restart loop would only add
   * to it; a process whose event loop is blocked does not answer at all.
   */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers (its dependencies are not asked)' })
  @ApiOkResponse({ type: Liveness })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: PostgreSQL answers and the register can be appended to (and, for a worker,
   * Redis answers), each within 2 s. The contracts are loaded before the process listens (it
   * does not start without them). 503 names what is missing, in words, never an error's text.
   */
  @Get('ready')
  @ApiOperation({
    summary:
      'Readiness: PostgreSQL answers and the register can be appended to; Redis too for a worker',
  })
  @ApiOkResponse({ type: ReadinessBody })
  @ApiErrors({
    503: 'SERVICE_UNAVAILABLE: PostgreSQL does not answer, the register cannot be appended to, or (role worker) Redis does not answer',
  })
  async ready(@Res({ passthrough: true }) response: Response): Promise<ReadinessBody | ErrorBody> {
    const { ready, ...states } = await this.readiness.check();
    if (ready) return { status: 'ok', contracts: this.catalog.contracts.size, ...states };
    // Answered, not thrown: a probe failing every few seconds is not an error line each time
    // (the change of readiness is logged once, by `Readiness`).
    const { status, body } = errorAnswerOf(
      new PasserelleError('SERVICE_UNAVAILABLE', notReadyBecause(states)),
    );
    response.status(status);
    return body;
  }
}

function notReadyBecause(states: DependencyStates): string {
  if (states.database === 'unavailable') return 'PostgreSQL does not answer';
  if (states.register !== 'ok')
    return 'the register cannot be appended to (the database is read-only)';
  return 'Redis does not answer';
}
