import { formatProblem } from '../core/contracts/lint-contracts.js';
import { loadContractCatalog } from '../modules/contracts/load-contract-catalog.js';
import { EXIT, type CliIo } from './cli-io.js';

export interface ContractsLintOptions {
  readonly contracts: string;
  readonly config: string;
}

/** `passerelle contracts lint`: one `file: key: rule` line per problem; exit 0 clean, 1 otherwise. */
export async function runContractsLint(options: ContractsLintOptions, io: CliIo): Promise<number> {
  const loaded = await loadContractCatalog({
    contractsDir: options.contracts,
    configDir: options.config,
  });
  if (loaded.catalog === undefined) {
    for (const problem of loaded.problems) io.stderr(formatProblem(problem));
    io.stderr(`${loaded.problems.length} problem(s)`);
    return EXIT.problems;
  }
  const ids = [...loaded.catalog.contracts.keys()];
  io.stdout(`${ids.length} contract(s) clean: ${ids.join(', ')}`);
  return EXIT.ok;
}
