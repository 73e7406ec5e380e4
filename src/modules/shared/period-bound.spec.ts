import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { ListEmergencyRequestsQuery } from '../emergency/dto/list-emergency-requests.query.js';
import { ListDisclosuresQuery, RopaQuery } from '../register/dto/list-disclosures.query.js';
import { ListTransmissionsQuery } from '../transmissions/dto/transmission.dto.js';
import { isPeriodBound, periodBoundTime } from './period-bound.js';

/** The constraint names broken, by property. */
function broken(
  dto: new () => object,
  query: Readonly<Record<string, string | undefined>>,
): Record<string, string[]> {
  const errors = validateSync(plainToInstance(dto, query), { whitelist: true });
  return Object.fromEntries(
    errors.map((error) => [error.property, Object.keys(error.constraints ?? {})]),
  );
}

describe('a period bound', () => {
  it('should be a calendar date or an instant with a time and a zone', () => {
    expect(isPeriodBound('2027-07-01')).toBe(true);
    expect(isPeriodBound('2027-07-01T10:00:00.5+02:00')).toBe(true);
    expect(isPeriodBound('2027-02-30')).toBe(false);
    expect(isPeriodBound('2027-W01-1')).toBe(false);
    expect(isPeriodBound(20270701)).toBe(false);
  });

  it('should stand for the day from 00:00 UTC, or for the instant written', () => {
    expect(periodBoundTime('2027-07-01')).toBe(Date.parse('2027-07-01T00:00:00Z'));
    expect(periodBoundTime('2027-07-01T10:00+02:00')).toBe(Date.parse('2027-07-01T08:00:00Z'));
  });
});

describe.each([
  ['GET /v1/disclosures', ListDisclosuresQuery],
  ['GET /v1/register/ropa', RopaQuery],
  ['GET /v1/transmissions', ListTransmissionsQuery],
  ['GET /v1/emergency/requests', ListEmergencyRequestsQuery],
] as const)('the period of %s', (_route, dto) => {
  it('should refuse a `to` before `from`, by `to`', () => {
    expect(broken(dto, { from: '2027-07-02', to: '2027-07-01' })).toEqual({
      to: ['mustNotBeBeforeFrom'],
    });
    expect(broken(dto, { from: '2027-07-01T10:00Z', to: '2027-07-01T11:00+02:00' })).toEqual({
      to: ['mustNotBeBeforeFrom'],
    });
  });

  it('should take a period in order, an empty one, or either bound alone', () => {
    for (const query of [
      { from: '2027-07-01', to: '2027-07-02' },
      { from: '2027-07-01', to: '2027-07-01T00:00:00Z' },
      { from: '2027-07-01T10:00+02:00', to: '2027-07-01T08:00:00.5Z' },
      { from: '2027-07-01' },
      { to: '2020-01-01' },
    ]) {
      expect(broken(dto, query)).toEqual({});
    }
  });

  it('should name only the bound that is not one, not the order', () => {
    expect(broken(dto, { from: '2027-07-02', to: '2027-182' })).toEqual({
      to: ['mustBeADateOrAnInstantWithATime'],
    });
    expect(broken(dto, { from: 'yesterday', to: '2020-01-01' })).toEqual({
      from: ['mustBeADateOrAnInstantWithATime'],
    });
  });
});
