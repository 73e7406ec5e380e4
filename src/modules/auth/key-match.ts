import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiClient, RegisteredClient } from './api-client.js';

/** The sha256 of a presented key: always 32 bytes, whatever the key's length. */
export const sha256Of = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * The client holding `presentedKey`, or `undefined`. The key's hash is compared with every
 * client's hash with `timingSafeEqual` (equal-length buffers), all of them, whether or not
 * one already matched: the time taken says nothing about which client, or how many bytes of
 * a hash, matched. The file's validation guarantees that no two clients share a hash.
 */
export function matchClient(
  presentedKey: string,
  clients: readonly RegisteredClient[],
): ApiClient | undefined {
  const presented = sha256Of(presentedKey);
  let found: ApiClient | undefined;
  for (const candidate of clients) {
    const equal = timingSafeEqual(presented, candidate.keySha256);
    found = equal ? candidate.client : found;
  }
  return found;
}

/** The key of an `Authorization: Bearer <key>` header, or `undefined`. */
export function bearerKeyOf(header: string | readonly string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}
