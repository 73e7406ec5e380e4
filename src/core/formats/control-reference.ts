import { createHash } from 'node:crypto';

/**
 * A stable 12-character control reference for an id (a transmission's, an emergency
 * request's): the same on every retry, so a recipient sees one reference per message.
 */
export function controlReference(id: string): string {
  const digest = createHash('sha256').update(id).digest();
  return BigInt(`0x${digest.subarray(0, 8).toString('hex')}`)
    .toString(36)
    .toUpperCase()
    .padStart(12, '0')
    .slice(-12);
}
