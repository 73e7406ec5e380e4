import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../src/modules/auth/api-client.js';

/** A client of a test clients file, with its key in clear. */
export interface TestClient {
  readonly id: string;
  readonly role: Role;
  readonly insurerId?: string;
  readonly key: string;
}

/** One client per role, and a second insurer. */
export const TEST_CLIENTS: readonly TestClient[] = [
  { id: 'test-ingest', role: 'ingest', key: 'test-ingest-key-0f3a9c' },
  { id: 'test-ops', role: 'ops', key: 'test-ops-key-7d21be' },
  { id: 'test-auditor', role: 'auditor', key: 'test-auditor-key-5c88e0' },
  {
    id: 'test-insurer-a',
    role: 'insurer',
    insurerId: 'INS-MUTUELLE-VOYAGE',
    key: 'test-insurer-a-key-91ad4f',
  },
  {
    id: 'test-insurer-b',
    role: 'insurer',
    insurerId: 'INS-ASSUR-JEUNES',
    key: 'test-insurer-b-key-2be7c1',
  },
];

export const clientOfRole = (role: Role): TestClient => {
  const client = TEST_CLIENTS.find((candidate) => candidate.role === role);
  if (client === undefined) throw new Error(`no test client of role ${role}`);
  return client;
};

/** The test client of the insurer `insurerId` (role `insurer`). */
export const insurerClient = (insurerId: string): TestClient => {
  const client = TEST_CLIENTS.find((c) => c.role === 'insurer' && c.insurerId === insurerId);
  if (client === undefined) throw new Error(`no test client of insurer ${insurerId}`);
  return client;
};

export const sha256Hex = (text: string): string =>
  createHash('sha256').update(text, 'utf8').digest('hex');

export function clientsYaml(clients: readonly TestClient[] = TEST_CLIENTS): string {
  const entries = clients.map((client) =>
    [
      `  - id: ${client.id}`,
      `    role: ${client.role}`,
      ...(client.insurerId === undefined ? [] : [`    insurerId: ${client.insurerId}`]),
      `    keySha256: ${sha256Hex(client.key)}`,
    ].join('\n'),
  );
  return `clients:\n${entries.join('\n')}\n`;
}

/** Writes a clients file into a fresh temporary folder; `remove` deletes the folder. */
export async function writeClientsFile(
  text: string = clientsYaml(),
  name = 'clients.test.yaml',
): Promise<{ file: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'passerelle-clients-'));
  const file = join(dir, name);
  await writeFile(file, text);
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}
