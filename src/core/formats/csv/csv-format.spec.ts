import { describe, expect, it } from 'vitest';
import type { MinimizedUnit } from '../../projection/minimized-unit.js';
import { csvFormat } from './csv-format.js';

const context = { reference: 'REF-1', preparedAt: '2027-06-01T00:00:00Z' };

function unitOf(
  participants: Record<string, unknown>[],
  fields: string[],
  values: Record<string, unknown> = {},
): MinimizedUnit {
  return {
    contract: { id: 'test', version: 1 },
    unitKind: 'flight',
    recipient: { id: 'AF', name: 'Airline' },
    fields,
    values: values as MinimizedUnit['values'],
    participants: participants.map((p) => ({
      values: p as MinimizedUnit['participants'][number]['values'],
    })),
    rooms: [],
  };
}

function render(unit: MinimizedUnit, raw: Record<string, unknown> = {}): string {
  const options = csvFormat.parseOptions(raw);
  if (!options.ok) throw new Error('bad options');
  const result = csvFormat.serialize(unit, options.value, context);
  if (!result.ok) throw new Error('serialize failed');
  return result.value.map((file) => file.content).join('');
}

describe('csvFormat', () => {
  it('should write a header and one CRLF-terminated row per participant (RFC 4180)', () => {
    const csv = render(
      unitOf(
        [{ 'participant.surname': 'Durand' }, { 'participant.surname': 'Lefèvre' }],
        ['participant.surname'],
      ),
    );
    expect(csv).toBe('participant.surname\r\nDurand\r\nLefèvre\r\n');
  });

  it('should quote cells holding the delimiter, quotes, CR or LF, doubling quotes', () => {
    const csv = render(unitOf([{ a: 'x,y', b: 'say "hi"', c: 'two\nlines' }], ['a', 'b', 'c']));
    expect(csv).toBe('a,b,c\r\n"x,y","say ""hi""","two\nlines"\r\n');
  });

  it.each(['=HYPERLINK("http://evil")', '+33 6 12', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd'])(
    'should make a cell starting with a formula trigger inert: %j',
    (value) => {
      const csv = render(unitOf([{ a: value }], ['a']));
      const cell = csv.split('\r\n')[1] ?? '';
      expect(cell.replace(/^"/, '').startsWith(`'${value[0] ?? ''}`)).toBe(true);
    },
  );

  it('should keep UTF-8 names as they are', () => {
    expect(render(unitOf([{ a: 'Müller-Durand Siobhán' }], ['a']))).toContain(
      'Müller-Durand Siobhán',
    );
  });

  it('should repeat unit-level values on every row and render lists, records and flags', () => {
    const csv = render(
      unitOf(
        [
          { 'participant.assistance': ['WCHR', 'BLND'], 'participant.isMinor': true },
          { 'participant.isMinor': false },
        ],
        ['flight.departure', 'participant.assistance', 'participant.isMinor'],
        {
          'flight.departure': {
            airport: 'CDG',
            country: 'FRA',
            scheduledAt: '2027-07-01T10:30:00+02:00',
          },
        },
      ),
    );
    expect(csv).toBe(
      'flight.departure,participant.assistance,participant.isMinor\r\n' +
        '"CDG, FRA, 2027-07-01T10:30:00+02:00",WCHR; BLND,true\r\n' +
        '"CDG, FRA, 2027-07-01T10:30:00+02:00",,false\r\n',
    );
  });

  it('should use the labels and delimiter the recipient asks for', () => {
    const csv = render(unitOf([{ a: '1;2' }], ['a']), { labels: { a: 'SURNAME' }, delimiter: ';' });
    expect(csv).toBe('SURNAME\r\n"1;2"\r\n');
  });

  it('should reject unknown options', () => {
    expect(csvFormat.parseOptions({ sheet: 'x' }).ok).toBe(false);
  });
});
