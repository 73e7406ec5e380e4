import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseEndpoints, type EndpointCatalogue } from '../../src/core/contracts/endpoints.js';
import type { Contract } from '../../src/core/contracts/contract.js';
import { lintContracts, type LintContext } from '../../src/core/contracts/lint-contracts.js';
import { parseFieldCatalogue, type FieldCatalogue } from '../../src/core/fields/field-catalogue.js';
import { shippedFormatRegistry } from '../../src/core/formats/format-registry.js';
import type { Result } from '../../src/core/shared/result.js';

export const repoPath = (relative: string): string =>
  fileURLToPath(new URL(`../../${relative}`, import.meta.url));

export const readRepoFile = (relative: string): string => readFileSync(repoPath(relative), 'utf8');

export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`unexpected errors: ${JSON.stringify(result.errors)}`);
  return result.value;
}

export const shippedCatalogue = (): FieldCatalogue =>
  unwrap(parseFieldCatalogue(readRepoFile('config/fields.yaml')));
export const shippedEndpoints = (): EndpointCatalogue =>
  unwrap(parseEndpoints(readRepoFile('config/endpoints.yaml')));

export const shippedLintContext = (): LintContext => ({
  catalogue: shippedCatalogue(),
  endpoints: shippedEndpoints(),
  formats: shippedFormatRegistry(),
});

export const SHIPPED_CONTRACT_IDS = [
  'airline-group-list',
  'caricom-apis',
  'hotel-rooming-list',
  'insurer-emergency',
  'insurer-enrollment',
  'secure-flight',
  'us-apis',
] as const;

/** The shipped contracts, linted with `context`: one by id (throws when there is none). */
export function shippedContracts(context: LintContext = shippedLintContext()): {
  readonly contract: (id: string) => Contract;
  readonly all: readonly Contract[];
} {
  const linted = lintContracts(
    readdirSync(repoPath('contracts'))
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => ({ file: name, text: readRepoFile(`contracts/${name}`) })),
    context,
  );
  return {
    contract: (id) => {
      const found = linted.contracts.get(id)?.contract;
      if (found === undefined) throw new Error(`no shipped contract ${id}`);
      return found;
    },
    all: [...linted.contracts.values()].map((entry) => entry.contract),
  };
}
