import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DOCUMENT_NAME_PATTERN,
  ICAO_TRANSLITERATION,
  transliterateToIcao,
} from './icao-transliteration.js';

function written(text: string): string {
  const result = transliterateToIcao(text);
  if (!result.ok) throw new Error(`refused: ${result.errors.map((e) => e.rule).join('; ')}`);
  return result.value;
}

const isLetter = (char: string): boolean => /\p{L}/u.test(char);
const codePoints = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCodePoint(from + i));

describe('ICAO_TRANSLITERATION', () => {
  it.each([
    ['Ä', 'AE'],
    ['ä', 'AE'],
    ['Ö', 'OE'],
    ['ö', 'OE'],
    ['Ü', 'UE'],
    ['ü', 'UE'],
    ['ß', 'SS'],
    ['ẞ', 'SS'],
    ['Å', 'AA'],
    ['å', 'AA'],
    ['Æ', 'AE'],
    ['æ', 'AE'],
    ['Ø', 'OE'],
    ['ø', 'OE'],
    ['Þ', 'TH'],
    ['þ', 'TH'],
    ['Œ', 'OE'],
    ['œ', 'OE'],
    ['Ĳ', 'IJ'],
    ['ĳ', 'IJ'],
    ['Ð', 'D'],
    ['ð', 'D'],
    ['Đ', 'D'],
    ['Ł', 'L'],
    ['ł', 'L'],
    ['É', 'E'],
    ['è', 'E'],
    ['Ç', 'C'],
    ['ç', 'C'],
    ['Ñ', 'N'],
    ['ñ', 'N'],
    ['Ş', 'S'],
    ['ș', 'S'],
    ['Ț', 'T'],
    ['ı', 'I'],
    ['İ', 'I'],
    ['Ő', 'O'],
    ['ű', 'U'],
    ['ÿ', 'Y'],
    ['Ž', 'Z'],
    ['Ħ', 'H'],
    ['Ŋ', 'N'],
    ['ễ', 'E'],
    ['Ư', 'U'],
  ])('should write %s as %s', (letter, replacement) => {
    expect(ICAO_TRANSLITERATION.get(letter)).toBe(replacement);
  });

  it('should cover every letter of Latin-1 Supplement and Latin Extended-A except ª µ º', () => {
    const letters = codePoints(0xc0, 0x17f).filter(isLetter);
    const missing = letters.filter((letter) => !ICAO_TRANSLITERATION.has(letter));
    expect(missing).toEqual([]);
    expect(['ª', 'µ', 'º'].filter((c) => ICAO_TRANSLITERATION.has(c))).toEqual([]);
  });

  it('should map only single NFC code points to A-Z letters', () => {
    for (const [letter, replacement] of ICAO_TRANSLITERATION) {
      expect(Array.from(letter)).toHaveLength(1);
      expect(letter.normalize('NFC')).toBe(letter);
      expect(replacement).toMatch(/^[A-Z]{1,2}$/);
    }
  });
});

describe('transliterateToIcao', () => {
  it.each([
    ['Müller', 'MUELLER'],
    ['Jean-Loïc', 'JEAN LOIC'],
    ['Straße', 'STRASSE'],
    ['STRAẞE', 'STRASSE'],
    ['Bjørn', 'BJOERN'],
    ['Åse', 'AASE'],
    ['Muñoz', 'MUNOZ'],
    ["O'Neill", 'ONEILL'],
    ['O\u2019Neill', 'ONEILL'],
    ['Lefèvre', 'LEFEVRE'],
    ['Hélène', 'HELENE'],
    ['Siobhán', 'SIOBHAN'],
    ['Þórunn', 'THORUNN'],
    ['Łukasz Wałęsa', 'LUKASZ WALESA'],
    ['Çağlar Şahin', 'CAGLAR SAHIN'],
    ['Nguyễn Thị Minh Khai', 'NGUYEN THI MINH KHAI'],
    ['Müller-Durand', 'MUELLER DURAND'],
    ["d'Artagnan Ørsted", 'DARTAGNAN OERSTED'],
    ['  Anne  -  Sophie ', 'ANNE SOPHIE'],
  ])('should write %j as %s', (text, expected) => {
    expect(written(text)).toBe(expected);
  });

  it('should treat the typographic and the ASCII apostrophe identically', () => {
    expect(written('D\u2019Arcy')).toBe(written("D'Arcy"));
  });

  it('should compose decomposed input before the table (NFC)', () => {
    expect(written('Mu\u0308ller')).toBe('MUELLER');
    expect(written('A\u030Ase')).toBe('AASE');
    expect(written('Jose\u0301')).toBe('JOSE');
  });

  it.each([
    ['Ǻsa', 'AASA'],
    ['A\u030A\u0301sa', 'AASA'],
    ['Lǘ', 'LUE'],
    ['Ṥara', 'SARA'],
    ['Ḥasan', 'HASAN'],
  ])('should write a table letter with more accents as that letter: %j', (text, expected) => {
    expect(written(text)).toBe(expected);
  });

  it.each(['ά', 'й', 'ё'])('should refuse a non-Latin letter with accents: %j', (text) => {
    expect(transliterateToIcao(text).ok).toBe(false);
  });

  it('should drop an accent NFC cannot compose with its Latin letter', () => {
    // Q + combining diaeresis has no precomposed form.
    expect(written('Q\u0308uentin')).toBe('QUENTIN');
  });

  it.each([
    ['Σοφία', 'letter outside'],
    ['Алексей', 'letter outside'],
    ['王', 'letter outside'],
    ['Jean2', 'digit'],
    ['Smith; DROP', 'other than letters'],
    ['Smith<', 'other than letters'],
    ['Anne/Marie', 'other than letters'],
    ['Anne.Marie', 'other than letters'],
    ['Tab\tName', 'other than letters'],
    ['\u0308Anne', 'combining mark'],
    ['𝐀nne', 'letter outside'],
  ])('should refuse %j with a rule and no value', (text, ruleWords) => {
    const result = transliterateToIcao(text, 'participant.surname');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]?.code).toBe('NAME_CHARACTER_REFUSED');
    expect(result.errors[0]?.path).toBe('participant.surname');
    expect(result.errors[0]?.rule).toContain(ruleWords);
    expect(JSON.stringify(result.errors)).not.toContain(text);
  });

  it('should report each kind of problem once, never positions or characters', () => {
    const result = transliterateToIcao('Ab1c2Ж');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((error) => error.rule)).toEqual([
      'contains a digit',
      expect.stringContaining('letter outside') as string,
    ]);
  });

  it.each(["'", '-', ' ', "'-'", ''])('should refuse %j as empty', (text) => {
    const result = transliterateToIcao(text);
    expect(result.ok ? 'ok' : result.errors[0]?.code).toBe('NAME_EMPTY');
  });

  describe('properties', () => {
    const latinLetters = fc.constantFrom(...ICAO_TRANSLITERATION.keys());
    // A letter, sometimes with an accent left uncomposed; or an apostrophe, hyphen or space.
    const nameChar = fc.oneof(
      { weight: 6, arbitrary: latinLetters },
      { weight: 1, arbitrary: latinLetters.map((letter) => `${letter}\u0301`) },
      { weight: 1, arbitrary: fc.constantFrom("'", '\u2019', '-', ' ') },
    );
    const latinName = fc.array(nameChar, { maxLength: 30 }).map((chars) => chars.join(''));
    const icaoName = fc
      .array(fc.stringMatching(/^[A-Z]{1,12}$/), { minLength: 1, maxLength: 4 })
      .map((words) => words.join(' '));

    it('should always write A-Z words or refuse, whatever the input', () => {
      fc.assert(
        fc.property(fc.oneof(latinName, fc.string({ unit: 'grapheme' })), (text) => {
          const result = transliterateToIcao(text);
          if (result.ok) expect(result.value).toMatch(DOCUMENT_NAME_PATTERN);
          else expect(result.errors.length).toBeGreaterThan(0);
        }),
      );
    });

    it('should accept every name made of table letters, apostrophes, hyphens and spaces', () => {
      fc.assert(
        fc.property(latinName, (text) => {
          const result = transliterateToIcao(text);
          if (!result.ok) expect(result.errors.map((e) => e.code)).toEqual(['NAME_EMPTY']);
        }),
      );
    });

    it('should leave already-ICAO text unchanged and be idempotent', () => {
      fc.assert(
        fc.property(icaoName, (text) => {
          expect(written(text)).toBe(text);
        }),
      );
      fc.assert(
        fc.property(latinName, (text) => {
          const once = transliterateToIcao(text);
          if (once.ok) expect(written(once.value)).toBe(once.value);
        }),
      );
    });

    it('should give the same result for composed and decomposed input', () => {
      fc.assert(
        fc.property(latinName, (text) => {
          expect(transliterateToIcao(text.normalize('NFD'))).toEqual(transliterateToIcao(text));
        }),
      );
    });
  });
});
