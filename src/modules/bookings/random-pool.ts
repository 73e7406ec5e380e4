import { randomFillSync } from 'node:crypto';

/** Bytes drawn from the system's generator at once: 73 seals' data keys and IVs. */
const POOL_BYTES = 4096;

/**
 * Fresh random bytes for keys and IVs, drawn from the system's cryptographic generator a
 * pool at a time, as Node's own `randomUUID` does: one `randomBytes` call per seal cost the
 * emergency endpoint ~25–30 µs of CPU a request (the generator's per-call overhead under
 * OpenSSL 3, not the bytes; ~4 % of the request), a pool's share of one call ~0.1 µs.
 *
 * The bytes are as random as `randomBytes`' (the same generator); each is handed out once,
 * copied out of the pool and zeroed in it there and then, so no key outlives its taking in
 * the pool. A request larger than the pool is drawn on its own.
 */
export class RandomPool {
  readonly #pool: Buffer;
  #taken: number;

  /** `fill` fills a buffer from the generator (the system's; tests watch it). */
  constructor(
    private readonly size = POOL_BYTES,
    private readonly fill: (buffer: Buffer) => void = randomFillSync,
  ) {
    // Never from Node's shared allocation pool: these bytes are keys, kept apart.
    this.#pool = Buffer.allocUnsafeSlow(size);
    this.#taken = size;
  }

  /** `bytes` fresh random bytes, in a buffer of their own. */
  take(bytes: number): Buffer {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new RangeError('random bytes are taken by a whole, non-negative count');
    }
    if (bytes > this.size) {
      const own = Buffer.allocUnsafeSlow(bytes);
      this.fill(own);
      return own;
    }
    if (this.#taken + bytes > this.size) {
      this.fill(this.#pool);
      this.#taken = 0;
    }
    const from = this.#taken;
    this.#taken += bytes;
    const out = Buffer.allocUnsafeSlow(bytes);
    this.#pool.copy(out, 0, from, this.#taken);
    this.#pool.fill(0, from, this.#taken);
    return out;
  }
}
