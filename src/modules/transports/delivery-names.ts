import type { Delivery } from './transport.js';

/**
 * A name that becomes one path segment (a contract id, a transmission id, a file name):
 * no separator, no `..`, no control character, and not hidden — hidden names are the
 * transports' temporary files. Anything else is refused rather than cleaned, so that a
 * caller's bug cannot write outside the delivery's folder.
 */
export function isSafePathSegment(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 200 &&
    !name.startsWith('.') &&
    // eslint-disable-next-line no-control-regex
    !/[/\\\u0000-\u001f\u007f]/.test(name)
  );
}

/**
 * The stale files of a delivery a transport may remove: plain names only (one that is not was
 * never written: the transports refuse them), never one of the delivery's own files.
 */
export function removableStaleFiles(delivery: Delivery): string[] {
  const stale = delivery.staleFiles ?? [];
  if (stale.length === 0) return [];
  const own = new Set(delivery.files.map((file) => file.name));
  return stale.filter((name) => isSafePathSegment(name) && !own.has(name));
}
