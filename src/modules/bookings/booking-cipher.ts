import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { RandomPool } from './random-pool.js';

/**
 * How a booking rests in PostgreSQL: its document encrypted with AES-256-GCM under a data
 * key of its own, and that data key encrypted ("wrapped") with AES-256-GCM under the master
 * key (`PASSERELLE_DATA_KEY`). Destroying the wrapped key erases the booking for good
 * (crypto-shredding), whatever copies of the ciphertext remain.
 */
export interface SealedDocument {
  readonly ciphertext: Buffer;
  readonly iv: Buffer;
  readonly authTag: Buffer;
  readonly wrappedKey: Buffer;
  readonly wrapIv: Buffer;
  readonly wrapTag: Buffer;
  /** Which master key wrapped the data key: a fingerprint, never the key. */
  readonly keyId: string;
}

/** A sealed document that cannot be opened: another master key, or altered bytes. */
export class BookingCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BookingCipherError';
  }
}

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** 96-bit nonces, as NIST SP 800-38D recommends for GCM; random, one key per booking. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Associated data binds each ciphertext to its booking reference: a document or a wrapped
 * key copied onto another row fails authentication instead of being read as that booking.
 * The purpose label keeps the two uses of GCM apart.
 */
const documentAad = (reference: string): Buffer =>
  Buffer.from(`passerelle/booking-document/v1\u0000${reference}`, 'utf8');
const keyAad = (reference: string): Buffer =>
  Buffer.from(`passerelle/booking-data-key/v1\u0000${reference}`, 'utf8');

/**
 * The parts of a sealed document in the order `unpackSealed` reads them packed in one byte
 * string (the column names): a query returns one column, not six.
 */
export const SEALED_PACKING = [
  'iv',
  'auth_tag',
  'wrap_iv',
  'wrap_tag',
  'wrapped_key',
  'ciphertext',
] as const;

/** A sealed document from its parts packed in `SEALED_PACKING` order. */
export function unpackSealed(packed: Buffer, keyId: string): SealedDocument {
  if (packed.length < 2 * IV_BYTES + 2 * TAG_BYTES + KEY_BYTES) {
    throw new BookingCipherError('the sealed booking is malformed');
  }
  let at = 0;
  const take = (bytes: number) => packed.subarray(at, (at += bytes));
  return {
    iv: take(IV_BYTES),
    authTag: take(TAG_BYTES),
    wrapIv: take(IV_BYTES),
    wrapTag: take(TAG_BYTES),
    wrappedKey: take(KEY_BYTES),
    ciphertext: packed.subarray(at),
    keyId,
  };
}

/** A fingerprint of the master key, stored beside each wrapped key (which key opens it). */
export function masterKeyId(masterKey: Buffer): string {
  return createHash('sha256')
    .update('passerelle/master-key-id/v1\u0000')
    .update(masterKey)
    .digest('hex')
    .slice(0, 16);
}

function encrypt(
  key: Buffer,
  plaintext: Buffer,
  aad: Buffer,
  iv: Buffer,
): { data: Buffer; iv: Buffer; tag: Buffer } {
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { data, iv, tag: cipher.getAuthTag() };
}

function decrypt(key: Buffer, data: Buffer, iv: Buffer, tag: Buffer, aad: Buffer): Buffer {
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new BookingCipherError('the sealed booking is malformed');
  }
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new BookingCipherError('the sealed booking does not authenticate');
  }
}

export class BookingCipher {
  readonly keyId: string;
  // ECMAScript private fields, not TypeScript's `private`: neither JSON.stringify nor
  // util.inspect (a logger given this object by mistake) shows them.
  readonly #masterKey: Buffer;
  /** Master keys used before this one, by id: what they wrapped is opened and re-wrapped. */
  readonly #previous = new Map<string, Buffer>();
  /** Where data keys and IVs come from (the system's generator, a pool at a time). */
  readonly #random = new RandomPool();

  constructor(masterKey: Buffer, previousKeys: readonly Buffer[] = []) {
    for (const key of [masterKey, ...previousKeys]) {
      if (key.length !== KEY_BYTES) {
        throw new RangeError(`the master key must be ${KEY_BYTES} bytes`);
      }
    }
    this.#masterKey = Buffer.from(masterKey);
    this.keyId = masterKeyId(this.#masterKey);
    for (const key of previousKeys) {
      const id = masterKeyId(key);
      if (id !== this.keyId) this.#previous.set(id, Buffer.from(key));
    }
  }

  /** The ids of the previous master keys (those whose wrapped keys are to be re-wrapped). */
  get previousKeyIds(): readonly string[] {
    return [...this.#previous.keys()];
  }

  /** The master key that wrapped `sealed`'s data key: this one or a previous one. */
  private wrappingKey(sealed: SealedDocument): Buffer {
    if (sealed.keyId === this.keyId) return this.#masterKey;
    const previous = this.#previous.get(sealed.keyId);
    if (previous === undefined) {
      throw new BookingCipherError('the booking was sealed under another master key');
    }
    return previous;
  }

  /** A data key wrapped under the current master key, bound to its reference. */
  private wrap(
    reference: string,
    dataKey: Buffer,
    iv: Buffer,
  ): Pick<SealedDocument, 'wrappedKey' | 'wrapIv' | 'wrapTag' | 'keyId'> {
    const wrapped = encrypt(this.#masterKey, dataKey, keyAad(reference), iv);
    return {
      wrappedKey: wrapped.data,
      wrapIv: wrapped.iv,
      wrapTag: wrapped.tag,
      keyId: this.keyId,
    };
  }

  /** A sealed document's data key, unwrapped (the caller zeroes it once used). */
  private unwrap(reference: string, sealed: SealedDocument): Buffer {
    const dataKey = decrypt(
      this.wrappingKey(sealed),
      sealed.wrappedKey,
      sealed.wrapIv,
      sealed.wrapTag,
      keyAad(reference),
    );
    if (dataKey.length !== KEY_BYTES) {
      dataKey.fill(0);
      throw new BookingCipherError('the data key is malformed');
    }
    return dataKey;
  }

  /**
   * The same sealed document with its data key wrapped under the current master key instead
   * of a previous one (key rotation): the ciphertext is unchanged, the data key never leaves
   * this call.
   */
  rewrap(reference: string, sealed: SealedDocument): SealedDocument {
    if (sealed.keyId === this.keyId) return sealed;
    const dataKey = this.unwrap(reference, sealed);
    try {
      return { ...sealed, ...this.wrap(reference, dataKey, this.#random.take(IV_BYTES)) };
    } finally {
      dataKey.fill(0);
    }
  }

  /** Encrypts a booking's document under a fresh data key, wrapped by the master key. */
  seal(reference: string, plaintext: Buffer): SealedDocument {
    // The data key and both IVs taken at once.
    const fresh = this.#random.take(KEY_BYTES + 2 * IV_BYTES);
    const dataKey = fresh.subarray(0, KEY_BYTES);
    try {
      const document = encrypt(
        dataKey,
        plaintext,
        documentAad(reference),
        Buffer.from(fresh.subarray(KEY_BYTES, KEY_BYTES + IV_BYTES)),
      );
      return {
        ciphertext: document.data,
        iv: document.iv,
        authTag: document.tag,
        ...this.wrap(reference, dataKey, Buffer.from(fresh.subarray(KEY_BYTES + IV_BYTES))),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * A key for another purpose (`passerelle/<purpose>`), derived from the master key with
   * HKDF-SHA256: one secret to keep, separate keys for separate uses.
   */
  derivedKey(purpose: string): Buffer {
    return Buffer.from(
      hkdfSync('sha256', this.#masterKey, Buffer.alloc(0), `passerelle/${purpose}`, KEY_BYTES),
    );
  }

  /** The plaintext of a sealed booking; throws `BookingCipherError` if it cannot be trusted. */
  open(reference: string, sealed: SealedDocument): Buffer {
    const dataKey = this.unwrap(reference, sealed);
    try {
      return decrypt(dataKey, sealed.ciphertext, sealed.iv, sealed.authTag, documentAad(reference));
    } finally {
      dataKey.fill(0);
    }
  }
}
