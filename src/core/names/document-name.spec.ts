import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  documentNameOf,
  fitNameToLength,
  splitGivenNames,
  type DocumentName,
  type NameLengthLimit,
} from './document-name.js';
import { DOCUMENT_NAME_PATTERN } from './icao-transliteration.js';

function nameOf(input: Parameters<typeof documentNameOf>[0]): DocumentName {
  const result = documentNameOf(input);
  if (!result.ok) throw new Error(`refused: ${result.errors.map((e) => e.rule).join('; ')}`);
  return result.value;
}

describe('documentNameOf', () => {
  it('should transliterate both parts when no document spelling is stored', () => {
    expect(nameOf({ surname: 'Müller-Durand', givenNames: 'Hélène' })).toEqual({
      surname: 'MUELLER DURAND',
      givenNames: 'HELENE',
    });
    expect(nameOf({ surname: 'Lefèvre', givenNames: 'Jean-Loïc' })).toEqual({
      surname: 'LEFEVRE',
      givenNames: 'JEAN LOIC',
    });
  });

  it('should take the stored MRZ spelling over transliteration when one is stored', () => {
    expect(
      nameOf({
        surname: 'Muñoz',
        givenNames: 'Begoña',
        nameOnDocument: { surname: 'MUNXXOZ', givenNames: 'BEGONXXA' },
      }),
    ).toEqual({ surname: 'MUNXXOZ', givenNames: 'BEGONXXA' });
    expect(
      nameOf({
        surname: 'Müller-Durand',
        givenNames: 'Hélène',
        nameOnDocument: { surname: 'MULLER DURAND', givenNames: 'HELENE' },
      }),
    ).toEqual({ surname: 'MULLER DURAND', givenNames: 'HELENE' });
  });

  it('should take the document spelling even when the family spelling could not be written', () => {
    expect(
      nameOf({
        surname: 'Иванова',
        givenNames: 'Мария',
        nameOnDocument: { surname: 'IVANOVA', givenNames: 'MARIIA' },
      }),
    ).toEqual({ surname: 'IVANOVA', givenNames: 'MARIIA' });
  });

  it('should collapse runs of spaces in the document spelling but change nothing else', () => {
    expect(
      nameOf({
        surname: 'x',
        givenNames: 'y',
        nameOnDocument: { surname: ' MUELLER  DURAND ', givenNames: 'HELENE' },
      }),
    ).toEqual({ surname: 'MUELLER DURAND', givenNames: 'HELENE' });
  });

  it.each([
    [{ surname: 'Mueller', givenNames: 'HELENE' }, 'surname'],
    [{ surname: 'MUELLER<DURAND', givenNames: 'HELENE' }, 'surname'],
    [{ surname: 'MUELLER', givenNames: 'HÉLÈNE' }, 'givenNames'],
    [{ surname: 'MUELLER', givenNames: '' }, 'givenNames'],
  ])('should refuse a stored spelling that is not A-Z words: %j', (nameOnDocument, part) => {
    const result = documentNameOf({ surname: 'a', givenNames: 'b', nameOnDocument });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      {
        code: 'NAME_ON_DOCUMENT_INVALID',
        path: `participant.documents.passport.nameOnDocument.${part}`,
        field: 'participant.documents.passport.nameOnDocument',
        rule: expect.any(String) as string,
      },
    ]);
    const value = nameOnDocument[part as 'surname'];
    if (value !== '') expect(JSON.stringify(result.errors)).not.toContain(value);
  });

  it('should name each part that fails and the rule, never the value', () => {
    const result = documentNameOf({ surname: 'Σοφοκλέους', givenNames: 'Anna2' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.code, e.path, e.field])).toEqual([
      ['NAME_CHARACTER_REFUSED', 'participant.surname', 'participant.surname'],
      ['NAME_CHARACTER_REFUSED', 'participant.givenNames', 'participant.givenNames'],
    ]);
    const text = JSON.stringify(result.errors);
    expect(text).not.toContain('Σοφοκλέους');
    expect(text).not.toContain('Anna');
  });

  it('should name only the part that fails', () => {
    const result = documentNameOf({ surname: 'Durand', givenNames: '王' });
    expect(result.ok ? [] : result.errors.map((e) => e.field)).toEqual(['participant.givenNames']);
  });
});

describe('splitGivenNames', () => {
  it.each([
    ['CLAIRE MARIE', { first: 'CLAIRE', rest: 'MARIE' }],
    ['JEAN LOIC MARIE', { first: 'JEAN', rest: 'LOIC MARIE' }],
    ['TOM', { first: 'TOM' }],
  ])('should split %s', (givenNames, expected) => {
    expect(splitGivenNames(givenNames)).toEqual(expected);
  });

  it.each([
    ['JEAN LOIC', 'Jean-Loïc', { first: 'JEAN LOIC' }],
    ['JEAN LOIC MARIE', 'Jean-Loïc Marie', { first: 'JEAN LOIC', rest: 'MARIE' }],
    ['ANNE MARIE THERESE', 'Anne Marie-Thérèse', { first: 'ANNE', rest: 'MARIE THERESE' }],
    ['CLAIRE MARIE', 'Claire Marie', { first: 'CLAIRE', rest: 'MARIE' }],
    ['DARCY JEAN LOIC', "D'Arcy Jean-Loïc", { first: 'DARCY', rest: 'JEAN LOIC' }],
    // A stored MRZ spelling that names another number of names: a compound is never cut.
    ['JEAN LOIC', 'Jean-Loïc Marie', { first: 'JEAN LOIC' }],
  ])(
    'should split %s, written %s, between names, never inside a hyphenated one',
    (givenNames, asWritten, expected) => {
      expect(splitGivenNames(givenNames, asWritten)).toEqual(expected);
    },
  );

  it('should give back the same words, first then rest', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z]+( [A-Z]+){0,4}$/), (givenNames) => {
        const { first, rest } = splitGivenNames(givenNames);
        expect(first).toMatch(/^[A-Z]+$/);
        expect(rest === undefined ? first : `${first} ${rest}`).toBe(givenNames);
      }),
    );
  });
});

describe('fitNameToLength', () => {
  const truncate = (maxLength: number): NameLengthLimit => ({
    maxLength,
    overflow: 'truncate-at-word',
  });

  it('should leave a name within the limit unchanged', () => {
    expect(fitNameToLength('DURAND', truncate(35))).toEqual({ ok: true, value: 'DURAND' });
  });

  it('should keep the whole words that fit when truncating', () => {
    expect(fitNameToLength('MARIA DE LOS ANGELES', truncate(12))).toEqual({
      ok: true,
      value: 'MARIA DE LOS',
    });
  });

  it('should cut a first word longer than the limit rather than write nothing', () => {
    expect(fitNameToLength('WOLFESCHLEGELSTEINHAUSEN BERGERDORFF', truncate(10))).toEqual({
      ok: true,
      value: 'WOLFESCHLE',
    });
  });

  it('should refuse when the policy is to refuse, naming the limit and not the value', () => {
    const result = fitNameToLength(
      'A'.repeat(36),
      { maxLength: 35, overflow: 'refuse' },
      'participant.surname',
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          code: 'NAME_TOO_LONG',
          path: 'participant.surname',
          rule: 'must be at most 35 characters',
        },
      ],
    });
  });

  it('should reject a limit that is not a positive integer (a programming error)', () => {
    expect(() => fitNameToLength('A', truncate(0))).toThrow(RangeError);
  });

  it('should never write more than the limit, never nothing, and only A-Z words', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z]{1,40}( [A-Z]{1,40}){0,5}$/),
        fc.integer({ min: 1, max: 70 }),
        (name, maxLength) => {
          const result = fitNameToLength(name, truncate(maxLength));
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          expect(result.value.length).toBeLessThanOrEqual(maxLength);
          expect(result.value).toMatch(DOCUMENT_NAME_PATTERN);
          expect(name.startsWith(result.value)).toBe(true);
          if (name.length <= maxLength) expect(result.value).toBe(name);
        },
      ),
    );
  });
});
