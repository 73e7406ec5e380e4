import { Controller, Get, Inject } from '@nestjs/common';
import { sql } from 'kysely';
import type { Db } from '../../database/database.js';
import { DATABASE } from '../../database/database.module.js';
import { PasserelleError } from '../shared/passerelle-error.js';
import { Public } from '../auth/access.decorators.js';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog } from '../contracts/load-contract-catalog.js';

/** Public: load balancers and orchestrators probe these without a key. */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog,
    @Inject(DATABASE) private readonly db: Db,
  ) {}

  /** Liveness: the process answers. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the contract catalogue is loaded and PostgreSQL answers (Redis joins with the queue). */
  @Get('ready')
  async ready(): Promise<{ status: 'ok'; contracts: number; database: 'ok' }> {
    try {
      await sql`SELECT 1`.execute(this.db);
    } catch {
      throw new PasserelleError('SERVICE_UNAVAILABLE', 'PostgreSQL does not answer');
    }
    return { status: 'ok', contracts: this.catalog.contracts.size, database: 'ok' };
  }
}
