import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildRecordOfProcessing,
  type RecordOfProcessing,
} from '../../core/register/build-ropa.js';
import {
  parseControllerConfig,
  type ControllerConfig,
} from '../../core/register/controller-config.js';
import type { ContractCatalog } from '../contracts/load-contract-catalog.js';
import { PasserelleError } from '../shared/passerelle-error.js';
import type { RegisterRepository } from './register.repository.js';

/** Reads `config/controller.yaml`; a problem stops the caller with its path and rule. */
export async function loadControllerConfig(configDir: string): Promise<ControllerConfig> {
  const file = join(configDir, 'controller.yaml');
  const parsed = parseControllerConfig(await readFile(file, 'utf8'));
  if (!parsed.ok) {
    // A PasserelleError, like the clients file's: `passerelle serve` prints its paths and
    // rules (an Error's message is never printed, as it may hold a value).
    throw new PasserelleError(
      'CONFIG_INVALID',
      `${file}: ${parsed.errors.map((error) => `${error.path}: ${error.rule}`).join('; ')}`,
      parsed.errors.map((error) => ({ path: `${file}: ${error.path}`, rule: error.rule })),
    );
  }
  return parsed.value;
}

export interface Period {
  readonly from?: Date;
  readonly to?: Date;
}

/**
 * The Art. 30 record: the contracts in force and the controller's configuration, with what
 * the register shows was disclosed under each contract version in the period — those of a
 * contract no longer loaded, or of another version than the one loaded, described from the
 * register's entries. Never typed by hand.
 */
export async function recordOfProcessing(
  catalog: ContractCatalog,
  controller: ControllerConfig,
  repository: RegisterRepository,
  period: Period,
  now: Date,
): Promise<RecordOfProcessing> {
  const recorded = await repository.contractStatistics(period.from, period.to);
  return buildRecordOfProcessing({
    contracts: [...catalog.contracts.values()].map((loaded) => ({
      contract: loaded.contract,
      sha256: loaded.sha256,
    })),
    catalogue: catalog.catalogue,
    controller,
    recorded,
    period: { from: period.from?.toISOString() ?? null, to: period.to?.toISOString() ?? null },
    generatedAt: now.toISOString(),
  });
}
