import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { characterCount, hasControlCharacters, isMrzName, isPersonName } from './text.js';

/** Letters of several scripts, with precomposed and combining accents. */
const LETTERS = [
  ...Array.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'),
  ...Array.from('éèêëàâäïîôöüûùçñøåæœßÉÈÅØŁłŠšŽžĆćİı'),
  ...Array.from('ΑλέξηςΜαρία'),
  ...Array.from('ИванОльга'),
  ...Array.from('محمدفاطمة'),
  ...Array.from('李王陳佳'),
  ...Array.from('ひらがなカタカナ'),
  ...Array.from('e\u0301a\u0308o\u0303'),
];
const JOINERS = ["'", '’', '-'];
const FORBIDDEN = [
  ...Array.from('0123456789;<>()[]{}@#$%&*=+_!?/\\|"`~^:,.'),
  '\t',
  '\n',
  '\u0000',
  '\u200B',
  '  ',
];

const arbWord = fc
  .array(fc.constantFrom(...LETTERS, ...JOINERS), { minLength: 1, maxLength: 12 })
  .filter((chars) => chars.some((char) => /\p{L}/u.test(char)))
  .map((chars) => chars.join(''))
  .filter((word) => !/^\p{M}/u.test(word));
const arbName = fc.array(arbWord, { minLength: 1, maxLength: 4 }).map((words) => words.join(' '));

describe('isPersonName', () => {
  it.each([
    "O'Neill",
    'Müller-Durand',
    'Siobhán',
    'Jean-Loïc',
    '’t Hooft',
    'D’Artagnan',
    'Łukasz',
    'محمد',
    '李',
    'José\u0301',
  ])('should accept %s when it is letters, apostrophes, hyphens and single spaces', (name) => {
    expect(isPersonName(name)).toBe(true);
  });

  it.each([
    'Claire2',
    'Tom;',
    '<b>',
    'Ann (Jr)',
    'Jean  Paul',
    ' Tom',
    'Tom ',
    "'",
    '-',
    '\u0301e',
    'Mr.',
    'a_b',
  ])('should refuse %j when it holds anything else', (name) => {
    expect(isPersonName(name)).toBe(false);
  });

  it('should accept any name when it is words of letters and marks joined by single spaces', () => {
    fc.assert(fc.property(arbName, (name) => isPersonName(name)));
  });

  it('should refuse a name when a forbidden character is inserted anywhere', () => {
    fc.assert(
      fc.property(arbName, fc.constantFrom(...FORBIDDEN), fc.nat(), (name, bad, at) => {
        const position = at % (name.length + 1);
        return !isPersonName(`${name.slice(0, position)}${bad}${name.slice(position)}`);
      }),
    );
  });
});

describe('isMrzName', () => {
  it('should accept capital letters and single spaces when given an MRZ spelling', () => {
    expect(isMrzName('MUELLER DURAND')).toBe(true);
    expect(isMrzName('ONEILL')).toBe(true);
  });

  it.each(["O'NEILL", 'Claire', 'MÜLLER', 'A  B', 'A<B', 'A-B'])('should refuse %s', (name) => {
    expect(isMrzName(name)).toBe(false);
  });
});

describe('hasControlCharacters', () => {
  it('should let printable text through when it has accents, quotes and symbols', () => {
    expect(hasControlCharacters('peanuts (anaphylaxis) — "épinéphrine" 0,3 mg; 50% ✓')).toBe(false);
  });

  it.each([
    '\u0000',
    '\u0007',
    '\t',
    '\n',
    '\r',
    '\u007F',
    '\u0085',
    '\u2028',
    '\u202E',
    '\u2066',
    '\uD800',
  ])('should find %j when it is a control character', (control) => {
    expect(hasControlCharacters(`note${control}text`)).toBe(true);
  });
});

describe('characterCount', () => {
  it('should count a decomposed accent once when counting characters', () => {
    expect(characterCount('Jose\u0301')).toBe(4);
    expect(characterCount('😀')).toBe(1);
  });
});
