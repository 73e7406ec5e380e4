import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog } from '../contracts/load-contract-catalog.js';
import { describeForLog } from '../http/error.filter.js';
import { RegisterRepository } from './register.repository.js';

/** A loaded contract whose text differs from what the register last recorded under its version. */
export interface UnbumpedContract {
  readonly contractId: string;
  readonly version: number;
}

/**
 * The loaded contracts whose newest register entry names the same version with another file
 * digest: edited without bumping `version`, so that two texts would stand behind one
 * version in the register. A newest entry of another version (a bump, or a rollback) is not
 * one.
 */
export function unbumpedContracts(
  catalog: ContractCatalog,
  latest: readonly {
    readonly contractId: string;
    readonly version: number;
    readonly sha256: string;
  }[],
): UnbumpedContract[] {
  const found: UnbumpedContract[] = [];
  for (const recorded of latest) {
    const loaded = catalog.contracts.get(recorded.contractId);
    if (loaded === undefined) continue;
    if (loaded.contract.version === recorded.version && loaded.sha256 !== recorded.sha256) {
      found.push({ contractId: recorded.contractId, version: recorded.version });
    }
  }
  return found;
}

/**
 * At start, in every role: one `warn` line per contract edited without a new version (its
 * id and version only). A warning, not a refusal to start: each entry records the file's
 * sha256 beside the version, so the register still tells the two texts apart, and an edit
 * that changes no rule (a comment, the wording of the purpose) should not stop the legally
 * required sends of every other contract. One statement at start; nothing on any hot path.
 * It compares with the newest entry of each contract only (what one indexed read gives): it
 * speaks at the first start after the edit, before anything is recorded under the new text.
 */
@Injectable()
export class ContractVersionCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('Contracts');

  constructor(
    private readonly repository: RegisterRepository,
    @Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const latest = await this.repository.latestContractTexts([...this.catalog.contracts.keys()]);
      for (const { contractId, version } of unbumpedContracts(this.catalog, latest)) {
        this.logger.warn({
          msg: 'contract changed without a new version: the register holds entries of this version under another text; bump its version',
          contractId,
          version,
        });
      }
    } catch (error) {
      this.logger.warn({
        msg: 'contract versions not checked against the register',
        ...describeForLog(error),
      });
    }
  }
}
