import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  BookingCipher,
  BookingCipherError,
  SEALED_PACKING,
  unpackSealed,
  type SealedDocument,
} from './booking-cipher.js';
import { sealedColumns } from './bookings.repository.js';
import { PolicyIndex } from './policy-index.js';

const MASTER = randomBytes(32);
const DOCUMENT = Buffer.from(
  JSON.stringify({ reference: 'B-1', customer: { surname: 'Ó Briain' } }),
  'utf8',
);

/** A copy of `buffer` with one bit flipped at `index`. */
function flipped(buffer: Buffer, index = 0): Buffer {
  const copy = Buffer.from(buffer);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

describe('BookingCipher', () => {
  it('should give the document back when it is opened with the same master key and reference', () => {
    const cipher = new BookingCipher(MASTER);
    const sealed = cipher.seal('B-1', DOCUMENT);
    expect(cipher.open('B-1', sealed).equals(DOCUMENT)).toBe(true);
    expect(new BookingCipher(Buffer.from(MASTER)).open('B-1', sealed).equals(DOCUMENT)).toBe(true);
  });

  it('should open a document whose parts come packed in one byte string, in the packing order', () => {
    const cipher = new BookingCipher(MASTER);
    const sealed = cipher.seal('B-1', DOCUMENT);
    const columns = sealedColumns(sealed);
    const packed = Buffer.concat(SEALED_PACKING.map((column) => columns[column]));
    const unpacked = unpackSealed(packed, sealed.keyId);
    expect(unpacked).toEqual(sealed);
    expect(cipher.open('B-1', unpacked).equals(DOCUMENT)).toBe(true);
    // The parts in another order do not open; too few bytes are malformed.
    const swapped = Buffer.concat([columns.auth_tag, columns.iv, packed.subarray(28)]);
    expect(() => cipher.open('B-1', unpackSealed(swapped, sealed.keyId))).toThrow(
      BookingCipherError,
    );
    expect(() => unpackSealed(packed.subarray(0, 87), sealed.keyId)).toThrow('malformed');
  });

  it('should seal the same document under a fresh data key and fresh IVs every time', () => {
    const cipher = new BookingCipher(MASTER);
    // More seals than one draw of the pool serves: its refills give fresh bytes too.
    const seals = Array.from({ length: 200 }, () => cipher.seal('B-1', DOCUMENT));
    for (const part of ['iv', 'wrapIv', 'wrappedKey', 'ciphertext'] as const) {
      expect(new Set(seals.map((sealed) => sealed[part].toString('hex'))).size).toBe(200);
    }
    expect(seals.every((sealed) => cipher.open('B-1', sealed).equals(DOCUMENT))).toBe(true);
  });

  it('should hold nothing of the document in clear when it is sealed', () => {
    const sealed = new BookingCipher(MASTER).seal('B-1', DOCUMENT);
    for (const part of Object.values(sealed) as (Buffer | string)[]) {
      const text = Buffer.isBuffer(part) ? part.toString('latin1') : part;
      expect(text).not.toContain('Briain');
      expect(text).not.toContain('reference');
    }
    expect(sealed.ciphertext.length).toBe(DOCUMENT.length);
    expect(sealed.iv.length).toBe(12);
    expect(sealed.authTag.length).toBe(16);
    expect(sealed.wrappedKey.length).toBe(32);
  });

  it('should use a fresh data key and fresh nonces when the same document is sealed twice', () => {
    const cipher = new BookingCipher(MASTER);
    const first = cipher.seal('B-1', DOCUMENT);
    const second = cipher.seal('B-1', DOCUMENT);
    expect(first.ciphertext.equals(second.ciphertext)).toBe(false);
    expect(first.wrappedKey.equals(second.wrappedKey)).toBe(false);
    expect(first.iv.equals(second.iv)).toBe(false);
    expect(first.wrapIv.equals(second.wrapIv)).toBe(false);
    // The document's nonce and the wrapping's are not one and the same.
    expect(first.iv.equals(first.wrapIv)).toBe(false);
    expect(first.keyId).toBe(second.keyId);
  });

  it.each<[string, (sealed: SealedDocument) => SealedDocument]>([
    ['the ciphertext', (s) => ({ ...s, ciphertext: flipped(s.ciphertext, 5) })],
    ['the authentication tag', (s) => ({ ...s, authTag: flipped(s.authTag) })],
    ['the nonce', (s) => ({ ...s, iv: flipped(s.iv) })],
    ['the wrapped key', (s) => ({ ...s, wrappedKey: flipped(s.wrappedKey) })],
    ['the wrapping tag', (s) => ({ ...s, wrapTag: flipped(s.wrapTag) })],
    ['the wrapping nonce', (s) => ({ ...s, wrapIv: flipped(s.wrapIv) })],
    ['the tag length', (s) => ({ ...s, authTag: s.authTag.subarray(0, 12) })],
  ])('should refuse to open the document when %s was altered', (_what, tamper) => {
    const cipher = new BookingCipher(MASTER);
    const sealed = tamper(cipher.seal('B-1', DOCUMENT));
    expect(() => cipher.open('B-1', sealed)).toThrow(BookingCipherError);
  });

  it('should refuse to open the document when it is read as another booking (AAD)', () => {
    const cipher = new BookingCipher(MASTER);
    expect(() => cipher.open('B-2', cipher.seal('B-1', DOCUMENT))).toThrow(BookingCipherError);
  });

  it('should refuse a document sealed for another booking when rows are swapped part by part', () => {
    const cipher = new BookingCipher(MASTER);
    const one = cipher.seal('B-1', DOCUMENT);
    const two = cipher.seal('B-2', Buffer.from('{"other":true}'));
    // B-2's data key with B-1's document, and the reverse: neither authenticates.
    const mixed: SealedDocument = {
      ...one,
      wrappedKey: two.wrappedKey,
      wrapIv: two.wrapIv,
      wrapTag: two.wrapTag,
    };
    expect(() => cipher.open('B-1', mixed)).toThrow(BookingCipherError);
    expect(() => cipher.open('B-2', mixed)).toThrow(BookingCipherError);
  });

  it('should refuse to open the document when the master key is another one', () => {
    const sealed = new BookingCipher(MASTER).seal('B-1', DOCUMENT);
    const other = new BookingCipher(randomBytes(32));
    expect(() => other.open('B-1', sealed)).toThrow(/another master key/);
    // Even when the key id is forged to match, the wrapped key does not authenticate.
    expect(() => other.open('B-1', { ...sealed, keyId: other.keyId })).toThrow(BookingCipherError);
  });

  it('should refuse a master key when it is not 32 bytes', () => {
    expect(() => new BookingCipher(randomBytes(16))).toThrow(RangeError);
  });

  it('should identify the master key by a fingerprint when it seals', () => {
    const cipher = new BookingCipher(MASTER);
    expect(cipher.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(cipher.keyId).not.toContain(MASTER.toString('hex').slice(0, 16));
  });

  it('should show no master key, previous key or derived key when it is logged or serialized by mistake', () => {
    const previous = randomBytes(32);
    const cipher = new BookingCipher(MASTER, [previous]);
    const index = new PolicyIndex(cipher);
    const derived = cipher.derivedKey('policy-index/v1');
    for (const object of [cipher, index]) {
      const shown = [
        inspect(object, { showHidden: true, depth: 10 }),
        JSON.stringify(object),
        JSON.stringify(Object.fromEntries(Object.entries(object))),
      ].join('\n');
      for (const key of [MASTER, previous, derived]) {
        expect(shown).not.toContain(key.toString('hex').match(/../g)?.join(' ') ?? '');
        expect(shown).not.toContain(JSON.stringify([...key]).slice(1, -1));
      }
    }
    // It still opens what either key wrapped.
    expect(cipher.open('B-1', cipher.seal('B-1', DOCUMENT)).equals(DOCUMENT)).toBe(true);
    expect(cipher.previousKeyIds).toHaveLength(1);
  });
});
