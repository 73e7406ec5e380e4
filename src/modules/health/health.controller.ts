import { Controller, Get, Inject } from '@nestjs/common';
import { Public } from '../auth/access.decorators.js';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog } from '../contracts/load-contract-catalog.js';

/** Public: load balancers and orchestrators probe these without a key. */
@Public()
@Controller('health')
export class HealthController {
  constructor(@Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog) {}

  /** Liveness: the process answers. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: for now, the contract catalogue is loaded (PostgreSQL and Redis join later). */
  @Get('ready')
  ready(): { status: 'ok'; contracts: number } {
    return { status: 'ok', contracts: this.catalog.contracts.size };
  }
}
