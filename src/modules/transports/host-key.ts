import { timingSafeEqual } from 'node:crypto';
import type { PinnedHostKey } from '../../core/contracts/host-key-line.js';

/** Whether the key the server presented is the pinned one; constant time over the blob. */
export function hostKeyMatches(pinned: PinnedHostKey, presented: Buffer): boolean {
  // Lengths are public (host keys are public); timingSafeEqual needs them equal.
  return presented.length === pinned.blob.length && timingSafeEqual(presented, pinned.blob);
}

/**
 * The host key algorithms to offer: only those the pinned key can sign with, so a server
 * holding several host keys presents the pinned one instead of, say, its ECDSA key.
 */
export function hostKeyAlgorithms(
  type: string,
): ('ssh-ed25519' | 'ecdsa-sha2-nistp256' | 'rsa-sha2-512' | 'rsa-sha2-256' | 'ssh-rsa')[] {
  switch (type) {
    case 'ssh-ed25519':
      return ['ssh-ed25519'];
    case 'ecdsa-sha2-nistp256':
      return ['ecdsa-sha2-nistp256'];
    default:
      return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  }
}
