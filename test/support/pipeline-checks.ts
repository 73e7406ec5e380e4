import { createHash } from 'node:crypto';
import { renderOneUnit, parseUnitKey } from '../../src/core/projection/render-unit.js';
import type { RegisterEntry } from '../../src/core/register/register-entry.js';
import { BookingsService } from '../../src/modules/bookings/bookings.service.js';
import { CONTRACT_CATALOG } from '../../src/modules/contracts/contracts.module.js';
import type { ContractCatalog } from '../../src/modules/contracts/load-contract-catalog.js';
import { RegisterRepository } from '../../src/modules/register/register.repository.js';
import { controlReference } from '../../src/core/formats/control-reference.js';
import type { Transmission } from '../../src/modules/transmissions/transmissions.repository.js';
import type { TestApp } from './test-app.js';

/** Every register entry, in chain order. */
export function registerEntries(app: TestApp): Promise<RegisterEntry[]> {
  return new RegisterRepository(app.database.db).chainAfter(0, 1_000_000);
}

/** The events the register holds for one transmission, in order. */
export const eventsOf = (entries: readonly RegisterEntry[], transmissionId: string): string[] =>
  entries.filter((entry) => entry.transmissionId === transmissionId).map((entry) => entry.event);

/**
 * What a delivered transmission's files must hold: its unit rendered again, independently,
 * from the stored data, with the control reference and preparation time it was sent with
 * (the latter from its `disclosure-attempted` entry). Suffix → content.
 */
export async function expectedFiles(
  app: TestApp,
  transmission: Transmission,
  attempted: RegisterEntry,
): Promise<Map<string, string>> {
  const catalog = app.app.get<ContractCatalog>(CONTRACT_CATALOG);
  const data = await app.app.get(BookingsService).loadTrip(transmission.tripId);
  const unit = parseUnitKey(transmission.unit);
  const loaded = catalog.contracts.get(transmission.contractId);
  const preparedAt = attempted.detail?.preparedAt;
  if (data === undefined || unit === undefined || loaded === undefined)
    throw new Error(`cannot render ${transmission.contractId} ${transmission.unit}`);
  if (typeof preparedAt !== 'string')
    throw new Error('the attempt does not say when it was prepared');
  const rendered = renderOneUnit(
    {
      trip: data.trip,
      bookings: data.bookings,
      restricted: data.restricted,
      contract: loaded.contract,
      catalogue: catalog.catalogue,
      formats: catalog.formats,
      now: preparedAt,
      contextFor: () => ({ reference: controlReference(transmission.id), preparedAt }),
    },
    unit,
  );
  return new Map(rendered.files.map((file) => [file.suffix, file.content]));
}

/** The SHA-256 the register records for a payload: over its files' bytes, in order. */
export function payloadSha256(contents: readonly string[]): string {
  const hash = createHash('sha256');
  for (const content of contents) hash.update(Buffer.from(content, 'utf8'));
  return hash.digest('hex');
}
