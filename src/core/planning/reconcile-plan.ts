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

/**
 * Why a transmission was cancelled, as its row says it. The plan revives those whose unit
 * was gone, or whose contract no longer called for them (removed, its moment taken out of
 * its schedule, or a resend once it resends no more), when the send is called for again.
 */
export const CANCEL_REASONS = {
  'unit-gone': 'its unit no longer exists',
  'not-in-contract': 'its contract no longer calls for it',
  unchanged: 'the data is what was already delivered',
} as const;
export type CancelReason = keyof typeof CANCEL_REASONS;

/** A cancellation's reason read back from its row's text (undefined: another reason). */
export function cancelReasonOf(text: string | null): CancelReason | undefined {
  if (text === CANCEL_REASONS['unit-gone']) return 'unit-gone';
  if (text === CANCEL_REASONS['not-in-contract']) return 'not-in-contract';
  if (text === CANCEL_REASONS.unchanged) return 'unchanged';
  return undefined;
}

/** A transmission as the plan knows it. */
export interface TransmissionState {
  readonly id: string;
  readonly contractId: string;
  readonly contractVersion: number;
  readonly unitKey: string;
  /** The recipient it is planned for (a contract's new version may name another). */
  readonly recipientId: string;
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
  /** Why it was cancelled, when it was. */
  readonly cancelReason?: CancelReason;
  /** Made due by an operator's send-now: it stays due whatever its schedule says. */
  readonly sentNow?: boolean;
  /**
   * Delivered, and its recipient holds data since changed that will not be sent again: the
   * digest of the data as it is now (the plan raises each new one once; see `outdated`).
   */
  readonly outdatedDigest?: string;
}

/**
 * Why a recipient keeps data since changed (Art. 19: a rectification or erasure must be
 * communicated to it): its contract's last moment for the unit has passed, or the contract
 * never resends.
 */
export type OutdatedReason = 'past-last-moment' | 'resend-never';

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
      /** Only when the recipient changed (a contract's new version names another). */
      readonly recipientId?: string;
    }
  | {
      /**
       * A send planned again, from the state it is in (`from`): failed, and its data changed
       * since (fixed, say); cancelled because its unit was gone, and the unit is back (a
       * booking confirmed again, a trip scheduled again); missed, and its last moment moved
       * later (a delayed flight); queued, and its due time moved later (it waits for it again).
       * Cancelled because its contract no longer called for it, and it calls for it again.
       */
      readonly type: 'replan';
      readonly from: 'failed' | 'cancelled' | 'missed' | 'queued';
      /** Cancelled: why it was (what makes it come back). */
      readonly cancelled?: 'unit-gone' | 'not-in-contract';
      readonly id: string;
      readonly dueAt: string;
      readonly deadline: string;
      readonly digest: string;
      readonly contractVersion: number;
      /** Only when the recipient changed (a contract's new version names another). */
      readonly recipientId?: string;
    }
  | { readonly type: 'cancel'; readonly id: string; readonly reason: CancelReason }
  | {
      /**
       * The unit's last delivery is now outdated at its recipient and nothing will send the
       * new data (`digest`: the data as it is now, `reason`: why not) — or, `digest` null, is
       * no longer (the data came back to what was delivered, or a send is coming again).
       */
      readonly type: 'outdated';
      readonly id: string;
      readonly contractId: string;
      readonly recipientId: string;
      readonly digest: string | null;
      readonly reason?: OutdatedReason;
    };

const groupKey = (contractId: string, unitKey: string): string => `${contractId}\u0000${unitKey}`;

/**
 * What a send already in the plan must do to follow what the contract now calls for:
 * - pending, it moves with its unit (a moved flight moves it; new data, a new digest);
 * - queued, it takes its new last moment (a flight moved earlier must not be sent late) and
 *   goes back to waiting if its due time moved into the future — unless an operator's
 *   send-now made it due: that one stays due, pending or queued; being sent, it takes the
 *   new digest (so that its delivery is followed by the resend the new data calls for);
 * - failed, missed or cancelled because its unit was gone, it is planned again when it can
 *   still be sent: its data changed (failed), its last moment is ahead again (missed), its
 *   unit is back (cancelled).
 */
function followSend(
  row: TransmissionState,
  send: PlannedSend,
  now: number,
  nowIso: string,
): PlanChange | undefined {
  const recipientChanged = row.recipientId !== send.recipientId;
  const target = {
    id: row.id,
    deadline: send.deadline,
    digest: send.digest,
    contractVersion: send.contractVersion,
    // A contract's new version may name another recipient: the row says whom it goes to
    // (operations, alerts, an HTTPS endpoint's `{recipientId}`).
    ...(recipientChanged ? { recipientId: send.recipientId } : {}),
  };
  // Due already, and due still: it keeps its due time. (A send at booking confirmation is due
  // at the moment it is planned, a new moment at every re-planning: moving it each time would
  // only churn rows the dispatcher may be claiming.)
  // Made due by an operator's send-now, it stays due: the operator asked for it now — even
  // a moment after this plan's `now` (a send-now made while the plan was computed).
  const keptDue = row.sentNow === true;
  const dueStill = keptDue || (Date.parse(row.dueAt) <= now && Date.parse(send.dueAt) <= now);
  const newDue = dueStill ? row.dueAt : send.dueAt;
  const differs =
    row.dueAt !== newDue ||
    row.deadline !== send.deadline ||
    row.digest !== send.digest ||
    row.contractVersion !== send.contractVersion ||
    recipientChanged;
  const ahead = Date.parse(send.deadline) > now;
  const dueAt = Date.parse(send.dueAt) > now ? send.dueAt : nowIso;
  switch (row.status) {
    case 'planned':
    case 'held':
      return differs ? { type: 'update', ...target, dueAt: newDue } : undefined;
    case 'queued':
      if (!keptDue && Date.parse(send.dueAt) > now && row.dueAt !== send.dueAt) {
        return { type: 'replan', from: 'queued', ...target, dueAt: send.dueAt };
      }
      return differs ? { type: 'update', ...target, dueAt: row.dueAt } : undefined;
    case 'sending':
      return differs ? { type: 'update', ...target, dueAt: row.dueAt } : undefined;
    case 'failed':
      return row.digest !== send.digest && ahead
        ? { type: 'replan', from: 'failed', ...target, dueAt }
        : undefined;
    case 'missed':
      return ahead ? { type: 'replan', from: 'missed', ...target, dueAt } : undefined;
    case 'cancelled':
      return (row.cancelReason === 'unit-gone' || row.cancelReason === 'not-in-contract') && ahead
        ? { type: 'replan', from: 'cancelled', cancelled: row.cancelReason, ...target, dueAt }
        : undefined;
    case 'delivered':
      return undefined;
  }
}

/**
 * The change of the unit's last delivery's outdated mark: set to the data as it is now when
 * `reason` says the recipient keeps the data of before, cleared otherwise; none when the mark
 * already says so (each new state of the data is raised once).
 */
function outdatedChange(
  delivered: TransmissionState,
  send: PlannedSend,
  reason: OutdatedReason | undefined,
): PlanChange | undefined {
  const wanted = reason === undefined ? null : send.digest;
  if ((delivered.outdatedDigest ?? null) === wanted) return undefined;
  return {
    type: 'outdated',
    id: delivered.id,
    contractId: delivered.contractId,
    recipientId: delivered.recipientId,
    digest: wanted,
    ...(reason === undefined ? {} : { reason }),
  };
}

/**
 * What must change in the stored plan of a trip so that it matches what the contracts now
 * call for:
 * - a send not yet planned is inserted (as `missed` if its last moment has already passed);
 * - a send already planned follows it (`followSend`): moved, given its new last moment or
 *   digest, or planned again (failed and fixed since, missed and its moment ahead again,
 *   cancelled and its unit back);
 * - an open send whose unit is gone (trip, flight or last participant cancelled) is cancelled;
 * - after a delivery, a change of the data plans a resend — only when nothing else is still
 *   to go for that unit, and only before the last moment; a resend whose data came back to
 *   what was delivered is cancelled: an unchanged payload is never disclosed twice; an open
 *   resend takes the new last moment and digest, as a scheduled send does;
 * - what the contracts no longer call for (a contract removed or made on-demand, a moment
 *   taken out of a schedule, a resend once the contract resends no more) is cancelled as
 *   such, not as a unit gone: the unit is still there;
 * - a unit's last delivery whose data changed when nothing can send it any more (past the
 *   last moment, or a contract that never resends) is marked outdated (`outdated`), so that
 *   the recipient is raised to operations and the DPO (Art. 19) — once per new state of the
 *   data — and unmarked when the data comes back to what was delivered.
 *
 * `resendOnChange` names every contract that plans sends (whether a change of the data is
 * sent again): a contract it does not name plans nothing any more.
 */
export function reconcilePlan(
  existing: readonly TransmissionState[],
  planned: readonly PlannedSend[],
  resendOnChange: ReadonlyMap<string, boolean>,
  now: number,
): PlanChange[] {
  const changes: PlanChange[] = [];
  const nowIso = new Date(now).toISOString();
  // Grouped by pushing into each group's list: a copy of the list per item was quadratic in
  // the sends of a unit.
  const plannedGroups = new Map<string, PlannedSend[]>();
  for (const send of planned) {
    const key = groupKey(send.contractId, send.unit.key);
    const group = plannedGroups.get(key);
    if (group === undefined) plannedGroups.set(key, [send]);
    else group.push(send);
  }
  const existingGroups = new Map<string, TransmissionState[]>();
  for (const state of existing) {
    const key = groupKey(state.contractId, state.unitKey);
    const group = existingGroups.get(key);
    if (group === undefined) existingGroups.set(key, [state]);
    else group.push(state);
  }

  for (const [key, sends] of plannedGroups) {
    const rows = existingGroups.get(key) ?? [];
    // Where this unit's changes start: what follows asks about them only. Searching every
    // change made so far, for every unit, was quadratic in the units of a trip (a contract
    // per booking or per participant has hundreds).
    const groupStart = changes.length;
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
      } else {
        const change = followSend(row, send, now, nowIso);
        if (change !== undefined) changes.push(change);
      }
    }
    const first = sends[0];
    if (first === undefined) continue;
    const delivered = rows
      .filter((r) => r.status === 'delivered' && r.deliveredDigest !== undefined)
      .sort((a, b) => (a.deliveredAt ?? '').localeCompare(b.deliveredAt ?? ''))
      .pop();
    const groupChanges = changes.slice(groupStart);
    const replanned = new Set(groupChanges.flatMap((c) => (c.type === 'replan' ? [c.id] : [])));
    const stillToGo =
      rows.some((r) => r.kind === 'scheduled' && (OPEN.has(r.status) || replanned.has(r.id))) ||
      groupChanges.some((c) => c.type === 'insert' && c.status === 'planned');
    if (resendOnChange.get(first.contractId) !== true) {
      // Planned while the contract resent on change: its version now says never.
      for (const r of rows)
        if (r.kind === 'resend' && OPEN.has(r.status) && r.status !== 'sending')
          changes.push({ type: 'cancel', id: r.id, reason: 'not-in-contract' });
      if (delivered !== undefined) {
        // A resend still being sent (planned before) may carry the new data: judged after it.
        const sending = rows.some((r) => r.kind === 'resend' && r.status === 'sending');
        const stale = !stillToGo && !sending && first.digest !== delivered.deliveredDigest;
        const change = outdatedChange(delivered, first, stale ? 'resend-never' : undefined);
        if (change !== undefined) changes.push(change);
      }
      continue;
    }
    if (delivered === undefined) continue;
    const openResends = rows.filter((r) => r.kind === 'resend' && OPEN.has(r.status));
    const unchanged = first.digest === delivered.deliveredDigest;
    // Changed, nothing left to send it, and too late for a resend: the recipient keeps the
    // data of before. Raised (Art. 19), once for each new state of the data.
    const stale =
      !unchanged && !stillToGo && openResends.length === 0 && Date.parse(first.deadline) <= now;
    const outdated = outdatedChange(delivered, first, stale ? 'past-last-moment' : undefined);
    if (outdated !== undefined) changes.push(outdated);
    if (unchanged) {
      for (const resend of openResends)
        if (PENDING.has(resend.status))
          changes.push({ type: 'cancel', id: resend.id, reason: 'unchanged' });
    } else if (!stillToGo && Date.parse(first.deadline) > now && openResends.length === 0) {
      const resends = rows.filter((r) => r.kind === 'resend');
      const last = resends.reduce<TransmissionState | undefined>(
        (latest, r) => (latest === undefined || r.moment > latest.moment ? r : latest),
        undefined,
      );
      // The last resend failed, missed, or cancelled because its unit was gone (or its
      // contract resent no more) follows its unit as a scheduled send does, rather than
      // another resend taking its place: failed, it goes again only once the data changed
      // (another resend of the data it failed with would fail again, and be raised again, at
      // every re-planning); held by an operator, it is held again.
      const follows =
        last !== undefined &&
        (last.status === 'failed' ||
          last.status === 'missed' ||
          (last.status === 'cancelled' &&
            (last.cancelReason === 'unit-gone' || last.cancelReason === 'not-in-contract')));
      // A moment after the delivery failed with the data as it is now: not sent again either.
      const failedAsNow = rows.some(
        (r) => r.kind === 'scheduled' && r.status === 'failed' && r.digest === first.digest,
      );
      if (follows) {
        const change = followSend(
          last,
          { ...first, moment: last.moment, dueAt: nowIso },
          now,
          nowIso,
        );
        if (change !== undefined) changes.push(change);
      } else if (!failedAsNow) {
        changes.push({
          type: 'insert',
          send: { ...first, moment: resends.length, dueAt: nowIso },
          kind: 'resend',
          dueAt: nowIso,
          status: 'planned',
        });
      }
    }
    // An open resend follows its unit as a scheduled send does, at its due time: the new last
    // moment (a flight moved earlier: held or queued, it must not leave late) and, whatever
    // its state, the new digest (being sent, its delivery of the data of before is then
    // followed by the resend the new data calls for).
    for (const resend of openResends) {
      if (unchanged && PENDING.has(resend.status)) continue;
      if (
        resend.deadline !== first.deadline ||
        resend.digest !== first.digest ||
        resend.contractVersion !== first.contractVersion ||
        resend.recipientId !== first.recipientId
      ) {
        changes.push({
          type: 'update',
          id: resend.id,
          dueAt: resend.dueAt,
          deadline: first.deadline,
          digest: first.digest,
          contractVersion: first.contractVersion,
          ...(resend.recipientId === first.recipientId ? {} : { recipientId: first.recipientId }),
        });
      }
    }
  }

  for (const [key, rows] of existingGroups) {
    const sends = plannedGroups.get(key);
    for (const row of rows) {
      if (!OPEN.has(row.status) || row.status === 'sending') continue;
      // The contract removed (or on demand now), or the unit there but this moment taken
      // out of the schedule: the contract no longer calls for it. Otherwise its unit is gone.
      const contractGone = !resendOnChange.has(row.contractId);
      const momentGone =
        sends !== undefined &&
        row.kind === 'scheduled' &&
        !sends.some((s) => s.moment === row.moment);
      if (contractGone || momentGone)
        changes.push({ type: 'cancel', id: row.id, reason: 'not-in-contract' });
      else if (sends === undefined)
        changes.push({ type: 'cancel', id: row.id, reason: 'unit-gone' });
    }
  }
  return changes;
}
