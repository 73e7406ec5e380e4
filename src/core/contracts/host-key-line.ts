/** A pinned SSH host key: its type and the public key blob as the server sends it. */
export interface PinnedHostKey {
  readonly type: string;
  readonly blob: Buffer;
}

/** The fields after the type name in each key type's blob (RFC 4253 §6.6, 5656, 8709). */
const KEY_FIELDS: Readonly<Record<string, number>> = {
  'ssh-ed25519': 1,
  'ecdsa-sha2-nistp256': 2,
  'ssh-rsa': 2,
};

/** The blob's length-prefixed strings, or undefined when they do not fill it exactly. */
function fields(blob: Buffer): Buffer[] | undefined {
  const found: Buffer[] = [];
  let offset = 0;
  while (offset < blob.length) {
    if (offset + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(offset);
    if (offset + 4 + length > blob.length) return undefined;
    found.push(blob.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return found;
}

/**
 * Parses a `type base64 [comment]` line (the `*.pub` / known_hosts form). The blob must be
 * canonical base64, name the same type inside it and hold that type's fields exactly, so
 * that a truncated or mistyped line is refused when the endpoints are loaded instead of
 * failing every connection as a "mismatch".
 */
export function parseHostKeyLine(line: string): PinnedHostKey | undefined {
  const [type, base64] = line.trim().split(/\s+/);
  if (type === undefined || base64 === undefined) return undefined;
  const expected = KEY_FIELDS[type];
  if (expected === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  const blob = Buffer.from(base64, 'base64');
  if (blob.toString('base64') !== base64) return undefined;
  const [name, ...rest] = fields(blob) ?? [];
  if (name?.toString('latin1') !== type || rest.length !== expected) return undefined;
  if (type === 'ssh-ed25519' && rest[0]?.length !== 32) return undefined;
  return { type, blob };
}
