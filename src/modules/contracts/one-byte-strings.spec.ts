import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oneByteString } from '../../core/shared/one-byte-string.js';
import { withOneByteStrings } from './one-byte-strings.js';

describe('configuration stored one byte a character', () => {
  it('should keep every string’s characters, cut from wider text or not', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const wide = `${a}—${b}`;
        // A part of wider text, without the wide character itself.
        const cut = wide.slice(0, a.length);
        expect(oneByteString(cut)).toBe(a);
        expect(oneByteString(wide)).toBe(wide);
      }),
    );
  });

  it('should copy plain objects, arrays and maps with the same contents, and keep other values', () => {
    const when = new Date('2026-11-27T00:00:00Z');
    const loaded = {
      purpose: 'Accommodate the group — with consent',
      recipient: { id: 'HTL-1', name: 'Hôtel' },
      list: ['a', 1, true, null, { nested: 'x' }],
      byId: new Map([['k', { label: 'v' }]]),
      when,
    };
    const copied = withOneByteStrings(loaded);
    expect(copied).toEqual(loaded);
    expect(copied).not.toBe(loaded);
    expect(copied.when).toBe(when);
    // A `__proto__` key stays an own key of the copy (assigned, it would set the prototype).
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "kept": "x"}') as object;
    const copiedKeys = withOneByteStrings(parsed);
    expect(Object.keys(copiedKeys)).toEqual(['__proto__', 'kept']);
    expect(Object.getPrototypeOf(copiedKeys)).toBe(Object.prototype);
    expect(copiedKeys).toEqual(parsed);
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(withOneByteStrings(value)).toEqual(value);
      }),
    );
  });
});
