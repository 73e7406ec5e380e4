import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PasserelleError } from '../shared/passerelle-error.js';
import { loadClientsFile, parseClientsFile } from './clients-file.js';
import { DEV_CLIENT_KEY_SHA256 } from './dev-clients.js';

const hex = (key: string): string => createHash('sha256').update(key).digest('hex');
const OPS_HASH = hex('a-real-ops-key');
const INSURER_HASH = hex('a-real-insurer-key');

const FILE = '/etc/passerelle/clients.yaml';

function failureOf(text: string, nodeEnv = 'development', file = FILE): PasserelleError {
  try {
    parseClientsFile(text, { file, nodeEnv });
  } catch (error) {
    if (error instanceof PasserelleError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

const valid = `clients:
  - id: ops-console
    role: ops
    keySha256: ${OPS_HASH}
  - id: insurer-a
    role: insurer
    insurerId: INS-A
    keySha256: ${INSURER_HASH}
`;

describe('the clients file', () => {
  it('should read each client with its role, insurer binding and key hash', () => {
    const clients = parseClientsFile(valid, { file: FILE, nodeEnv: 'production' });
    expect(clients.map((entry) => entry.client)).toEqual([
      { id: 'ops-console', role: 'ops' },
      { id: 'insurer-a', role: 'insurer', insurerId: 'INS-A' },
    ]);
    expect(clients[0]?.keySha256.toString('hex')).toBe(OPS_HASH);
    expect(clients[0]?.keySha256).toHaveLength(32);
  });

  it('should refuse an unknown role, naming the file, the path and the rule', () => {
    const error = failureOf(valid.replace('role: ops', 'role: admin'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(
      `clients file ${FILE} is invalid: clients[0].role: must be one of ingest, ops, auditor, insurer`,
    );
    expect(error.details).toEqual([
      { path: `${FILE}: clients[0].role`, rule: 'must be one of ingest, ops, auditor, insurer' },
    ]);
  });

  it('should refuse an insurer without insurerId, and an insurerId on another role', () => {
    const error = failureOf(
      valid
        .replace('    insurerId: INS-A\n', '')
        .replace('    role: ops\n', '    role: ops\n    insurerId: INS-B\n'),
    );
    expect(error.details).toEqual([
      { path: `${FILE}: clients[0].insurerId`, rule: 'only allowed for role insurer' },
      { path: `${FILE}: clients[1].insurerId`, rule: 'required for role insurer' },
    ]);
  });

  it('should refuse duplicate ids and two clients sharing a key', () => {
    const error = failureOf(
      `${valid}  - id: ops-console\n    role: auditor\n    keySha256: ${OPS_HASH}\n`,
    );
    expect(error.details).toEqual([
      { path: `${FILE}: clients[2].id`, rule: 'duplicate client id' },
      { path: `${FILE}: clients[2].keySha256`, rule: 'key already held by another client' },
    ]);
  });

  it('should refuse a key hash that is not 64 lowercase hex characters, missing keys and unknown properties, without quoting values', () => {
    const error = failureOf(
      valid
        .replace(OPS_HASH, OPS_HASH.toUpperCase())
        .replace('  - id: insurer-a\n', '  - name: insurer-a\n'),
    );
    expect(error.details).toEqual(
      expect.arrayContaining([
        {
          path: `${FILE}: clients[0].keySha256`,
          rule: 'must be the sha256 of the key in 64 lowercase hex characters',
        },
        { path: `${FILE}: clients[1].id`, rule: 'required' },
        { path: `${FILE}: clients[1].name`, rule: 'unknown property' },
      ]),
    );
    expect(error.message).not.toContain(OPS_HASH.toUpperCase());
  });

  it('should refuse an empty list, a file without clients, and YAML that does not parse', () => {
    expect(failureOf('clients: []\n').details).toEqual([
      { path: `${FILE}: clients`, rule: 'must name at least one client' },
    ]);
    expect(failureOf('').details).toEqual([
      { path: FILE, rule: 'must be a mapping with a clients: list' },
    ]);
    expect(failureOf('clients:\n  - id: a\n    id: b\n').message).toMatch(
      /clients file .* is invalid: not valid YAML \(DUPLICATE_KEY at line 3\)/,
    );
  });

  it('should refuse the development file and any demo key in production', () => {
    const devFile = 'config/clients.dev.yaml';
    const devText = readFileSync(devFile, 'utf8');
    expect(parseClientsFile(devText, { file: devFile, nodeEnv: 'development' })).toHaveLength(5);
    expect(failureOf(devText, 'production', devFile).message).toBe(
      `clients file ${devFile} is invalid: the development clients file is refused in production`,
    );
    const copied = failureOf(devText, 'production', '/etc/passerelle/clients.yaml');
    expect(copied.details).toHaveLength(5);
    expect(copied.details[0]).toEqual({
      path: '/etc/passerelle/clients.yaml: clients[0].keySha256',
      rule: 'a development demo key is refused in production',
    });
  });

  it('should list the hash of every demo key the README documents, and the development file should use only those', () => {
    const demoKeys = [
      'dev-ingest-key-passerelle-demo',
      'dev-ops-key-passerelle-demo',
      'dev-auditor-key-passerelle-demo',
      'dev-insurer-mutuelle-key-passerelle-demo',
      'dev-insurer-assur-key-passerelle-demo',
    ];
    expect(new Set(demoKeys.map(hex))).toEqual(DEV_CLIENT_KEY_SHA256);
    const readme = readFileSync('README.md', 'utf8');
    for (const key of demoKeys) expect(readme).toContain(key);
    const devClients = parseClientsFile(readFileSync('config/clients.dev.yaml', 'utf8'), {
      file: 'config/clients.dev.yaml',
      nodeEnv: 'development',
    });
    expect(devClients.map((entry) => entry.client)).toEqual([
      { id: 'demo-ingest', role: 'ingest' },
      { id: 'demo-ops', role: 'ops' },
      { id: 'demo-auditor', role: 'auditor' },
      { id: 'demo-insurer-mutuelle', role: 'insurer', insurerId: 'INS-MUTUELLE-VOYAGE' },
      { id: 'demo-insurer-assur', role: 'insurer', insurerId: 'INS-ASSUR-JEUNES' },
    ]);
    for (const entry of devClients) {
      expect(DEV_CLIENT_KEY_SHA256.has(entry.keySha256.toString('hex'))).toBe(true);
    }
  });

  it('should refuse a file that cannot be read, naming it', async () => {
    await expect(
      loadClientsFile({ file: '/nonexistent/clients.yaml', nodeEnv: 'test' }),
    ).rejects.toThrow('clients file /nonexistent/clients.yaml is invalid: cannot be read (ENOENT)');
  });
});
