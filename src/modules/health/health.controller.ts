import { Controller, Get, Inject } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { sql } from 'kysely';
import type { Db } from '../../database/database.js';
import { DATABASE } from '../../database/database.module.js';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../http/openapi-errors.js';
import { PasserelleError } from '../shared/passerelle-error.js';
import { Public } from '../auth/access.decorators.js';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog } from '../contracts/load-contract-catalog.js';
import { TRANSMISSIONS_QUEUE } from '../transmissions/dispatcher.service.js';

class Liveness {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

class Readiness {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ type: 'integer', description: 'contracts loaded' }) contracts!: number;
  @ApiProperty({ enum: ['ok'] }) database!: 'ok';
  @ApiProperty({ enum: ['ok'] }) queue!: 'ok';
}

/** Public: load balancers and orchestrators probe these without a key. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog,
    @Inject(DATABASE) private readonly db: Db,
    private readonly modules: ModuleRef,
  ) {}

  /** Liveness: the process answers. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: Liveness })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the contract catalogue is loaded, PostgreSQL and Redis (the queue) answer. */
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: the contracts are loaded, PostgreSQL and Redis answer',
  })
  @ApiOkResponse({ type: Readiness })
  @ApiErrors({ 503: 'SERVICE_UNAVAILABLE: PostgreSQL or Redis does not answer' })
  async ready(): Promise<{ status: 'ok'; contracts: number; database: 'ok'; queue: 'ok' }> {
    try {
      await sql`SELECT 1`.execute(this.db);
    } catch {
      throw new PasserelleError('SERVICE_UNAVAILABLE', 'PostgreSQL does not answer');
    }
    try {
      const queue = this.modules.get<Queue>(getQueueToken(TRANSMISSIONS_QUEUE), { strict: false });
      await withTimeout(queue.count(), 2_000);
    } catch {
      throw new PasserelleError('SERVICE_UNAVAILABLE', 'Redis does not answer');
    }
    return { status: 'ok', contracts: this.catalog.contracts.size, database: 'ok', queue: 'ok' };
  }
}

/** A dependency that does not answer in time counts as down (the queue client would wait). */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error('timed out'));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
