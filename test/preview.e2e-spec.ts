import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewLine } from '../src/cli/preview.command.js';
import { runBuiltCli } from './support/run-cli.js';
import { readRepoFile, repoPath, shippedContracts } from './support/shipped-catalog.js';

const NOW = '2027-07-03T12:00:00-04:00';
const SAMPLE_ARGS = [
  '--trip',
  'samples/trip-nyc.json',
  '--bookings',
  'samples/bookings-nyc.json',
  '--now',
  NOW,
];

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'passerelle-preview-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const linesOf = (stdout: string): PreviewLine[] =>
  stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as PreviewLine);

/** Personal values of the bundled samples that must never reach an error message. */
const SAMPLE_PERSONAL_VALUES = [
  "O'Neill",
  'Claire',
  'Müller',
  'Hélène',
  'Benali',
  'Youssef',
  'Lefèvre',
  '19AB12345',
  'MV-2027-004411',
  'penicillin',
  '2011-03-04',
  '+33 6 12 34 56 78',
  'siobhan.oneill@example.org',
];

describe('passerelle preview on the bundled samples', () => {
  let lines: PreviewLine[];
  let out: string;

  beforeAll(async () => {
    out = join(work, 'samples');
    const run = await runBuiltCli(['preview', ...SAMPLE_ARGS, '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    lines = linesOf(run.stdout);
  });

  it('should print one line per unit of every contract, in contract order', () => {
    expect(lines.map((line) => `${line.contract} ${line.unit} ${line.recipient}`)).toEqual([
      'airline-group-list flight:F1 AF',
      'airline-group-list flight:F2 AF',
      'hotel-rooming-list stay:S1 HTL-NYC-RIVER',
      'insurer-emergency participant:B-1001-1:insurer:INS-MUTUELLE-VOYAGE INS-MUTUELLE-VOYAGE',
      'insurer-emergency participant:B-1001-2:insurer:INS-MUTUELLE-VOYAGE INS-MUTUELLE-VOYAGE',
      'insurer-emergency participant:B-1002-1:insurer:INS-MUTUELLE-VOYAGE INS-MUTUELLE-VOYAGE',
      'insurer-emergency participant:B-1003-1:insurer:INS-ASSUR-JEUNES INS-ASSUR-JEUNES',
      'insurer-emergency participant:B-STAFF-07-1:insurer:INS-MUTUELLE-VOYAGE INS-MUTUELLE-VOYAGE',
      'insurer-enrollment trip:T-2027-NYC-01:insurer:INS-ASSUR-JEUNES INS-ASSUR-JEUNES',
      'insurer-enrollment trip:T-2027-NYC-01:insurer:INS-MUTUELLE-VOYAGE INS-MUTUELLE-VOYAGE',
      'secure-flight flight:F1 AF',
      'secure-flight flight:F2 AF',
      'us-apis flight:F1 AF',
      'us-apis flight:F2 AF',
    ]);
    // Each line names the version of the contract file it was rendered with.
    const { contract } = shippedContracts();
    for (const line of lines) expect(line.contractVersion).toBe(contract(line.contract).version);
    expect(lines.find((line) => line.contract === 'us-apis')?.contractVersion).toBe(2);
  });

  it('should carry the documented keys, and write the files it names with their digest and size', async () => {
    for (const line of lines) {
      expect(Object.keys(line)).toEqual([
        'contract',
        'contractVersion',
        'recipient',
        'unit',
        'subjects',
        'fields',
        'withheld',
        'files',
        'sha256',
        'bytes',
        'errors',
      ]);
      expect(line.errors).toEqual([]);
      const contents = await Promise.all(line.files.map((file) => readFile(file)));
      const hash = createHash('sha256');
      for (const content of contents) hash.update(content);
      expect(line.sha256).toBe(hash.digest('hex'));
      expect(line.bytes).toBe(contents.reduce((sum, c) => sum + c.length, 0));
    }
    expect(lines[0]?.files).toEqual([join(out, 'airline-group-list/T-2027-NYC-01/flight-F1.csv')]);
    expect(lines[8]?.files).toEqual([
      join(out, 'insurer-enrollment/T-2027-NYC-01/trip-T-2027-NYC-01.insurer-INS-ASSUR-JEUNES.csv'),
    ]);
  });

  it('should withhold a meal code without meal consent, and name whose and which', () => {
    const f1 = lines[0];
    expect(f1?.subjects).toEqual(['B-1001-1', 'B-1001-2', 'B-1002-1', 'B-1003-1', 'B-STAFF-07-1']);
    expect(f1?.withheld).toEqual([
      { subject: 'B-1003-1', field: 'participant.meal', reason: 'no-consent' },
    ]);
  });

  it('should write the airline group list with only its fields', async () => {
    const csv = await readFile(join(out, 'airline-group-list/T-2027-NYC-01/flight-F1.csv'), 'utf8');
    expect(csv).toBe(
      [
        'CARRIER,FLIGHT,DEPARTURE,PNR,SURNAME,GIVEN NAMES,GENDER,MINOR,MEAL,ASSISTANCE',
        'AF,22,"CDG, FRA, 2027-07-01T10:30:00+02:00",K7Q2ZX,O\'Neill,Claire Marie,F,true,VLML,',
        'AF,22,"CDG, FRA, 2027-07-01T10:30:00+02:00",K7Q2ZX,O\'Neill,Tom,M,true,,',
        'AF,22,"CDG, FRA, 2027-07-01T10:30:00+02:00",K7Q2ZX,Müller-Durand,Hélène,F,true,KSML,',
        'AF,22,"CDG, FRA, 2027-07-01T10:30:00+02:00",K7Q2ZX,Benali,Youssef,M,true,,WCHR',
        'AF,22,"CDG, FRA, 2027-07-01T10:30:00+02:00",K7Q2ZX,Lefèvre,Jean-Loïc,M,false,,',
        '',
      ].join('\r\n'),
    );
    for (const forbidden of [
      '19AB12345',
      '2011-03-04',
      'MOML',
      'penicillin',
      'MV-2027',
      'Mother asks',
    ])
      expect(csv).not.toContain(forbidden);
  });

  it('should send each insurer only its own insured', async () => {
    const jeunes = await readFile(
      join(out, 'insurer-enrollment/T-2027-NYC-01/trip-T-2027-NYC-01.insurer-INS-ASSUR-JEUNES.csv'),
      'utf8',
    );
    expect(jeunes).toBe(
      'participant.insurance.policyNumber,participant.surname,participant.givenNames,participant.dateOfBirth,trip.startDate,trip.endDate,trip.destinationCountries\r\n' +
        'AJ-88120,Benali,Youssef,2012-05-17,2027-07-01,2027-07-12,USA\r\n',
    );
    const mutuelle = await readFile(
      join(
        out,
        'insurer-enrollment/T-2027-NYC-01/trip-T-2027-NYC-01.insurer-INS-MUTUELLE-VOYAGE.csv',
      ),
      'utf8',
    );
    expect(mutuelle).not.toContain('Benali');
    expect(mutuelle.split('\r\n').filter((row) => row !== '')).toHaveLength(5);
  });

  it('should give the insurer the emergency data, the current stay and the leader’s phone', async () => {
    const emergency = JSON.parse(
      await readFile(
        join(
          out,
          'insurer-emergency/T-2027-NYC-01/participant-B-1001-1.insurer-INS-MUTUELLE-VOYAGE.json',
        ),
        'utf8',
      ),
    ) as Record<string, unknown>;
    expect(emergency).toEqual({
      contract: { id: 'insurer-emergency', version: 1 },
      recipient: 'INS-MUTUELLE-VOYAGE',
      unit: {
        'trip.leaders.name': ['Jean-Loïc Lefèvre'],
        'trip.leaders.phone': ['+33 6 01 02 03 04'],
      },
      participants: [
        {
          'participant.insurance.policyNumber': 'MV-2027-004411',
          'participant.surname': "O'Neill",
          'participant.givenNames': 'Claire Marie',
          'participant.dateOfBirth': '2011-03-04',
          'participant.health.allergies': ['penicillin'],
          'participant.health.conditions': ['asthma'],
          'participant.health.medications': ['salbutamol inhaler'],
          'participant.health.bloodType': 'A+',
          'participant.legalRepresentatives.name': ["Siobhán O'Neill"],
          'participant.legalRepresentatives.relationship': ['mother'],
          'participant.legalRepresentatives.phone': ['+33 6 12 34 56 78'],
          'participant.emergencyContacts.name': ["Patrick O'Neill"],
          'participant.emergencyContacts.relationship': ['father'],
          'participant.emergencyContacts.phone': ['+33 6 98 76 54 32'],
          'participant.currentStay': {
            hotel: 'Riverside Youth Hostel',
            address: {
              lines: ['891 Amsterdam Avenue'],
              postalCode: '10025',
              city: 'New York',
              region: 'NY',
              country: 'USA',
            },
            checkOut: '2027-07-11',
          },
        },
      ],
    });
    const line = lines.find((l) => l.unit === 'participant:B-1001-1:insurer:INS-MUTUELLE-VOYAGE');
    expect(line?.subjects).toEqual(['B-1001-1', 'B-STAFF-07-1']);
  });

  it('should give the same bytes on a second run', async () => {
    const again = await runBuiltCli(['preview', ...SAMPLE_ARGS, '--out', join(work, 'again')]);
    expect(linesOf(again.stdout).map((l) => l.sha256)).toEqual(lines.map((l) => l.sha256));
  });

  it('should render only the contracts named', async () => {
    const run = await runBuiltCli([
      'preview',
      ...SAMPLE_ARGS,
      '--out',
      join(work, 'one'),
      '--contract',
      'insurer-enrollment',
    ]);
    expect(run.code).toBe(0);
    expect(linesOf(run.stdout).map((l) => l.contract)).toEqual([
      'insurer-enrollment',
      'insurer-enrollment',
    ]);
  });

  it('should print a table for people with --summary', async () => {
    const run = await runBuiltCli([
      'preview',
      ...SAMPLE_ARGS,
      '--out',
      join(work, 'summary'),
      '--summary',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^CONTRACT\s+UNIT\s+RECIPIENT\s+SUBJECTS\s+FIELDS\s+WITHHELD\s+FILES/,
    );
    expect(run.stdout).toContain('participant.meal ×1');
  });
});

describe('passerelle preview on bad input', () => {
  it('should exit 2, name the path and rule, echo no value and write nothing when a booking is invalid', async () => {
    const bookings = JSON.parse(readRepoFile('samples/bookings-nyc.json')) as {
      participants: Record<string, unknown>[];
    }[];
    const first = bookings[0]?.participants[0];
    if (first === undefined) throw new Error('sample changed');
    first.dateOfBirth = '2031-03-04';
    first.shoeSize = 38;
    const file = join(work, 'bad-bookings.json');
    await writeFile(file, JSON.stringify(bookings));
    const out = join(work, 'bad-out');
    const run = await runBuiltCli([
      'preview',
      '--trip',
      'samples/trip-nyc.json',
      '--bookings',
      file,
      '--out',
      out,
      '--now',
      NOW,
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('bookings[0].participants[0].dateOfBirth: ');
    expect(run.stderr).toContain('bookings[0].participants[0].shoeSize: unknown property');
    for (const value of [...SAMPLE_PERSONAL_VALUES, '2031-03-04'])
      expect(run.stderr).not.toContain(value);
    expect(existsSync(out)).toBe(false);
  });

  it('should exit 2 on a payment card anywhere in a booking', async () => {
    const bookings = JSON.parse(readRepoFile('samples/bookings-nyc.json')) as Record<
      string,
      unknown
    >[];
    bookings[1]!.notes = 'paid with 4111 1111 1111 1111';
    const file = join(work, 'card-bookings.json');
    await writeFile(file, JSON.stringify(bookings));
    const run = await runBuiltCli([
      'preview',
      '--trip',
      'samples/trip-nyc.json',
      '--bookings',
      file,
      '--out',
      join(work, 'card-out'),
      '--now',
      NOW,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('bookings[1].notes: payment data is not accepted');
    expect(run.stderr).not.toContain('4111');
  });

  it('should exit 2 and delete nothing when the trip id would name --out itself (..)', async () => {
    const trip = JSON.parse(readRepoFile('samples/trip-nyc.json')) as Record<string, unknown>;
    const bookings = JSON.parse(readRepoFile('samples/bookings-nyc.json')) as Record<
      string,
      unknown
    >[];
    trip.id = '..';
    for (const booking of bookings) booking.tripId = '..';
    const tripFile = join(work, 'dotdot-trip.json');
    const bookingsFile = join(work, 'dotdot-bookings.json');
    await writeFile(tripFile, JSON.stringify(trip));
    await writeFile(bookingsFile, JSON.stringify(bookings));
    const out = join(work, 'dotdot-out');
    const sentinel = join(out, 'sentinel.txt');
    await cp(tripFile, sentinel);
    const run = await runBuiltCli([
      'preview',
      '--trip',
      tripFile,
      '--bookings',
      bookingsFile,
      '--out',
      out,
      '--now',
      NOW,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('trip.id: must be usable as a folder name');
    expect(existsSync(sentinel)).toBe(true);
  });

  it('should exit 2 on a file that is not JSON, and on invalid contracts', async () => {
    const file = join(work, 'not-json.json');
    await writeFile(file, '{ nope');
    const notJson = await runBuiltCli([
      'preview',
      '--trip',
      file,
      '--bookings',
      'samples/bookings-nyc.json',
      '--out',
      join(work, 'x'),
    ]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('trip: not valid JSON');

    const contracts = join(work, 'broken-contracts');
    await cp(repoPath('contracts'), contracts, { recursive: true });
    const text = readRepoFile('contracts/airline-group-list.yaml').replace(
      '  - participant.assistance\n',
      '  - participant.assistance\n  - participant.notes\n',
    );
    await writeFile(join(contracts, 'airline-group-list.yaml'), text);
    const broken = await runBuiltCli([
      'preview',
      ...SAMPLE_ARGS,
      '--contracts',
      contracts,
      '--out',
      join(work, 'y'),
    ]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(
      /airline-group-list\.yaml: fields\[10\]: participant\.notes never leaves Passerelle/,
    );
  });

  it('should exit 3 and report the units that miss data, while rendering the others', async () => {
    const contracts = join(work, 'strict-contracts');
    await cp(repoPath('contracts'), contracts, { recursive: true });
    const text = readRepoFile('contracts/airline-group-list.yaml')
      .replace(
        '  - participant.assistance\n',
        '  - participant.assistance\n  - participant.phone\n',
      )
      .replace(
        'required: [participant.surname, participant.givenNames, participant.gender]',
        'required: [participant.surname, participant.phone]',
      );
    await writeFile(join(contracts, 'airline-group-list.yaml'), text);
    const run = await runBuiltCli([
      'preview',
      ...SAMPLE_ARGS,
      '--contracts',
      contracts,
      '--out',
      join(work, 'strict'),
    ]);
    expect(run.code).toBe(3);
    const lines = linesOf(run.stdout);
    const f1 = lines.find(
      (line) => line.contract === 'airline-group-list' && line.unit === 'flight:F1',
    );
    expect(f1?.files).toEqual([]);
    expect(f1?.errors).toEqual([
      { subject: 'B-1001-1', field: 'participant.phone', rule: 'required' },
      { subject: 'B-1001-2', field: 'participant.phone', rule: 'required' },
      { subject: 'B-1002-1', field: 'participant.phone', rule: 'required' },
      { subject: 'B-1003-1', field: 'participant.phone', rule: 'required' },
    ]);
    expect(
      lines
        .filter((line) => line.contract !== 'airline-group-list')
        .every((line) => line.files.length > 0),
    ).toBe(true);
  });
});

describe('passerelle preview with data-quality problems for border authorities', () => {
  it('should exit 3 and name each participant and field that stops an APIS or Secure Flight unit, never the value', async () => {
    const bookings = JSON.parse(readRepoFile('samples/bookings-nyc.json')) as {
      participants: Record<string, unknown>[];
    }[];
    const tom = bookings[0]?.participants[1];
    const helene = bookings[1]?.participants[0];
    const youssef = bookings[2]?.participants[0];
    if (tom === undefined || helene === undefined || youssef === undefined)
      throw new Error('sample changed');
    tom.documents = [
      { type: 'passport', number: '20CD67890', issuingCountry: 'FRA', expiryDate: '2027-07-05' },
    ];
    helene.documents = [
      {
        type: 'identity-card',
        number: 'IDX123456',
        issuingCountry: 'DEU',
        expiryDate: '2030-01-01',
      },
    ];
    youssef.surname = 'Μπενάλι';
    const file = join(work, 'quality-bookings.json');
    await writeFile(file, JSON.stringify(bookings));
    const run = await runBuiltCli([
      'preview',
      '--trip',
      'samples/trip-nyc.json',
      '--bookings',
      file,
      '--now',
      NOW,
      '--out',
      join(work, 'quality'),
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(3);
    const lines = linesOf(run.stdout);
    const apis = lines.find((line) => line.contract === 'us-apis' && line.unit === 'flight:F1');
    expect(apis?.files).toEqual([]);
    expect(apis?.errors).toEqual(
      expect.arrayContaining([
        {
          subject: 'B-1001-2',
          field: 'participant.documents.passport.expiryDate',
          rule: 'expires before the return',
        },
        {
          subject: 'B-1002-1',
          field: 'participant.documents.passport.number',
          rule: 'a passport is required',
        },
        expect.objectContaining({ subject: 'B-1003-1', field: 'participant.surname' }),
      ]),
    );
    const secureFlight = lines.find(
      (line) => line.contract === 'secure-flight' && line.unit === 'flight:F1',
    );
    expect(secureFlight?.errors).toEqual([
      expect.objectContaining({ subject: 'B-1003-1', field: 'participant.surname' }),
    ]);
    expect(run.stdout).not.toContain('Μπενάλι');
    expect(run.stdout).not.toContain('2027-07-05');
    // The hotel and the insurers take Unicode names and no passport: still rendered.
    for (const line of lines.filter((l) => !['us-apis', 'secure-flight'].includes(l.contract)))
      expect(line.errors).toEqual([]);
  });
});

describe('passerelle contracts lint', () => {
  it('should exit 0 on the shipped contracts', async () => {
    const run = await runBuiltCli(['contracts', 'lint']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '7 contract(s) clean: airline-group-list, caricom-apis, hotel-rooming-list, insurer-emergency, insurer-enrollment, secure-flight, us-apis',
    );
  });

  it('should exit 1 with one `file: key: rule` line per problem', async () => {
    const contracts = join(work, 'lint-contracts');
    await cp(repoPath('contracts'), contracts, { recursive: true });
    await writeFile(
      join(contracts, 'insurer-enrollment.yaml'),
      readRepoFile('contracts/insurer-enrollment.yaml').replace(
        'legalBasis: contract',
        'legalBasis: vital-interests',
      ),
    );
    const run = await runBuiltCli(['contracts', 'lint', '--contracts', contracts]);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe(
      `${join(contracts, 'insurer-enrollment.yaml')}: legalBasis: vital-interests is allowed only for on-demand release (transport api-response)`,
    );
  });
});
