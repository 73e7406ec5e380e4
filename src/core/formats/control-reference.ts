import { hash } from 'node:crypto';

/**
 * A stable 12-character control reference for an id (a transmission's, an emergency
 * request's): the same on every retry, so a recipient sees one reference per message.
 */
export function controlReference(id: string): string {
  // The digest's first 8 bytes as an unsigned big-endian number, in base 36.
  return hash('sha256', id, 'buffer')
    .readBigUInt64BE(0)
    .toString(36)
    .toUpperCase()
    .padStart(12, '0')
    .slice(-12);
}
