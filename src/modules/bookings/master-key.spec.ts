import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveMasterKey } from './master-key.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'passerelle-key-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveMasterKey', () => {
  it('should take PASSERELLE_DATA_KEY when it is set, and write no file', async () => {
    const key = randomBytes(32);
    const file = join(dir, 'var', 'dev-data-key');
    const master = await resolveMasterKey(
      { dataKey: key.toString('base64'), nodeEnv: 'development' },
      file,
    );
    expect(master.origin).toBe('environment');
    expect(master.key.equals(key)).toBe(true);
    await expect(stat(file)).rejects.toThrow();
  });

  it('should generate a key into the file (mode 0600, folder created) when none is set, and reuse it next start', async () => {
    const file = join(dir, 'var', 'dev-data-key');
    const first = await resolveMasterKey({ nodeEnv: 'development' }, file);
    expect(first.origin).toBe('dev-file-created');
    expect(first.key.length).toBe(32);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first.key.toString('base64'));

    const second = await resolveMasterKey({ nodeEnv: 'test' }, file);
    expect(second.origin).toBe('dev-file-reused');
    expect(second.key.equals(first.key)).toBe(true);
  });

  it('should agree on one key when several processes start at once', async () => {
    const file = join(dir, 'dev-data-key');
    const keys = await Promise.all(
      Array.from({ length: 8 }, () => resolveMasterKey({ nodeEnv: 'development' }, file)),
    );
    const distinct = new Set(keys.map((master) => master.key.toString('hex')));
    expect(distinct.size).toBe(1);
    expect(keys.filter((master) => master.origin === 'dev-file-created')).toHaveLength(1);
  });

  it('should refuse a development key file when it does not hold 32 bytes in base64', async () => {
    const file = join(dir, 'dev-data-key');
    await writeFile(file, 'not a key\n');
    await expect(resolveMasterKey({ nodeEnv: 'development' }, file)).rejects.toThrow(
      /base64 of 32 bytes/,
    );
  });

  it('should refuse to generate a key when NODE_ENV is production', async () => {
    await expect(
      resolveMasterKey({ nodeEnv: 'production' }, join(dir, 'dev-data-key')),
    ).rejects.toThrow(/required in production/);
  });
});
