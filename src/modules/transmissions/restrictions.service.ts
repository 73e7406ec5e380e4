import { Inject, Injectable, Logger } from '@nestjs/common';
import { sql } from 'kysely';
import type { RegisterEntryInput } from '../../core/register/register-entry.js';
import { restrictionExceptionsDetail } from '../../core/register/subject-report.js';
import type { Db } from '../../database/database.js';
import { DATABASE } from '../../database/database.module.js';
import type { ApiClient } from '../auth/api-client.js';
import { BookingsService } from '../bookings/bookings.service.js';
import type { RestrictionException } from '../bookings/bookings.repository.js';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog } from '../contracts/load-contract-catalog.js';
import { describeForLog } from '../http/error.filter.js';
import type { AppendStep } from '../register/register-appender.js';
import { RegisterService } from '../register/register.service.js';
import { PasserelleError } from '../shared/passerelle-error.js';
import { PARTICIPANT_ID } from '../shared/participant-id.js';

/** A restriction of processing in force (Art. 18). */
export interface Restriction {
  readonly participantId: string;
  readonly restrictedAt: string;
  readonly updatedAt: string;
  readonly exceptions: readonly RestrictionException[];
}

interface RestrictionRow {
  readonly participant_id: string;
  readonly exceptions: unknown;
  readonly restricted_at: Date;
  readonly updated_at: Date;
}

const restrictionOf = (row: RestrictionRow): Restriction => ({
  participantId: row.participant_id,
  restrictedAt: row.restricted_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  exceptions: row.exceptions as RestrictionException[],
});

/** The cursor of a page of restrictions: the last participant id given, base64url. */
const encodeCursor = (participantId: string): string =>
  Buffer.from(`r:${participantId}`).toString('base64url');
/**
 * A cursor as `encodeCursor` writes it, or `undefined`: a participant id, as restrictions
 * hold them. Any text after `r:` was let through: a NUL, which PostgreSQL cannot take in a
 * text, was a 500, and any other a page after it.
 */
function decodeCursor(cursor: string): string | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const participantId = text.startsWith('r:') ? text.slice(2) : '';
  return PARTICIPANT_ID.test(participantId) && encodeCursor(participantId) === cursor
    ? participantId
    : undefined;
}

/**
 * Restrictions of processing (GDPR Art. 18), as the DPO decides them: while one is in force,
 * the participant leaves every scheduled send (as their booking's cancellation would take
 * them out, for them alone) but those of the contracts it excepts, each on an Art. 18(2)
 * ground; lifting it plans them back. Putting, changing and lifting one is recorded in the
 * register (`ops-action`, `restriction-applied`, `restriction-changed`, `restriction-lifted`,
 * naming the subject, the client and the reason) in the same transaction as the change:
 * neither happens without the other. The trips holding the participant are then planned
 * again: their pending sends lose (or regain) the participant, and recipients already
 * served are resent the data without them under `resend: on-change`, or their deliveries
 * raised as outdated past the last moment. An emergency release is not held back (vital
 * interests; README, Restriction).
 *
 * By participant id, as the subject's other rights are: ids are unique within a trip only,
 * so a restriction holds for every trip with a participant of that id — more held back,
 * never less.
 */
@Injectable()
export class RestrictionsService {
  private readonly logger = new Logger('Restrictions');

  constructor(
    @Inject(DATABASE) private readonly db: Db,
    private readonly register: RegisterService,
    private readonly bookings: BookingsService,
    @Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog,
  ) {}

  async get(participantId: string): Promise<Restriction | undefined> {
    const row = await this.db
      .selectFrom('subject_restrictions')
      .selectAll()
      .where('participant_id', '=', participantId)
      .executeTakeFirst();
    return row === undefined ? undefined : restrictionOf(row);
  }

  /** The restrictions in force, by participant id; `cursor` as a previous page gave it. */
  async list(
    cursor: string | undefined,
    limit: number,
  ): Promise<{ items: Restriction[]; nextCursor: string | null }> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && after === undefined) {
      throw new PasserelleError('BAD_REQUEST', 'invalid cursor', [
        { path: 'cursor', rule: 'must be a cursor the API issued' },
      ]);
    }
    let query = this.db.selectFrom('subject_restrictions').selectAll();
    if (after !== undefined) query = query.where('participant_id', '>', after);
    const rows = await query
      .orderBy('participant_id')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(restrictionOf);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > limit && last !== undefined ? encodeCursor(last.participantId) : null,
    };
  }

  /**
   * Puts a restriction in force, or changes its exceptions; the same restriction again
   * changes nothing and records nothing (`changed: false`). Exceptions must name loaded
   * contracts with planned sends, each once. 503 when the register cannot record it, and
   * nothing changed.
   */
  async restrict(
    participantId: string,
    reason: string,
    exceptions: readonly RestrictionException[],
    client: ApiClient,
  ): Promise<{ restriction: Restriction; changed: boolean }> {
    this.checkExceptions(exceptions);
    const now = new Date();
    // One order, so that the same exceptions written in another order are the same.
    const sorted = [...exceptions]
      .map(({ contractId, ground }) => ({ contractId, ground }))
      .sort((a, b) => (a.contractId < b.contractId ? -1 : 1));
    const written = await this.recorded(async (trx) => {
      const { rows } = await sql<RestrictionRow & { inserted: boolean }>`
        INSERT INTO subject_restrictions AS r (participant_id, exceptions, restricted_at, updated_at)
        VALUES (${participantId}, ${JSON.stringify(sorted)}::jsonb, ${now}, ${now})
        ON CONFLICT (participant_id) DO UPDATE
          SET exceptions = EXCLUDED.exceptions, updated_at = EXCLUDED.updated_at
          WHERE r.exceptions IS DISTINCT FROM EXCLUDED.exceptions
        RETURNING r.*, (xmax = 0) AS inserted`.execute(trx);
      const row = rows[0];
      if (row === undefined) {
        // The same restriction is in force. The upsert locked its row all the same (as
        // PostgreSQL does when the WHERE of DO UPDATE is false), so it is read here as it
        // stands: read after the commit, a lifting committed in between left nothing to answer.
        const current = await trx
          .selectFrom('subject_restrictions')
          .selectAll()
          .where('participant_id', '=', participantId)
          .executeTakeFirstOrThrow();
        return { inputs: [], result: { restriction: restrictionOf(current), changed: false } };
      }
      const action = row.inserted ? 'restriction-applied' : 'restriction-changed';
      return {
        inputs: [this.entry(participantId, action, reason, client, sorted)],
        result: { restriction: restrictionOf(row), changed: true },
      };
    });
    if (written.changed) await this.replan(participantId, 'restriction put');
    return written;
  }

  /** Lifts the restriction in force: false when there is none. */
  async lift(participantId: string, reason: string, client: ApiClient): Promise<boolean> {
    const lifted = await this.recorded(async (trx) => {
      const row = await trx
        .deleteFrom('subject_restrictions')
        .where('participant_id', '=', participantId)
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) return { inputs: [], result: false };
      const { exceptions } = restrictionOf(row);
      return {
        inputs: [this.entry(participantId, 'restriction-lifted', reason, client, exceptions)],
        result: true,
      };
    });
    if (!lifted) return false;
    await this.replan(participantId, 'restriction lifted');
    return true;
  }

  /** The change and its register entry, in one transaction; 503 when it cannot be recorded. */
  private async recorded<T>(step: AppendStep<T>): Promise<T> {
    try {
      return (await this.register.appendAfter(step)).result;
    } catch {
      throw new PasserelleError(
        'REGISTER_UNAVAILABLE',
        'the register cannot record this restriction; nothing was changed',
      );
    }
  }

  private entry(
    participantId: string,
    action: 'restriction-applied' | 'restriction-changed' | 'restriction-lifted',
    reason: string,
    client: ApiClient,
    exceptions: readonly RestrictionException[],
  ): RegisterEntryInput {
    return {
      event: 'ops-action',
      subjects: [participantId],
      fields: [],
      categories: [],
      withheld: [],
      actor: { kind: 'client', id: client.id },
      reason,
      detail: { action, role: client.role, exceptions: restrictionExceptionsDetail(exceptions) },
    };
  }

  private checkExceptions(exceptions: readonly RestrictionException[]): void {
    const seen = new Set<string>();
    const details = exceptions.flatMap((exception, index) => {
      const path = `exceptions[${index}].contractId`;
      const loaded = this.catalog.contracts.get(exception.contractId);
      if (loaded === undefined) return [{ path, rule: 'must name a loaded contract' }];
      // An on-demand contract (an emergency release) is never held back (vital interests):
      // excepting it would record an Art. 18(2) ground for nothing.
      if (loaded.contract.schedule.kind !== 'planned')
        return [{ path, rule: 'must name a contract with planned sends' }];
      if (seen.has(exception.contractId)) return [{ path, rule: 'must not repeat a contract' }];
      seen.add(exception.contractId);
      return [];
    });
    if (details.length > 0) {
      throw new PasserelleError('BAD_REQUEST', 'invalid restriction exceptions', details);
    }
  }

  /**
   * The trips holding the participant, planned again. The change is committed and recorded
   * by then: a failure here is logged, and the next change of those trips (or the plan at a
   * worker's start) plans them with it.
   */
  private async replan(participantId: string, what: string): Promise<void> {
    // The lines name no participant: an id names a subject, and that the subject asked for a
    // restriction is theirs to know (the register holds it), not the logs' readers'.
    try {
      const tripIds = await this.bookings.participantChanged(participantId);
      this.logger.log({ msg: what, trips: tripIds.length });
    } catch (error) {
      this.logger.error({
        msg: `${what}: its trips could not be planned again`,
        ...describeForLog(error),
      });
    }
  }
}
