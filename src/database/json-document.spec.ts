import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDocument } from './json-document.js';

/** Every character Latin-1: what V8 stores one byte a character. */
const oneByte = (text: string): boolean => {
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) > 0xff) return false;
  return true;
};

describe('a JSON document for a statement’s parameter', () => {
  it('should be the same JSON value as JSON.stringify, written in Latin-1 characters only', () => {
    const rows = fc.array(
      fc.record({
        text: fc.string({ unit: 'binary' }),
        grapheme: fc.string({ unit: 'grapheme' }),
        list: fc.array(fc.string({ unit: 'binary-ascii' }), { maxLength: 3 }),
        n: fc.integer(),
        nothing: fc.constant(null),
        nested: fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), {
          maxKeys: 2,
        }),
      }),
      { maxLength: 5 },
    );
    fc.assert(
      fc.property(rows, (items) => {
        const document = jsonDocument(items);
        expect(JSON.parse(document)).toEqual(JSON.parse(JSON.stringify(items)));
        expect(oneByte(document)).toBe(true);
      }),
    );
  });

  it('should escape what lies outside Latin-1, a pair for a character beyond the BMP, and keep the rest', () => {
    const document = jsonDocument([{ purpose: 'Hôtel — 😀', n: 1 }, { purpose: 'plain' }]);
    expect(document).toBe('[{"purpose":"Hôtel \\u2014 \\ud83d\\ude00","n":1},{"purpose":"plain"}]');
    expect(jsonDocument([])).toBe('[]');
  });
});
