import { describe, expect, it } from 'vitest';
import { shippedContracts } from '../../../test/support/shipped-catalog.js';
import { shippedFormatRegistry } from './format-registry.js';
import type { PaxlstOptions } from './paxlst/paxlst-format.js';
import type { SfpdSsrOptions } from './sfpd-ssr/sfpd-ssr-format.js';

/**
 * The format options of the shipped contracts, as contracts.md states them (the table "The
 * contracts Passerelle ships"): the golden files cover a handful of passengers, so a part
 * size, a byte cap or a directory changed by mistake would not show there.
 */
const { contract } = shippedContracts();
const formats = shippedFormatRegistry();

function optionsOf(id: string, type: string): unknown {
  const { format } = contract(id);
  expect(format.type).toBe(type);
  const parsed = formats.get(type)?.parseOptions(format.options);
  if (!parsed?.ok) throw new Error(`options of ${id} do not parse`);
  return parsed.value;
}

/** The CARICOM IMPACS member states whose arrivals JRCC takes (formats.md §3.2). */
const CARICOM_IMPACS = [
  'ATG',
  'BHS',
  'BRB',
  'BLZ',
  'CYM',
  'DMA',
  'GRD',
  'GUY',
  'HTI',
  'JAM',
  'MSR',
  'KNA',
  'LCA',
  'VCT',
  'SUR',
  'TTO',
  'TCA',
];

describe('shipped contracts: format options (contracts.md)', () => {
  it('should send CBP APIS as PAXLST D05B, at most 15 passengers a part, no byte cap, with the US specifics', () => {
    const options = optionsOf('us-apis', 'paxlst') as PaxlstOptions;
    expect(options).toMatchObject({
      directory: '05B',
      maxPassengersPerPart: 15,
      group: true,
      serviceCharacters: ":+.? '",
      destinationAddressCountries: ['USA'],
      clearanceCountries: ['USA'],
      documentCodeList: true,
    });
    expect(options.maxBytesPerPart).toBeUndefined();
  });

  it('should send CARICOM APIS as PAXLST D02B, at most 15 passengers a part, no byte cap, without US specifics', () => {
    const options = optionsOf('caricom-apis', 'paxlst') as PaxlstOptions;
    expect(options).toMatchObject({
      directory: '02B',
      maxPassengersPerPart: 15,
      clearanceCountries: [],
      documentCodeList: false,
    });
    expect(options.maxBytesPerPart).toBeUndefined();
    expect([...options.destinationAddressCountries].sort()).toEqual([...CARICOM_IMPACS].sort());
  });

  it('should let CARICOM take only the gender codes M and F, and CBP also U and X', () => {
    expect((optionsOf('caricom-apis', 'paxlst') as PaxlstOptions).genders).toEqual(['M', 'F']);
    expect((optionsOf('us-apis', 'paxlst') as PaxlstOptions).genders).toEqual(['M', 'F', 'U', 'X']);
  });

  it('should send Secure Flight as SSR DOCS/DOCO with the codes every AIRIMP system takes', () => {
    const options = optionsOf('secure-flight', 'sfpd-ssr') as SfpdSsrOptions;
    expect(options.genders).toEqual(['M', 'F', 'U']);
    expect(options.givenNameLayout).toBe('first-and-rest');
  });

  it.each([
    ['hotel-rooming-list', 'ota-room-list'],
    ['airline-group-list', 'csv'],
    ['insurer-enrollment', 'csv'],
    ['insurer-emergency', 'json'],
  ])('should send %s as %s', (id, type) => {
    expect(optionsOf(id, type)).toBeDefined();
  });
});
