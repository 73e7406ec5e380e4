import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Booking } from '../../../core/model/booking.js';
import type { Trip } from '../../../core/model/trip.js';
import {
  edit,
  edits,
  personalValues,
  REMOVE,
  sampleBooking,
  sampleBookings,
  sampleTrip,
  type Json,
  type JsonObject,
} from '../../../../test/support/input-documents.js';
import { maxCharsRule, maxItemsRule, minItemsRule, oneOfRule } from './input-error.js';
import { passesLuhn } from './payment-card.js';
import {
  isPaymentDataRefusal,
  PAYMENT_DATA_RULE,
  RULES,
  validateBooking,
  validateTrip,
  type InputError,
  type ValidateBookingOptions,
} from './validate-input.js';

const TODAY = '2027-01-15';

const trip = ((): Trip => {
  const result = validateTrip(sampleTrip());
  if (!result.ok) throw new Error('the sample trip must be valid');
  return result.value;
})();

const errorsOf = (
  raw: unknown,
  options: Partial<ValidateBookingOptions> = {},
): readonly InputError[] => {
  const result = validateBooking(raw, { trip, today: TODAY, ...options });
  return result.ok ? [] : result.errors;
};

const valueOf = (raw: unknown, options: Partial<ValidateBookingOptions> = {}): Booking => {
  const result = validateBooking(raw, { trip, today: TODAY, ...options });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
};

/** No error may carry a personal value of the document it refuses. */
function expectNoPersonalValue(errors: readonly InputError[], raw: Json): void {
  const text = JSON.stringify(errors);
  for (const personal of personalValues(raw)) expect(text).not.toContain(personal);
}

const VISA = '4111 1111 1111 1111';

describe('validateBooking: the samples', () => {
  it('should convert every sample booking to the exact core shape when validated against the sample trip', () => {
    const expected = sampleBookings();
    // The staff booking's leader has no legal representative: the list defaults to [].
    const staff = expected[3]?.participants as JsonObject[];
    staff[0]!.legalRepresentatives = [];
    const converted = sampleBookings().map((raw) =>
      validateBooking(raw, { trip, today: TODAY, pathReference: raw.reference as string }),
    );
    expect(converted).toStrictEqual(expected.map((value) => ({ ok: true, value })));
  });

  it('should give plain core objects with every optional absent when it was not sent', () => {
    const booking: Booking = {
      reference: 'B-1003',
      tripId: 'T-2027-NYC-01',
      revision: 1,
      status: 'confirmed',
      customer: {
        givenNames: 'Karim',
        surname: 'Benali',
        email: 'k.benali@example.org',
        phone: '+33 6 55 44 33 22',
        address: {
          lines: ['30 avenue Jean Jaurès'],
          postalCode: '93200',
          city: 'Saint-Denis',
          country: 'FRA',
        },
      },
      participants: [
        {
          id: 'B-1003-1',
          role: 'participant',
          givenNames: 'Youssef',
          surname: 'Benali',
          gender: 'M',
          dateOfBirth: '2012-05-17',
          nationality: 'FRA',
          countryOfResidence: 'FRA',
          documents: [
            {
              type: 'passport',
              number: '21EF24680',
              issuingCountry: 'FRA',
              expiryDate: '2032-01-09',
            },
          ],
          redressNumber: '2027001234',
          legalRepresentatives: [
            {
              givenNames: 'Karim',
              surname: 'Benali',
              relationship: 'father',
              phone: '+33 6 55 44 33 22',
            },
          ],
          emergencyContacts: [
            { name: 'Samia Benali', relationship: 'mother', phone: '+33 6 66 77 88 99' },
          ],
          meal: 'MOML',
          assistance: ['WCHR'],
          insurance: { insurerId: 'INS-ASSUR-JEUNES', policyNumber: 'AJ-88120' },
          consents: {
            shareMealWithProviders: false,
            shareAssistanceWithProviders: true,
            shareHealthWithInsurer: false,
            image: false,
            voice: false,
          },
        },
      ],
    };
    expect(valueOf(sampleBooking(2))).toStrictEqual(booking);
  });

  it('should default the lists to [] when an adult sends no assistance, contacts or representatives', () => {
    const raw = edits(sampleBooking(3), [
      ['participants[0].assistance', REMOVE],
      ['participants[0].emergencyContacts', REMOVE],
    ]);
    const participant = valueOf(raw).participants[0];
    expect(participant?.assistance).toStrictEqual([]);
    expect(participant?.emergencyContacts).toStrictEqual([]);
    expect(participant?.legalRepresentatives).toStrictEqual([]);
    expect(Object.keys(participant ?? {})).not.toEqual(
      expect.arrayContaining([
        'email',
        'address',
        'health',
        'meal',
        'notes',
        'marketing',
        'flightIds',
      ]),
    );
  });

  it('should trim strings and upper-case document and programme numbers when sent loosely', () => {
    const raw = edits(sampleBooking(2), [
      ['customer.surname', '  Benali '],
      ['participants[0].documents[0].number', ' 21ef24680 '],
      ['participants[0].redressNumber', 'ab1234'],
    ]);
    const booking = valueOf(raw);
    expect(booking.customer.surname).toBe('Benali');
    expect(booking.participants[0]?.documents[0]?.number).toBe('21EF24680');
    expect(booking.participants[0]?.redressNumber).toBe('AB1234');
  });

  it.each([
    ['participants[0].documents[0].number', '21ef2ß680', RULES.documentNumber],
    ['participants[0].documents[0].number', '21eſ24680', RULES.documentNumber],
    ['participants[0].redressNumber', 'aı1234', RULES.programmeNumber],
  ])(
    'should refuse %s when a letter outside A-Z upper-cases into A-Z (%s)',
    (path, value, rule) => {
      // `ß` upper-cases to `SS`, `ſ` to `S`, `ı` to `I`: the number stored and sent to the
      // authorities would not be the one the booking system holds.
      expect(errorsOf(edit(sampleBooking(2), path, value))).toEqual([{ path, rule }]);
    },
  );

  it('should keep marketing as sent when it is an object', () => {
    expect(valueOf(sampleBooking(0)).participants[0]?.marketing).toStrictEqual({
      newsletter: true,
      interests: ['music', 'basketball'],
    });
  });
});

describe('validateBooking: every rule', () => {
  const P = 'participants[0]';
  const cases: readonly (readonly [string, Json | typeof REMOVE, string, string])[] = [
    ['reference', REMOVE, 'reference', RULES.required],
    ['reference', '', 'reference', RULES.empty],
    ['reference', 'B/1001', 'reference', RULES.id],
    ['tripId', 'T 2027', 'tripId', RULES.id],
    ['tripId', 'T-2027-OTHER', 'tripId', RULES.tripIdOfTrip],
    ['revision', 0, 'revision', RULES.revision],
    ['revision', '2', 'revision', RULES.revision],
    ['status', 'pending', 'status', oneOfRule(['confirmed', 'cancelled'])],
    ['customer', REMOVE, 'customer', RULES.required],
    ['customer', 'Siobhán O’Neill', 'customer', RULES.object],
    ['customer.givenNames', 'Siobhán2', 'customer.givenNames', RULES.personName],
    ['customer.givenNames', 'Siobhán  Marie', 'customer.givenNames', RULES.personName],
    ['customer.surname', 'O’Neill; DROP TABLE', 'customer.surname', RULES.personName],
    ['customer.surname', 'Oneillovitch'.repeat(6), 'customer.surname', maxCharsRule(70)],
    ['customer.email', 'siobhan.oneill(at)example.org', 'customer.email', RULES.email],
    ['customer.phone', '06 12 34 56 78', 'customer.phone', RULES.phone],
    ['customer.phone', '+33 6 12 34 56 78 90 12 34', 'customer.phone', RULES.phone],
    ['customer.address', REMOVE, 'customer.address', RULES.required],
    ['customer.address.lines', [], 'customer.address.lines', minItemsRule(1)],
    [
      'customer.address.lines[0]',
      '12 rue\tdes Lilas',
      'customer.address.lines[0]',
      RULES.controlCharacters,
    ],
    ['customer.address.postalCode', '69-003-', 'customer.address.postalCode', RULES.postalCode],
    ['customer.address.city', 'Lyon'.repeat(26), 'customer.address.city', maxCharsRule(100)],
    ['customer.address.country', 'FR', 'customer.address.country', RULES.country],
    ['notes', 'Mother asks'.repeat(200), 'notes', maxCharsRule(2000)],
    ['notes', 'Mother asks\u0000', 'notes', RULES.controlCharacters],
    ['participants', [], 'participants', minItemsRule(1)],
    ['participants', 'Claire', 'participants', RULES.array],
    ['participants[1]', null, 'participants[1]', RULES.object],
    [`${P}.id`, 'B 1001 1', `${P}.id`, RULES.id],
    ['participants[1].id', 'B-1001-1', 'participants[1].id', RULES.duplicateParticipantId],
    [`${P}.role`, 'pupil', `${P}.role`, oneOfRule(['participant', 'leader', 'staff'])],
    [`${P}.role`, 'leader', `${P}.role`, RULES.supervisorMinor],
    [`${P}.flightIds`, 'F1', `${P}.flightIds`, RULES.array],
    [`${P}.flightIds`, ['F1', ''], `${P}.flightIds[1]`, RULES.empty],
    [`${P}.flightIds`, ['F1', 'F9'], `${P}.flightIds[1]`, RULES.unknownFlight],
    [`${P}.stayIds`, ['S2'], `${P}.stayIds[0]`, RULES.unknownStay],
    [`${P}.givenNames`, 'Claire <Marie>', `${P}.givenNames`, RULES.personName],
    [`${P}.surname`, REMOVE, `${P}.surname`, RULES.required],
    [`${P}.surname`, 'O’Neill 3rd', `${P}.surname`, RULES.personName],
    [`${P}.gender`, 'female', `${P}.gender`, oneOfRule(['F', 'M', 'X', 'U'])],
    [`${P}.dateOfBirth`, '2011-02-30', `${P}.dateOfBirth`, RULES.date],
    [`${P}.dateOfBirth`, '04/03/2011', `${P}.dateOfBirth`, RULES.date],
    [`${P}.dateOfBirth`, '2027-01-16', `${P}.dateOfBirth`, RULES.dateOfBirthInFuture],
    [`${P}.nationality`, 'fra', `${P}.nationality`, RULES.country],
    [`${P}.countryOfResidence`, 'FRAN', `${P}.countryOfResidence`, RULES.country],
    [`${P}.nationality`, 'QQQ', `${P}.nationality`, RULES.country],
    ['customer.address.country', 'ZZZ', 'customer.address.country', RULES.country],
    [`${P}.placeOfBirth.country`, REMOVE, `${P}.placeOfBirth.country`, RULES.required],
    [`${P}.placeOfBirth.city`, 'Lyon\u2028Est', `${P}.placeOfBirth.city`, RULES.controlCharacters],
    [`${P}.email`, 'claire@', `${P}.email`, RULES.email],
    [`${P}.email`, null, `${P}.email`, RULES.notNull],
    [`${P}.phone`, 'call me', `${P}.phone`, RULES.phone],
    [`${P}.address`, ['12 rue des Lilas'], `${P}.address`, RULES.object],
    [`${P}.documents`, REMOVE, `${P}.documents`, RULES.required],
    [
      `${P}.documents[0].type`,
      'driving-licence',
      `${P}.documents[0].type`,
      oneOfRule(['passport', 'identity-card', 'visa', 'residence-permit']),
    ],
    [`${P}.documents[0].number`, '19AB-12345', `${P}.documents[0].number`, RULES.documentNumber],
    [`${P}.documents[0].number`, '19AB', `${P}.documents[0].number`, RULES.documentNumber],
    [
      `${P}.documents[0].number`,
      '19AB12345678901234567',
      `${P}.documents[0].number`,
      RULES.documentNumber,
    ],
    [`${P}.documents[0].issuingCountry`, 'F', `${P}.documents[0].issuingCountry`, RULES.country],
    [`${P}.documents[0].expiryDate`, '2031-13-03', `${P}.documents[0].expiryDate`, RULES.date],
    [
      `${P}.documents[0].issueDate`,
      '2031-03-04',
      `${P}.documents[0].issueDate`,
      RULES.issueAfterExpiry,
    ],
    [
      `${P}.documents[0].nameOnDocument.surname`,
      "O'NEILL",
      `${P}.documents[0].nameOnDocument.surname`,
      RULES.mrzName,
    ],
    [
      `${P}.documents[0].nameOnDocument.givenNames`,
      'Claire Marie',
      `${P}.documents[0].nameOnDocument.givenNames`,
      RULES.mrzName,
    ],
    [`${P}.redressNumber`, 'RN-2027', `${P}.redressNumber`, RULES.programmeNumber],
    [
      `${P}.knownTravelerNumber`,
      'TT1234567'.repeat(3),
      `${P}.knownTravelerNumber`,
      RULES.programmeNumber,
    ],
    [
      `${P}.legalRepresentatives`,
      REMOVE,
      `${P}.legalRepresentatives`,
      RULES.legalRepresentativeRequired,
    ],
    [
      `${P}.legalRepresentatives`,
      [],
      `${P}.legalRepresentatives`,
      RULES.legalRepresentativeRequired,
    ],
    [
      `${P}.legalRepresentatives[0].givenNames`,
      'S1obhán',
      `${P}.legalRepresentatives[0].givenNames`,
      RULES.personName,
    ],
    [
      `${P}.legalRepresentatives[0].surname`,
      '',
      `${P}.legalRepresentatives[0].surname`,
      RULES.empty,
    ],
    [
      `${P}.legalRepresentatives[0].relationship`,
      REMOVE,
      `${P}.legalRepresentatives[0].relationship`,
      RULES.required,
    ],
    [
      `${P}.legalRepresentatives[0].phone`,
      '+33',
      `${P}.legalRepresentatives[0].phone`,
      RULES.phone,
    ],
    [
      `${P}.legalRepresentatives[0].email`,
      'siobhan.oneill',
      `${P}.legalRepresentatives[0].email`,
      RULES.email,
    ],
    [`${P}.emergencyContacts`, {}, `${P}.emergencyContacts`, RULES.array],
    [
      `${P}.emergencyContacts[0].name`,
      'Patrick O’Neill'.repeat(7),
      `${P}.emergencyContacts[0].name`,
      maxCharsRule(100),
    ],
    [
      `${P}.emergencyContacts[0].relationship`,
      'father\u0007',
      `${P}.emergencyContacts[0].relationship`,
      RULES.controlCharacters,
    ],
    [
      `${P}.emergencyContacts[0].phone`,
      '0698765432',
      `${P}.emergencyContacts[0].phone`,
      RULES.phone,
    ],
    [`${P}.health.allergies`, REMOVE, `${P}.health.allergies`, RULES.required],
    [
      `${P}.health.allergies`,
      ['penicillin', 'la\ntex'],
      `${P}.health.allergies[1]`,
      RULES.controlCharacters,
    ],
    [
      `${P}.health.medications[0]`,
      'salbutamol'.repeat(21),
      `${P}.health.medications[0]`,
      maxCharsRule(200),
    ],
    [`${P}.health.bloodType`, 'C+', `${P}.health.bloodType`, RULES.bloodType],
    [`${P}.health.notes`, 'asthma '.repeat(300), `${P}.health.notes`, maxCharsRule(2000)],
    [`${P}.meal`, 'vlml', `${P}.meal`, RULES.ssrCode],
    [`${P}.meal`, 'VLM', `${P}.meal`, RULES.ssrCode],
    [`${P}.assistance`, 'WCHR', `${P}.assistance`, RULES.array],
    [`${P}.assistance`, ['WCHR', 'WCH1'], `${P}.assistance[1]`, RULES.ssrCode],
    [`${P}.insurance.insurerId`, 'INS MUTUELLE', `${P}.insurance.insurerId`, RULES.id],
    [
      `${P}.insurance.policyNumber`,
      'MV-2027-004411'.repeat(3),
      `${P}.insurance.policyNumber`,
      RULES.policyNumber,
    ],
    [`${P}.consents`, REMOVE, `${P}.consents`, RULES.required],
    [`${P}.consents.voice`, REMOVE, `${P}.consents.voice`, RULES.required],
    [`${P}.consents.image`, 'true', `${P}.consents.image`, RULES.boolean],
    [`${P}.marketing`, 'newsletter', `${P}.marketing`, RULES.object],
    [`${P}.marketing`, ['newsletter'], `${P}.marketing`, RULES.object],
    [`${P}.notes`, 'Claire\u202Eeralc', `${P}.notes`, RULES.controlCharacters],
  ];

  it.each(cases)('should refuse %s = %j with the rule at %s', (path, value, errorPath, rule) => {
    const raw = edit(sampleBooking(0), path, value);
    const errors = errorsOf(raw);
    expect(errors).toContainEqual({ path: errorPath, rule });
    expectNoPersonalValue(errors, raw);
  });

  it('should refuse 61 participants when a booking is limited to 60', () => {
    const participant = (sampleBooking(0).participants as JsonObject[])[0]!;
    const participants = Array.from({ length: 61 }, (_, index) => ({
      ...participant,
      id: `P-${index}`,
    }));
    expect(errorsOf(edit(sampleBooking(0), 'participants', participants))).toEqual([
      { path: 'participants', rule: maxItemsRule(60) },
    ]);
  });

  it('should refuse the body when its reference is not the reference of the request path', () => {
    expect(errorsOf(sampleBooking(0), { pathReference: 'B-9999' })).toEqual([
      { path: 'reference', rule: RULES.referenceOfPath },
    ]);
  });

  it('should not ask a minor for a legal representative when no trip is given', () => {
    const raw = edit(sampleBooking(0), `participants[0].legalRepresentatives`, REMOVE);
    expect(validateBooking(raw, { today: TODAY }).ok).toBe(true);
    expect(
      validateBooking(edit(raw, 'tripId', 'T-ANY'), { today: TODAY, pathReference: 'B-1001' }).ok,
    ).toBe(true);
  });

  it('should count a participant as an adult when 18 on the trip start date', () => {
    const raw = edits(sampleBooking(0), [
      ['participants[0].dateOfBirth', '2009-07-01'],
      ['participants[0].legalRepresentatives', REMOVE],
      ['participants[0].role', 'staff'],
    ]);
    expect(errorsOf(raw)).toEqual([]);
    expect(errorsOf(edit(raw, 'participants[0].dateOfBirth', '2009-07-02'))).toEqual([
      { path: 'participants[0].role', rule: RULES.supervisorMinor },
      { path: 'participants[0].legalRepresentatives', rule: RULES.legalRepresentativeRequired },
    ]);
  });

  it('should accept a date of birth when it is today', () => {
    expect(
      errorsOf(edit(sampleBooking(3), 'participants[0].dateOfBirth', TODAY), { trip: undefined }),
    ).toEqual([]);
  });

  it('should accept the codes ICAO 9303 adds to ISO 3166 for travel documents', () => {
    for (const code of ['XXA', 'UNK', 'GBN']) {
      expect(
        errorsOf(edit(sampleBooking(0), 'participants[0].nationality', code), { trip: undefined }),
      ).toEqual([]);
    }
  });

  it('should throw when the caller passes no valid date for today', () => {
    expect(() => validateBooking(sampleBooking(0), { today: '15/01/2027' })).toThrow(TypeError);
  });
});

describe('validateBooking: every problem at once', () => {
  it('should report the rules between fields beside shape errors when both are broken', () => {
    const raw = edits(sampleBooking(0), [
      ['participants[0].dateOfBirth', '2031-03-04'],
      ['participants[0].shoeSize', 38],
      ['participants[1].flightIds', ['F9']],
    ]);
    expect(errorsOf(raw)).toEqual([
      { path: 'participants[0].shoeSize', rule: RULES.unknownProperty },
      { path: 'participants[0].dateOfBirth', rule: RULES.dateOfBirthInFuture },
      { path: 'participants[1].flightIds[0]', rule: RULES.unknownFlight },
    ]);
  });

  it('should report a malformed field once when a rule between fields would also read it', () => {
    const raw = edits(sampleBooking(0), [
      ['participants[0].dateOfBirth', '2031-02-30'],
      ['participants[0].id', ''],
      ['participants[1].id', ''],
      ['participants[1].legalRepresentatives', 'Siobhán'],
      ['participants[1].flightIds', ['F 9']],
    ]);
    expect(errorsOf(raw)).toEqual([
      { path: 'participants[0].id', rule: RULES.empty },
      { path: 'participants[0].dateOfBirth', rule: RULES.date },
      { path: 'participants[1].id', rule: RULES.empty },
      { path: 'participants[1].flightIds[0]', rule: RULES.id },
      { path: 'participants[1].legalRepresentatives', rule: RULES.array },
    ]);
  });
});

describe('validateBooking: unknown properties', () => {
  const withAddress = edit(sampleBooking(0), 'participants[0].address', {
    lines: ['12 rue des Lilas'],
    city: 'Lyon',
    country: 'FRA',
  });

  it.each([
    '',
    'customer',
    'customer.address',
    'participants[1]',
    'participants[0].placeOfBirth',
    'participants[0].address',
    'participants[0].documents[0]',
    'participants[0].documents[0].nameOnDocument',
    'participants[0].legalRepresentatives[0]',
    'participants[0].emergencyContacts[0]',
    'participants[0].health',
    'participants[0].insurance',
    'participants[0].consents',
  ])('should refuse an unknown property when it is added at %j', (objectPath) => {
    const path = objectPath === '' ? 'middleName' : `${objectPath}.middleName`;
    const raw = edit(withAddress, path, 'Jeanne Dupont');
    const errors = errorsOf(raw);
    expect(errors).toEqual([{ path, rule: RULES.unknownProperty }]);
    expectNoPersonalValue(errors, raw);
  });

  it('should accept any property inside marketing when it is a free object', () => {
    expect(
      errorsOf(edit(sampleBooking(0), 'participants[0].marketing.anything', { a: [1] })),
    ).toEqual([]);
  });

  it('should refuse a document when an unknown property nests too deeply', () => {
    let deep: Json = 'x';
    for (let i = 0; i < 10_000; i += 1) deep = [deep];
    const errors = errorsOf(edit(sampleBooking(0), 'participants[0].extra', deep));
    expect(errors).toContainEqual({ path: 'participants[0].extra', rule: RULES.unknownProperty });
    expect(errors.some((error) => error.rule === RULES.tooDeep)).toBe(true);
  });
});

describe('validateBooking: payment data', () => {
  it.each([
    ['notes', `Paid by card ${VISA}, thanks`],
    ['participants[0].notes', '4111-1111-1111-1111'],
    ['participants[0].marketing.card', VISA],
    ['participants[0].cardNumber', VISA],
    ['customer.address.lines[0]', `12 rue des Lilas ${VISA}`],
    ['participants[0].insurance.policyNumber', '4111111111111111'],
    ['participants[0].extra', 4111111111111111],
  ])('should refuse the booking with only the payment rule when a card is in %s', (path, card) => {
    // Also otherwise invalid: nothing but the payment refusal is reported.
    const raw = edits(sampleBooking(0), [
      ['revision', 0],
      [path, card],
    ]);
    const result = validateBooking(raw, { trip, today: TODAY });
    expect(result).toEqual({ ok: false, errors: [{ path, rule: PAYMENT_DATA_RULE }] });
    if (!result.ok) expect(isPaymentDataRefusal(result.errors)).toBe(true);
    expect(JSON.stringify(result)).not.toContain('1111');
  });

  it('should withhold the property name when the card number is the name', () => {
    const raw = edit(sampleBooking(0), `participants[0].${VISA}`, true);
    expect(errorsOf(raw)).toEqual([
      { path: 'participants[0].<key withheld>', rule: PAYMENT_DATA_RULE },
    ]);
  });

  it('should accept a booking when it holds phone numbers and passport numbers only', () => {
    expect(errorsOf(sampleBooking(0))).toEqual([]);
    const raw = edits(sampleBooking(0), [
      ['customer.phone', '+44 20 7946 0958'],
      ['notes', 'Call +33 6 12 34 56 78 or +1 (212) 555-0100; passport 19AB12345.'],
    ]);
    expect(errorsOf(raw)).toEqual([]);
  });

  it('should refuse any Luhn-valid 16-digit number when written in notes with spaces or dashes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 15, maxLength: 15 }),
        fc.constantFrom(' ', '-'),
        (digits, separator) => {
          const body = digits.join('');
          const check = Array.from('0123456789').find((digit) => passesLuhn(`${body}${digit}`));
          const card = `${body}${check ?? ''}`.replace(/(\d{4})(?=\d)/g, `$1${separator}`);
          const errors = errorsOf(edit(sampleBooking(0), 'notes', `card ${card}`));
          expect(errors).toEqual([{ path: 'notes', rule: PAYMENT_DATA_RULE }]);
        },
      ),
    );
  });

  it('should accept any French mobile number when it is written as +33 and nine grouped digits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 8, maxLength: 8 }),
        (digits) => {
          const phone = `+33 6 ${digits.join('').replace(/(\d{2})(?=\d)/g, '$1 ')}`;
          expect(errorsOf(edit(sampleBooking(0), 'customer.phone', phone))).toEqual([]);
        },
      ),
    );
  });
});

describe('validateBooking: no personal value in errors', () => {
  it('should echo no personal value when every personal field of a booking is wrong', () => {
    const raw = edits(sampleBooking(0), [
      ['customer.givenNames', 'Siobhán#1'],
      ['customer.surname', 'O’Neill<script>'],
      ['customer.email', 'siobhan at example'],
      ['customer.phone', 'oh six twelve'],
      ['customer.address.postalCode', '69003!'],
      ['participants[0].givenNames', 'Claire (Marie)'],
      ['participants[0].dateOfBirth', '2011-03-44'],
      ['participants[0].documents[0].number', '19AB 12345'],
      ['participants[0].documents[0].expiryDate', '03/03/2031'],
      ['participants[0].legalRepresentatives[0].phone', '+33 six'],
      ['participants[0].emergencyContacts[0].name', 'Patrick\u0000O’Neill'],
      ['participants[0].health.allergies[0]', 'penicillin\u0007'],
      ['participants[0].insurance.policyNumber', 'MV#2027#004411'],
      ['participants[0].secretNickname', 'Clairounette'],
    ]);
    const errors = errorsOf(raw);
    expect(errors).toHaveLength(14);
    expectNoPersonalValue(errors, raw);
    for (const value of [
      'Siobhán',
      'Neill',
      'Claire',
      '19AB',
      '2031',
      '2011',
      'penicillin',
      'Clairounette',
    ]) {
      expect(JSON.stringify(errors)).not.toContain(value);
    }
  });

  it('should echo no refused name when any name is refused', () => {
    fc.assert(
      fc.property(
        fc
          .string({ minLength: 3, maxLength: 30 })
          .filter((name) => /\d/.test(name) && name.trim().length >= 3)
          // A name that happens to be part of the path or rule text proves nothing.
          .filter((name) => !`participants[0].surname ${RULES.personName}`.includes(name.trim())),
        (name) => {
          const errors = errorsOf(edit(sampleBooking(0), 'participants[0].surname', name));
          expect(errors).toContainEqual({
            path: 'participants[0].surname',
            rule: RULES.personName,
          });
          expect(JSON.stringify(errors)).not.toContain(JSON.stringify(name.trim()).slice(1, -1));
        },
      ),
    );
  });
});
