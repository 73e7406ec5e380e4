import type { PlannedSend } from './plan-trip.js';

export type TransmissionStatus =
  'planned' | 'queued' | 'sending' | 'delivered' | 'failed' | 'missed' | 'cancelled' | 'held';
export const TRANSMISSION_STATUSES: readonly TransmissionStatus[] = [
  'planned',
  'queued',
  'sending',
  'delivered',
  'failed',
  'missed',
  'cancelled',
  'held',
];

/** Waiting for their time (or an operator): the plan may still move or cancel them. */
export const PENDING: ReadonlySet<TransmissionStatus> = new Set(['planned', 'held']);
/** Not finished: pending, or in the queue, or being sent. */
export const OPEN: ReadonlySet<TransmissionStatus> = new Set([
  'planned',
  'held',
  'queued',
  'sending',
]);

/** A transmission as the plan knows it. */
export interface TransmissionState {
  readonly id: string;
  readonly contractId: string;
  readonly contractVersion: number;
  readonly unitKey: string;
  readonly kind: 'scheduled' | 'resend';
  readonly moment: number;
  readonly dueAt: string;
  readonly deadline: string;
  readonly status: TransmissionStatus;
  /** The digest the plan last computed for it. */
  readonly digest: string;
  /** The digest actually delivered, once delivered. */
  readonly deliveredDigest?: string;
  readonly deliveredAt?: string;
}

export type PlanChange =
  | {
      readonly type: 'insert';
      readonly send: PlannedSend;
      readonly kind: 'scheduled' | 'resend';
      readonly dueAt: string;
      readonly status: 'planned' | 'missed';
    }
  | {
      readonly type: 'update';
      readonly id: string;
      readonly dueAt: string;
      readonly deadline: string;
      readonly digest: string;
      readonly contractVersion: number;
    }
  | {
      /** A failed send whose data changed since (fixed, say): it is planned again. */
      readonly type: 'retry';
      readonly id: string;
      readonly dueAt: string;
      readonly deadline: string;
      readonly digest: string;
      readonly contractVersion: number;
    }
  | { readonly type: 'cancel'; readonly id: string; readonly reason: 'unit-gone' | 'unchanged' };

const groupKey = (contractId: string, unitKey: string): string => `${contractId}\u0000${unitKey}`;

/**
 * What must change in the stored plan of a trip so that it matches what the contracts now
 * call for:
 * - a send not yet planned is inserted (as `missed` if its last moment has already passed);
 * - a pending send follows its unit (a moved flight moves it; new data, a new digest);
 * - a failed send whose data changed since (a missing passport supplied) is planned again;
 * - an open send whose unit is gone (trip, flight or last participant cancelled) is cancelled;
 * - after a delivery, a change of the data plans a resend — only when nothing else is still
 *   to go for that unit, and only before the last moment; a resend whose data came back to
 *   what was delivered is cancelled: an unchanged payload is never disclosed twice.
 */
export function reconcilePlan(
  existing: readonly TransmissionState[],
  planned: readonly PlannedSend[],
  resendOnChange: ReadonlyMap<string, boolean>,
  now: number,
): PlanChange[] {
  const changes: PlanChange[] = [];
  const nowIso = new Date(now).toISOString();
  const plannedGroups = new Map<string, PlannedSend[]>();
  for (const send of planned) {
    const key = groupKey(send.contractId, send.unit.key);
    plannedGroups.set(key, [...(plannedGroups.get(key) ?? []), send]);
  }
  const existingGroups = new Map<string, TransmissionState[]>();
  for (const state of existing) {
    const key = groupKey(state.contractId, state.unitKey);
    existingGroups.set(key, [...(existingGroups.get(key) ?? []), state]);
  }

  for (const [key, sends] of plannedGroups) {
    const rows = existingGroups.get(key) ?? [];
    for (const send of sends) {
      const row = rows.find((r) => r.kind === 'scheduled' && r.moment === send.moment);
      if (row === undefined) {
        const missed = Date.parse(send.deadline) < now;
        changes.push({
          type: 'insert',
          send,
          kind: 'scheduled',
          dueAt: send.dueAt,
          status: missed ? 'missed' : 'planned',
        });
      } else if (
        PENDING.has(row.status) &&
        (row.dueAt !== send.dueAt ||
          row.deadline !== send.deadline ||
          row.digest !== send.digest ||
          row.contractVersion !== send.contractVersion)
      ) {
        changes.push({
          type: 'update',
          id: row.id,
          dueAt: send.dueAt,
          deadline: send.deadline,
          digest: send.digest,
          contractVersion: send.contractVersion,
        });
      } else if (
        row.status === 'failed' &&
        row.digest !== send.digest &&
        Date.parse(send.deadline) > now
      ) {
        changes.push({
          type: 'retry',
          id: row.id,
          dueAt: Date.parse(send.dueAt) > now ? send.dueAt : nowIso,
          deadline: send.deadline,
          digest: send.digest,
          contractVersion: send.contractVersion,
        });
      }
    }
    const first = sends[0];
    if (first === undefined || resendOnChange.get(first.contractId) !== true) continue;
    const delivered = rows
      .filter((r) => r.status === 'delivered' && r.deliveredDigest !== undefined)
      .sort((a, b) => (a.deliveredAt ?? '').localeCompare(b.deliveredAt ?? ''))
      .pop();
    if (delivered === undefined) continue;
    const stillToGo =
      rows.some((r) => OPEN.has(r.status) && r.kind === 'scheduled') ||
      changes.some(
        (c) =>
          c.type === 'insert' &&
          groupKey(c.send.contractId, c.send.unit.key) === key &&
          c.status === 'planned',
      );
    const pendingResends = rows.filter((r) => r.kind === 'resend' && PENDING.has(r.status));
    if (first.digest === delivered.deliveredDigest) {
      for (const resend of pendingResends)
        changes.push({ type: 'cancel', id: resend.id, reason: 'unchanged' });
    } else if (!stillToGo && Date.parse(first.deadline) > now) {
      const openResend = rows.find((r) => r.kind === 'resend' && OPEN.has(r.status));
      if (openResend === undefined) {
        const moment = rows.filter((r) => r.kind === 'resend').length;
        changes.push({
          type: 'insert',
          send: { ...first, moment, dueAt: nowIso },
          kind: 'resend',
          dueAt: nowIso,
          status: 'planned',
        });
      } else if (PENDING.has(openResend.status) && openResend.digest !== first.digest) {
        changes.push({
          type: 'update',
          id: openResend.id,
          dueAt: openResend.dueAt,
          deadline: first.deadline,
          digest: first.digest,
          contractVersion: first.contractVersion,
        });
      }
    }
  }

  for (const [key, rows] of existingGroups) {
    const sends = plannedGroups.get(key);
    for (const row of rows) {
      if (!OPEN.has(row.status) || row.status === 'sending') continue;
      const gone =
        sends === undefined ||
        (row.kind === 'scheduled' && !sends.some((s) => s.moment === row.moment));
      if (gone) changes.push({ type: 'cancel', id: row.id, reason: 'unit-gone' });
    }
  }
  return changes;
}
