import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TransmissionSender } from '../src/modules/transmissions/transmission-sender.js';
import { ask } from './support/ingest.js';
import { sampleTrip } from './support/input-documents.js';
import { useSampleOutboxApp } from './support/pipeline.js';
import { shippedContracts } from './support/shipped-catalog.js';

const TRIP = sampleTrip().id as string;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/**
 * A file's name travels to its recipient with its content: it says nothing the contract
 * does not list. The insurer's enrollment is per trip and insurer, and does not list
 * `trip.id`; the passenger lists are per flight. An `api` app sending to an outbox: the
 * test turns the sender itself.
 */
describe('the names of delivered files', () => {
  const given = useSampleOutboxApp();

  it('should name an insurer’s trip file without the trip id when its contract does not list trip.id, as its preview does', async () => {
    const { contract } = shippedContracts();
    expect(contract('insurer-enrollment').fields).not.toContain('trip.id');
    const { rows } = await given.app.database.admin(
      `UPDATE transmissions SET status = 'queued', due_at = now()
        WHERE id IN (SELECT DISTINCT ON (contract_id, unit_key) id FROM transmissions
                      WHERE status = 'planned' AND contract_id IN ('insurer-enrollment', 'us-apis')
                      ORDER BY contract_id, unit_key, moment)
        RETURNING id, contract_id, unit_key`,
    );
    const queued = rows as { id: string; contract_id: string; unit_key: string }[];
    const enrollments = queued.filter((row) => row.contract_id === 'insurer-enrollment');
    expect(enrollments.length).toBeGreaterThanOrEqual(2);
    expect(queued.some((row) => row.contract_id === 'us-apis')).toBe(true);

    const outcomes = await given.app.app.get(TransmissionSender).send(queued.map((row) => row.id));
    for (const row of queued) {
      expect(outcomes.get(row.id), `${row.contract_id} ${row.unit_key}`).toBe('delivered');
      const names = await readdir(join(given.sample.outbox, row.contract_id, row.id));
      expect(names.length, row.unit_key).toBeGreaterThan(0);
      for (const name of names) {
        expect(name, row.unit_key).not.toContain(TRIP);
        if (row.contract_id === 'insurer-enrollment') {
          const insurer = row.unit_key.split(':insurer:')[1] ?? '';
          expect(name).toBe(`trip.insurer-${insurer}.${row.id}.csv`);
        } else {
          expect(name).toMatch(new RegExp(`^flight-F\\d\\.${UUID}\\.part\\d+\\.edi$`));
          expect(name).toContain(`.${row.id}.`);
        }
      }
      // The preview names each file as it was delivered.
      const preview = await ask(given.app, 'GET', `/v1/transmissions/${row.id}/preview`, {
        role: 'ops',
      });
      expect(preview.status, preview.text).toBe(200);
      const previewed = (preview.body.files as { name: string }[]).map((file) => file.name);
      expect(previewed.sort()).toEqual([...names].sort());
    }
  });
});
