import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Contract } from '../../core/contracts/contract.js';
import { parseEndpoints, type EndpointCatalogue } from '../../core/contracts/endpoints.js';
import { lintContracts, type ContractProblem } from '../../core/contracts/lint-contracts.js';
import { parseFieldCatalogue, type FieldCatalogue } from '../../core/fields/field-catalogue.js';
import { shippedFormatRegistry } from '../../core/formats/format-registry.js';
import type { FormatRegistry } from '../../core/formats/payload-format.js';
import { prepareFormat, type PreparedFormat } from '../../core/projection/render-unit.js';
import type { Result } from '../../core/shared/result.js';
import { withOneByteStrings } from './one-byte-strings.js';

export interface ContractCatalogDirs {
  readonly contractsDir: string;
  readonly configDir: string;
}

export interface LoadedContract {
  readonly contract: Contract;
  /** Where it was read from, as given in problems. */
  readonly file: string;
  /** sha256 of the file's bytes: recorded with every disclosure made under it. */
  readonly sha256: string;
  /** Its format, options parsed, prepared once: the same for every unit it renders. */
  readonly prepared: PreparedFormat;
}

/** Everything the gateway needs to decide what may leave: contracts, fields, formats, endpoints. */
export interface ContractCatalog {
  readonly catalogue: FieldCatalogue;
  readonly endpoints: EndpointCatalogue;
  readonly formats: FormatRegistry;
  /** By contract id, sorted by id. */
  readonly contracts: ReadonlyMap<string, LoadedContract>;
}

export interface CatalogLoad {
  readonly catalog?: ContractCatalog;
  readonly problems: readonly ContractProblem[];
}

async function readConfig<T>(
  file: string,
  parse: (text: string) => Result<T>,
): Promise<Result<T, ContractProblem>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {
      ok: false,
      errors: [{ file, code: 'CONFIG_UNREADABLE', path: '', rule: 'cannot be read' }],
    };
  }
  const parsed = parse(text);
  return parsed.ok
    ? parsed
    : { ok: false, errors: parsed.errors.map((error) => ({ ...error, file })) };
}

/**
 * A contract file's bytes, or `undefined` when it is not a regular file that can be read
 * (a folder, a dangling link, no permission; a FIFO would block the read forever).
 */
async function readContractFile(file: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(file)).isFile()) return undefined;
    return await readFile(file);
  } catch {
    return undefined;
  }
}

/**
 * Reads `config/fields.yaml`, `config/endpoints.yaml` and every `*.yaml` / `*.yml` in the
 * contracts folder, and lints them. The catalog is returned only when there is no problem:
 * the gateway refuses to start and `contracts lint` exits 1 otherwise.
 */
export async function loadContractCatalog(dirs: ContractCatalogDirs): Promise<CatalogLoad> {
  const catalogue = await readConfig(join(dirs.configDir, 'fields.yaml'), (text) =>
    parseFieldCatalogue(text),
  );
  const endpoints = await readConfig(join(dirs.configDir, 'endpoints.yaml'), parseEndpoints);
  const configProblems = [
    ...(catalogue.ok ? [] : catalogue.errors),
    ...(endpoints.ok ? [] : endpoints.errors),
  ];
  if (!catalogue.ok || !endpoints.ok) return { problems: configProblems };

  let names: string[];
  try {
    names = (await readdir(dirs.contractsDir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  } catch {
    return {
      problems: [
        { file: dirs.contractsDir, code: 'CONFIG_UNREADABLE', path: '', rule: 'cannot be read' },
      ],
    };
  }
  if (names.length === 0) {
    return {
      problems: [
        {
          file: dirs.contractsDir,
          code: 'NO_CONTRACTS',
          path: '',
          rule: 'holds no contract (*.yaml)',
        },
      ],
    };
  }
  const read = await Promise.all(
    names.map(async (name) => {
      const file = join(dirs.contractsDir, name);
      const bytes = await readContractFile(file);
      return bytes === undefined
        ? { file }
        : {
            file,
            text: bytes.toString('utf8'),
            sha256: createHash('sha256').update(bytes).digest('hex'),
          };
    }),
  );
  const sources = read.filter((source) => source.text !== undefined);
  // A folder named `old.yaml`, a dangling link, a file without read permission: a problem
  // like any other, not an exception that stops `contracts lint` (and the gateway's boot).
  const unreadable: ContractProblem[] = read
    .filter((source) => source.text === undefined)
    .map(({ file }) => ({ file, code: 'CONFIG_UNREADABLE', path: '', rule: 'cannot be read' }));
  const formats = shippedFormatRegistry();
  const result = lintContracts(sources, {
    catalogue: catalogue.value,
    endpoints: endpoints.value,
    formats,
  });
  if (unreadable.length > 0 || result.problems.length > 0)
    return { problems: [...unreadable, ...result.problems] };

  const digests = new Map(sources.map((source) => [source.file, source.sha256]));
  const contracts = new Map<string, LoadedContract>();
  for (const id of [...result.contracts.keys()].sort()) {
    const linted = result.contracts.get(id);
    if (linted === undefined) continue;
    // Its texts go into every entry and file made under it: stored one byte a character.
    const contract = withOneByteStrings(linted.contract);
    contracts.set(id, {
      ...linted,
      contract,
      sha256: digests.get(linted.file) ?? '',
      prepared: prepareFormat(contract, formats),
    });
  }
  return {
    catalog: {
      catalogue: withOneByteStrings(catalogue.value),
      endpoints: endpoints.value,
      formats,
      contracts,
    },
    problems: [],
  };
}
