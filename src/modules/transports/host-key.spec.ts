import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseHostKeyLine } from '../../core/contracts/host-key-line.js';
import { hostKeyAlgorithms, hostKeyMatches } from './host-key.js';

/** SSH wire form: each field as a uint32 length and its bytes (RFC 4251 §5). */
function sshBlob(...fields: (string | Buffer)[]): string {
  return Buffer.concat(
    fields.flatMap((field) => {
      const bytes = typeof field === 'string' ? Buffer.from(field) : field;
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return [length, bytes];
    }),
  ).toString('base64');
}

/** An OpenSSH public key line for a fresh ed25519 key: `ssh-ed25519 <base64 blob>`. */
function ed25519Line(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return `ssh-ed25519 ${sshBlob('ssh-ed25519', raw)}`;
}

/** A positive mpint: a leading zero when the high bit is set. */
function mpint(base64url: string): Buffer {
  const bytes = Buffer.from(base64url, 'base64url');
  return (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.alloc(1), bytes]) : bytes;
}

describe('pinned host keys', () => {
  it('should parse a key line into its type and blob, with or without a comment', () => {
    const line = ed25519Line();
    const parsed = parseHostKeyLine(`${line} root@sftp.example`);
    expect(parsed?.type).toBe('ssh-ed25519');
    expect(parsed?.blob.toString('base64')).toBe(line.split(' ')[1]);
    expect(parseHostKeyLine(`  ${line}\n`)?.type).toBe('ssh-ed25519');
  });

  it('should parse ECDSA and RSA key lines too', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const point = ec.export({ format: 'der', type: 'spki' }).subarray(-65);
    const ecLine = `ecdsa-sha2-nistp256 ${sshBlob('ecdsa-sha2-nistp256', 'nistp256', point)}`;
    expect(parseHostKeyLine(ecLine)?.type).toBe('ecdsa-sha2-nistp256');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      format: 'jwk',
    });
    const rsaLine = `ssh-rsa ${sshBlob('ssh-rsa', mpint(rsa.e!), mpint(rsa.n!))}`;
    expect(parseHostKeyLine(rsaLine)?.type).toBe('ssh-rsa');
  });

  it('should refuse a line whose blob is not canonical base64 or names another type', () => {
    const line = ed25519Line();
    const [, base64] = line.split(' ') as [string, string];
    expect(parseHostKeyLine(`ecdsa-sha2-nistp256 ${base64}`)).toBeUndefined();
    expect(parseHostKeyLine(`ssh-ed25519 ${base64.slice(0, -4)}`)).toBeUndefined();
    expect(parseHostKeyLine(`ssh-ed25519 ${base64}!`)).toBeUndefined();
    expect(parseHostKeyLine('ssh-dss AAAAB3NzaC1kc3M=')).toBeUndefined();
    expect(parseHostKeyLine('ssh-ed25519')).toBeUndefined();
    expect(parseHostKeyLine('')).toBeUndefined();
    // The shipped placeholders are not keys: they are refused, so nothing ever connects.
    expect(
      parseHostKeyLine(
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlaceholderReplaceWithTheAirlinesRealHostKey00',
      ),
    ).toBeUndefined();
  });

  it('should match only the very key that was pinned', () => {
    const pinned = parseHostKeyLine(ed25519Line())!;
    const other = parseHostKeyLine(ed25519Line())!;
    expect(hostKeyMatches(pinned, Buffer.from(pinned.blob))).toBe(true);
    expect(hostKeyMatches(pinned, other.blob)).toBe(false);
    expect(hostKeyMatches(pinned, pinned.blob.subarray(0, 20))).toBe(false);
    expect(hostKeyMatches(pinned, Buffer.alloc(0))).toBe(false);
  });

  it('should offer only the algorithms the pinned key type signs with', () => {
    expect(hostKeyAlgorithms('ssh-ed25519')).toEqual(['ssh-ed25519']);
    expect(hostKeyAlgorithms('ecdsa-sha2-nistp256')).toEqual(['ecdsa-sha2-nistp256']);
    expect(hostKeyAlgorithms('ssh-rsa')).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  });
});
