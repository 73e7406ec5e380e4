import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from './support/run-cli.js';
import { repoPath } from './support/shipped-catalog.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'passerelle-follow-ups-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('passerelle preview --now with an offset', () => {
  // The first participant of the New York sample, born on 10 March 2027 (00:00 of that day).
  const BORN = '2027-03-10';
  let bookings: string;
  beforeAll(async () => {
    const samples = JSON.parse(await readFile(repoPath('samples/bookings-nyc.json'), 'utf8')) as {
      participants: { dateOfBirth: string }[];
    }[];
    samples[0]!.participants[0]!.dateOfBirth = BORN;
    bookings = join(work, 'bookings-born.json');
    await writeFile(bookings, JSON.stringify(samples));
  });
  const preview = (now: string) =>
    runCliInProcess([
      'preview',
      '--trip',
      repoPath('samples/trip-nyc.json'),
      '--bookings',
      bookings,
      '--out',
      join(work, `out-${now.replace(/\W/g, '')}`),
      '--now',
      now,
    ]);
  const bornInFuture = 'bookings[0].participants[0].dateOfBirth';

  it('should take the UTC day as today, as ingest does, when the local date is the day before', async () => {
    // 23:30 on the 9th in New York is 04:30 on the 10th UTC: ingest accepts the birth date.
    const { result, err } = await preview(`2027-03-09T23:30:00-05:00`);
    expect(err).not.toContain(bornInFuture);
    expect(result).not.toEqual({ code: 2 });
  });

  it('should take the UTC day as today, as ingest does, when the local date is the day after', async () => {
    // 00:30 on the 10th in Paris is 22:30 on the 9th UTC: ingest refuses the birth date.
    const { result, err } = await preview(`${BORN}T00:30:00+02:00`);
    expect(result).toEqual({ code: 2 });
    expect(err).toContain(`${bornInFuture}: `);
  });

  it('should refuse a --now whose UTC day is outside the calendar', async () => {
    const { result, err } = await preview('9999-12-31T23:00:00-05:00');
    expect(result).toEqual({ code: 2 });
    expect(err).toBe('--now: must be an ISO 8601 instant with an offset');
  });
});
