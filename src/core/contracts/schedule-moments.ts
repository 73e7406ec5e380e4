import type { ScheduleMoment } from './contract.js';

/** Milliseconds of an exact ISO 8601 duration (weeks, days, hours, minutes, seconds). */
export function durationMs(duration: string): number {
  const match = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(duration);
  if (match === null) throw new RangeError('not an exact ISO 8601 duration');
  const [, w = '0', d = '0', h = '0', m = '0', s = '0'] = match;
  return (
    (((Number(w) * 7 + Number(d)) * 24 + Number(h)) * 60 + Number(m)) * 60_000 + Number(s) * 1000
  );
}

/** Where a moment falls from its event, in milliseconds: negative before, positive after. */
export function signedOffsetMs(moment: ScheduleMoment): number {
  if (moment.direction === 'at') return 0;
  const offset = durationMs(moment.offset);
  return moment.direction === 'before' ? -offset : offset;
}
