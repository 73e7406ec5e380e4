import { paxlstFormat } from '../src/core/formats/paxlst/paxlst-format.js';
import type { FieldValue } from '../src/core/fields/field-value.js';
import type { MinimizedUnit } from '../src/core/projection/minimized-unit.js';
import { compare, type BenchResult } from './harness.js';

const PASSENGERS = 350;
const TARGET_RATIO = 2;
const SURNAMES = [
  "O'Neill",
  'Müller-Durand',
  'Benali',
  'Lefèvre',
  'Straße',
  'Núñez',
  'D’Artagnan',
  'Øster',
  'Dupont',
  'Martin',
];
const GIVEN = [
  'Claire Marie',
  'Tom',
  'Hélène',
  'Youssef',
  'Siobhán',
  'Jean-Loïc',
  'Åse',
  'Bjørn',
  'Zoë',
  'Léa',
];

/** A 350-passenger flight unit as the projection would give the us-apis contract. */
export function paxlstBenchUnit(): MinimizedUnit {
  const participants = Array.from({ length: PASSENGERS }, (_, i) => ({
    values: {
      'participant.surname': SURNAMES[i % SURNAMES.length] ?? 'Martin',
      'participant.givenNames': GIVEN[(i * 3) % GIVEN.length] ?? 'Léa',
      ...(i % 3 === 0
        ? {
            'participant.documents.passport.nameOnDocument': {
              surname: 'ONEILL',
              givenNames: 'CLAIRE MARIE',
            },
          }
        : {}),
      'participant.gender': i % 2 === 0 ? 'F' : 'M',
      'participant.dateOfBirth': `20${10 + (i % 5)}-0${1 + (i % 9)}-1${i % 9}`,
      'participant.nationality': i % 5 === 0 ? 'DEU' : 'FRA',
      'participant.countryOfResidence': 'FRA',
      'participant.documents.passport.number': `${10 + (i % 80)}AB${10_000 + i}`,
      'participant.documents.passport.issuingCountry': 'FRA',
      'participant.documents.passport.expiryDate': '2031-03-03',
    } satisfies Record<string, FieldValue>,
  }));
  return {
    contract: { id: 'us-apis', version: 1 },
    unitKind: 'flight',
    recipient: { id: 'AF', name: 'Air France' },
    fields: [],
    values: {
      'flight.carrier': 'AF',
      'flight.flightNumber': '22',
      'flight.departure': {
        airport: 'CDG',
        country: 'FRA',
        scheduledAt: '2027-07-01T10:30:00+02:00',
      },
      'flight.arrival': {
        airport: 'JFK',
        country: 'USA',
        scheduledAt: '2027-07-01T12:45:00-04:00',
      },
      'flight.pnr': 'K7Q2ZX',
      'flight.destinationAddress': {
        id: 'HTL-NYC-RIVER',
        name: 'Riverside Youth Hostel',
        address: {
          lines: ['891 Amsterdam Avenue'],
          postalCode: '10025',
          city: 'New York',
          region: 'NY',
          country: 'USA',
        },
      },
    },
    participants,
    rooms: [],
  };
}

/** Issue 3's target: a 350-passenger PAXLST costs at most 2× `JSON.stringify` of the same passengers. */
export function benchPaxlst(): BenchResult {
  const unit = paxlstBenchUnit();
  const options = paxlstFormat.parseOptions({
    directory: '05B',
    sender: { id: 'ASSOVOYAGES', qualifier: 'ZZ' },
    recipient: { id: 'USCSAPIS', qualifier: 'ZZ' },
    applicationReference: 'APIS',
    genders: ['M', 'F', 'U', 'X'],
    reportingParty: { name: 'ASSO VOYAGES OPERATIONS', phone: '33 1 42 74 23 45' },
    destinationAddressCountries: ['USA'],
    clearanceCountries: ['USA'],
    documentCodeList: true,
  });
  if (!options.ok) throw new Error('bench options do not parse');
  const context = { reference: 'BENCH0000001', preparedAt: '2027-06-29T07:15:00Z' };
  let parts = 0;
  const subject = () => {
    const result = paxlstFormat.serialize(unit, options.value, context);
    if (!result.ok) throw new Error('bench unit does not serialize');
    parts = result.value.length;
  };
  const baseline = () => JSON.stringify(unit.participants);
  // Five alternated rounds, not three: with three, a burst of the machine's noise over the
  // subject's rounds once made its median half as fast again as the other days' (2.02×).
  const timing = compare(subject, baseline, 5);
  const ratio = timing.subject / timing.baseline;
  return {
    bench: `paxlst: ${PASSENGERS}-passenger flight (us-apis options, 15 a part)`,
    unit: 'passengers',
    value: PASSENGERS / timing.subject,
    baseline: { name: 'JSON.stringify(passengers)', value: PASSENGERS / timing.baseline },
    ratio,
    target: TARGET_RATIO,
    pass: ratio <= TARGET_RATIO,
    extra: { parts },
  };
}
