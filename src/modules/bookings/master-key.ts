import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AppConfig } from '../../config/app-config.js';

/** Where development processes keep the key they generated (interfaces.md). */
export const DEV_DATA_KEY_FILE = 'var/dev-data-key';

export interface MasterKey {
  readonly key: Buffer;
  /** `environment`: PASSERELLE_DATA_KEY; otherwise the development key file, new or reused. */
  readonly origin: 'environment' | 'dev-file-created' | 'dev-file-reused';
}

const KEY_TEXT = /^[A-Za-z0-9+/]{43}=$/;

function decodeKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!KEY_TEXT.test(trimmed) || key.length !== 32) {
    throw new Error(`${where}: must be the base64 of 32 bytes`);
  }
  return key;
}

const isCode = (error: unknown, code: string): boolean =>
  error instanceof Error && (error as { code?: unknown }).code === code;

/**
 * The master key wrapping every booking's data key: `PASSERELLE_DATA_KEY`, or — outside
 * production only — a key generated once into `devKeyFile` (mode 0600) and reused at every
 * start, so that bookings stored in development stay readable across restarts. Several
 * processes starting at once agree on one key: the file appears whole or not at all.
 */
export async function resolveMasterKey(
  config: Pick<AppConfig, 'dataKey' | 'nodeEnv'>,
  devKeyFile: string = DEV_DATA_KEY_FILE,
): Promise<MasterKey> {
  if (config.dataKey !== undefined) {
    return { key: decodeKey(config.dataKey, 'PASSERELLE_DATA_KEY'), origin: 'environment' };
  }
  // The configuration refuses this already; a second lock on the door costs nothing.
  if (config.nodeEnv === 'production')
    throw new Error('PASSERELLE_DATA_KEY: required in production');
  try {
    return {
      key: decodeKey(await readFile(devKeyFile, 'utf8'), devKeyFile),
      origin: 'dev-file-reused',
    };
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw error;
  }
  await mkdir(dirname(devKeyFile), { recursive: true, mode: 0o700 });
  const temporary = `${devKeyFile}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const key = randomBytes(32);
  await writeFile(temporary, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    // link() fails if the file exists: whoever links first wins, the others read theirs.
    await link(temporary, devKeyFile);
    return { key, origin: 'dev-file-created' };
  } catch (error) {
    if (!isCode(error, 'EEXIST')) throw error;
    return {
      key: decodeKey(await readFile(devKeyFile, 'utf8'), devKeyFile),
      origin: 'dev-file-reused',
    };
  } finally {
    await unlink(temporary);
  }
}
