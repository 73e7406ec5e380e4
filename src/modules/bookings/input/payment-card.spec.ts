import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsCardNumber, findPaymentCardPaths, passesLuhn } from './payment-card.js';

const VISA_TEST = '4111111111111111';

/** A random card-number-like digit string of 13 to 19 digits with a right check digit. */
const arbCardDigits = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 18 })
  .map((digits) => {
    const body = digits.join('');
    const check = Array.from('0123456789').find((digit) => passesLuhn(`${body}${digit}`)) ?? '0';
    return `${body}${check}`;
  });

/** Groups digits with spaces, dashes or dots, as people and forms write card numbers. */
const arbGrouped = (digits: string): fc.Arbitrary<string> =>
  fc
    .array(fc.constantFrom('', ' ', '-', '  ', ' - ', '.', '\u2009', '\u202F', '\u00A0'), {
      minLength: digits.length - 1,
      maxLength: digits.length - 1,
    })
    .map((separators) =>
      Array.from(digits)
        .map((digit, index) => `${digit}${separators[index] ?? ''}`)
        .join(''),
    );

describe('passesLuhn', () => {
  it('should accept the Visa test number when its check digit is right', () => {
    expect(passesLuhn(VISA_TEST)).toBe(true);
    expect(passesLuhn('378282246310005')).toBe(true);
  });

  it('should refuse a number when one digit is changed', () => {
    expect(passesLuhn('4111111111111112')).toBe(false);
  });
});

describe('containsCardNumber', () => {
  it.each([
    VISA_TEST,
    '4111 1111 1111 1111',
    '4111-1111-1111-1111',
    'card: 4111 1111 1111 1111, exp 12/29',
    'ref 12 4111 1111 1111 1111',
    'Amex 3782 822463 10005',
    'card 4111  1111  1111  1111',
    'card 4111 - 1111 - 1111 - 1111',
    '4111.1111.1111.1111',
    '4111\u20091111\u20091111\u20091111',
    '4111\u202F1111\u202F1111\u202F1111',
    '4111\t1111\t1111\t1111',
    '4111\u20031111\u20031111\u20031111',
    '4111\u30001111\u30001111\u30001111',
    '4111\uFF0D1111\uFF0D1111\uFF0D1111',
    '4111\u22121111\u22121111\u22121111',
    '4111    1111    1111    1111',
    '\uFF14\uFF11\uFF11\uFF11 \uFF11\uFF11\uFF11\uFF11 \uFF11\uFF11\uFF11\uFF11 \uFF11\uFF11\uFF11\uFF11',
  ])('should find a card in %j when it passes Luhn', (text) => {
    expect(containsCardNumber(text)).toBe(true);
  });

  it.each([
    '+33 6 12 34 56 78',
    '+33 7 11 22 33 44',
    '+1 (212) 555-0100',
    '19AB12345',
    'C01X00T47',
    '2027001234',
    'MV-2027-004411',
    '2027-07-01T10:30:00+02:00',
    '4111 1111 1111 1112',
    '41111111111111111111111',
    '4111     1111 1111 1111',
    '+86 138 0013 8002',
    'away 2027-07-01 2027-07-05',
    'from 2027-07-01T10:30:00+02:00 to 2027-07-05T08:00:00-04:00',
  ])('should not find a card in %j when it is not a 13-19 digit Luhn number', (text) => {
    expect(containsCardNumber(text)).toBe(false);
  });

  it('should find any Luhn-valid 13-19 digit number when grouped with spaces, dashes or dots', () => {
    fc.assert(
      fc.property(
        arbCardDigits.chain((digits) => arbGrouped(digits)),
        fc.constantFrom('', 'paid with ', 'note: '),
        (card, before) => containsCardNumber(`${before}${card} thanks`),
      ),
    );
  });

  it.each(['+4111 1111 1111 1111', 'card +4111111111111111', '+4111-1111-1111-1111 exp 12/29'])(
    'should find a card in %j when the digits after + are more than a phone number has (15)',
    (text) => {
      expect(containsCardNumber(text)).toBe(true);
    },
  );

  it('should never find a card in a phone number when it has 10 or 11 digits', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('+33', '+49', '+1', '+44', '+39'),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 8, maxLength: 9 }),
        fc.constantFrom(' ', '-', '.', ''),
        (prefix, digits, separator) => !containsCardNumber(`${prefix} ${digits.join(separator)}`),
      ),
    );
  });
});

describe('findPaymentCardPaths', () => {
  it('should name every place when cards hide in values, numbers, unknown properties and keys', () => {
    const doc = {
      notes: 'paid by 4111 1111 1111 1111',
      participants: [
        { id: 'P1', unexpected: { deep: ['x', '4111-1111-1111-1111'] } },
        { id: 'P2', amount: 4111111111111111 },
      ],
      extra: { '4111 1111 1111 1111': true },
    };
    expect(findPaymentCardPaths(doc).sort()).toEqual(
      [
        'notes',
        'participants[0].unexpected.deep[1]',
        'participants[1].amount',
        'extra.<key withheld>',
      ].sort(),
    );
  });

  it('should name a number too large for its digits to have been kept, as a card might be', () => {
    // 6250941006528599008 (19 digits, Luhn-valid) is parsed as 6250941006528599000.
    const parsed = JSON.parse('{"marketing":{"card":6250941006528599008},"count":12}') as unknown;
    expect(passesLuhn('6250941006528599008')).toBe(true);
    expect(findPaymentCardPaths(parsed)).toEqual(['marketing.card']);
    expect(findPaymentCardPaths({ big: Number.MAX_SAFE_INTEGER, small: -7 })).toEqual([]);
  });

  it('should find nothing when a document has phone numbers, passports and dates only', () => {
    expect(
      findPaymentCardPaths({
        phone: '+33 6 12 34 56 78',
        documents: [{ number: '19AB12345', expiryDate: '2031-03-03' }],
        revision: 2,
      }),
    ).toEqual([]);
  });

  it('should not exhaust the stack when a document is nested very deeply', () => {
    let deep: unknown = '4111 1111 1111 1111';
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(findPaymentCardPaths({ deep })).toHaveLength(1);
  });
});
