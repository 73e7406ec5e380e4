import { Module } from '@nestjs/common';
import { formatProblem } from '../../core/contracts/lint-contracts.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { PasserelleError } from '../shared/passerelle-error.js';
import { loadContractCatalog, type ContractCatalog } from './load-contract-catalog.js';

export const CONTRACT_CATALOG = Symbol('CONTRACT_CATALOG');

/** The catalogue, or a `CONTRACTS_INVALID` error naming every problem (`file: key: rule`). */
export async function loadCatalogOrThrow(config: AppConfig): Promise<ContractCatalog> {
  const loaded = await loadContractCatalog({
    contractsDir: config.contractsDir,
    configDir: config.configDir,
  });
  if (loaded.catalog === undefined) {
    throw new PasserelleError(
      'CONTRACTS_INVALID',
      `contracts invalid: ${loaded.problems.map(formatProblem).join('; ')}`,
      loaded.problems.map((problem) => ({
        path: `${problem.file}: ${problem.path}`,
        rule: problem.rule,
      })),
    );
  }
  return loaded.catalog;
}

/**
 * Loads and lints the contract catalogue at boot, with the same code as
 * `passerelle contracts lint`: the gateway refuses to start on any problem.
 */
@Module({
  providers: [
    {
      provide: CONTRACT_CATALOG,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): Promise<ContractCatalog> => loadCatalogOrThrow(config),
    },
  ],
  exports: [CONTRACT_CATALOG],
})
export class ContractsModule {}
