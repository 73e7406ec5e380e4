import type { RegisterEntry, RegisterEntryInput } from '../../core/register/register-entry.js';
import type { ApiClient } from '../auth/api-client.js';
import { PasserelleError } from '../shared/passerelle-error.js';
import { ChainVerifier, chooseChainStart } from '../../core/register/verify-chain.js';
import type {
  AppendShortcut,
  AppendStep,
  Companion,
  RegisterAppender,
} from './register-appender.js';
import type { EntryFilters, RegisterAnchor, RegisterRepository } from './register.repository.js';

export interface VerifyResult {
  readonly intact: boolean;
  /** Entries verified (after any retention cut). */
  readonly count: number;
  /** The published head: what the chain must end at. */
  readonly headHash: string;
  readonly headSeq: number;
  /** The first entry that does not verify, or null. */
  readonly firstBad: string | null;
  /** In words, each problem found (a broken entry, missing newest entries, an anchor not matched). */
  readonly problems: readonly string[];
  /** Where verification started: 0, or the last entry retention dropped. */
  readonly startSeq: number;
  readonly anchorsChecked: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

const BATCH = 5000;

/** Cursors are opaque to clients: the sequence number below which the next page starts. */
export const encodeCursor = (seq: number): string => Buffer.from(`s:${seq}`).toString('base64url');
export function decodeCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^s:(\d{1,15})$/.exec(text);
  return match === null ? undefined : Number(match[1]);
}

/**
 * The register's use cases: append (through the group-committing appender), read with
 * filters and stable cursors, verify the chain against its head and anchors, publish
 * anchors, and drop whole expired segments.
 */
export class RegisterService {
  constructor(
    readonly repository: RegisterRepository,
    readonly appender: RegisterAppender,
  ) {}

  append(input: RegisterEntryInput): Promise<RegisterEntry> {
    return this.appender.append(input);
  }

  /** Appends an entry and, in the same transaction, a companion row (see `Companion`). */
  appendWith(input: RegisterEntryInput, companion: Companion): Promise<RegisterEntry> {
    return this.appender.appendWith(input, companion);
  }

  /**
   * Records a read of the register through the API (`ops-action`, the client, what was read
   * and whom it names) before anything is shown: fail closed, 503 if it cannot be written.
   */
  async recordRead(
    client: ApiClient,
    what: string,
    subjects: readonly string[],
    detail: Readonly<Record<string, string | number>>,
  ): Promise<void> {
    try {
      await this.append({
        event: 'ops-action',
        subjects,
        fields: [],
        categories: [],
        withheld: [],
        actor: { kind: 'client', id: client.id },
        reason: `register read: ${what}`,
        detail: { ...detail, role: client.role },
      });
    } catch {
      throw new PasserelleError(
        'REGISTER_UNAVAILABLE',
        'the register cannot record this read; nothing is shown',
      );
    }
  }

  appendAll(inputs: readonly RegisterEntryInput[]): Promise<RegisterEntry[]> {
    return this.appender.appendAll(inputs);
  }

  /**
   * `step`'s changes and the entries it returns, committed together (RegisterAppender);
   * `shortcut`, the same in the append's own statement when nothing gets in its way.
   */
  appendAfter<T>(
    step: AppendStep<T>,
    expected?: number,
    shortcut?: AppendShortcut<T>,
  ): Promise<{ entries: RegisterEntry[]; result: T }> {
    return this.appender.appendAfter(step, expected, shortcut);
  }

  /**
   * A page of entries, newest first. The cursor is a sequence number, so following it never
   * repeats or skips an entry, even while new ones are appended (they come after the first page).
   */
  async list(
    filters: EntryFilters,
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<RegisterEntry>> {
    const before = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && before === undefined) throw new RangeError('cursor');
    const rows = await this.repository.list(filters, before, limit + 1);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.seq) : null,
    };
  }

  byId(id: string): Promise<RegisterEntry | undefined> {
    return this.repository.byId(id);
  }

  /** Every entry naming the subject, oldest first. */
  async aboutSubject(subjectId: string): Promise<RegisterEntry[]> {
    const entries: RegisterEntry[] = [];
    let before: number | undefined;
    for (;;) {
      const rows = await this.repository.list({ subjectId }, before, BATCH);
      entries.push(...rows);
      const last = rows[rows.length - 1];
      if (rows.length < BATCH || last === undefined) break;
      before = last.seq;
    }
    return entries.reverse();
  }

  /**
   * Recomputes the chain, in batches, from where the rows present start (the genesis, or the
   * retention cut just before the first row: `chooseChainStart`), and checks that it ends at
   * the head and passes through every anchor. Every row is accounted for: all are read, in
   * chain order, with no lower bound (a forged seq 0, a second row with a seq already used
   * do not verify), rows beyond the head and a row count other than the chain's are
   * problems. It reads one snapshot: an append committed meanwhile is not a break.
   * `signal`: aborted, the verification ends before its next batch, rejected with its reason
   * (a process stopping does not wait for a whole register to be read).
   */
  verify(signal?: AbortSignal): Promise<VerifyResult> {
    return this.repository.snapshot(async (trx) => {
      const head = await this.repository.readHead(trx);
      const anchors = await this.repository.anchors(trx);
      const cuts = anchors.filter((anchor) => anchor.kind === 'retention');
      const wanted = new Set(anchors.map((anchor) => anchor.seq));
      const seen = new Map<number, string>();
      await this.repository.openChain(trx);
      let batch = await this.repository.nextInChain(trx, BATCH);
      const start = chooseChainStart(batch[0]?.seq, cuts);
      const verifier = new ChainVerifier(start);
      while (batch.length > 0) {
        for (const entry of batch)
          if (wanted.has(entry.seq) && !seen.has(entry.seq)) seen.set(entry.seq, entry.hash);
        if (!verifier.feed(batch) || batch.length < BATCH) break;
        signal?.throwIfAborted();
        batch = await this.repository.nextInChain(trx, BATCH);
      }
      const result = verifier.result();
      const tally = await this.repository.tally(head.seq, trx);
      const problems: string[] = [];
      if (result.firstBad !== undefined) {
        problems.push(
          `entry ${result.firstBad.id} (seq ${result.firstBad.seq}) does not verify: ${result.firstBad.problem}` +
            (result.firstBad.rule === undefined ? '' : ` (${result.firstBad.rule})`),
        );
      } else if (result.lastSeq !== head.seq || result.headHash !== head.hash) {
        problems.push(
          `the chain ends at seq ${result.lastSeq} but the head says seq ${head.seq}: entries are missing or were altered`,
        );
      }
      if (tally.beyondHead > 0)
        problems.push(`${tally.beyondHead} row(s) lie beyond the head (seq > ${head.seq})`);
      if (result.firstBad === undefined && tally.rows !== result.count)
        problems.push(
          `the register holds ${tally.rows} row(s) but the chain accounts for ${result.count}`,
        );
      // Appends move the head's seq and count together: they differ only if it was edited.
      if (head.count !== head.seq)
        problems.push(`the head counts ${head.count} entries but names seq ${head.seq}`);
      let anchorsChecked = 0;
      for (const anchor of anchors) {
        // Before the start, the entry was dropped: nothing left to compare the anchor with.
        if (anchor.seq < start.seq) continue;
        anchorsChecked += 1;
        const named = `the ${anchor.kind === 'daily' ? '' : 'retention '}anchor of ${anchor.anchoredAt}`;
        if (anchor.seq > head.seq) {
          problems.push(`${named} names seq ${anchor.seq}, beyond the head`);
        } else if (anchor.seq === start.seq) {
          if (anchor.hash !== start.hash)
            problems.push(`${named} does not match where the chain starts, seq ${start.seq}`);
        } else if (
          seen.has(anchor.seq)
            ? seen.get(anchor.seq) !== anchor.hash
            : result.firstBad === undefined
        ) {
          problems.push(`${named} does not match entry seq ${anchor.seq}`);
        }
      }
      return {
        intact: problems.length === 0,
        count: result.count,
        headHash: head.hash,
        headSeq: head.seq,
        firstBad: result.firstBad?.id ?? null,
        problems,
        startSeq: start.seq,
        anchorsChecked,
      };
    });
  }

  /** Publishes the head as a daily anchor (skipped when the head has not moved since the last). */
  async anchor(now: Date): Promise<RegisterAnchor | undefined> {
    const head = await this.repository.readHead();
    const anchors = await this.repository.anchors();
    const last = anchors.filter((anchor) => anchor.kind === 'daily').pop();
    if (head.seq === 0 || last?.seq === head.seq) return undefined;
    const anchor: RegisterAnchor = {
      kind: 'daily',
      anchoredAt: now.toISOString(),
      seq: head.seq,
      hash: head.hash,
      count: head.count,
    };
    await this.repository.insertAnchor(anchor);
    return anchor;
  }

  /**
   * Drops every month segment that ended before `now − keep`, recording the last entry
   * dropped as a retention anchor from which the rest of the chain verifies.
   */
  /**
   * Creates next month's segment ahead of its first entry, so that no append has to (creating
   * one locks the whole register, and waits for every read of it — a long verification —
   * while every append waits behind). Gives up after a second; the next daily run tries again,
   * and the month's first append creates it otherwise.
   */
  async prepareNextSegment(now: Date): Promise<void> {
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    await this.repository.ensurePartition(next, { lockTimeoutMs: 1000 });
  }

  async applyRetention(
    now: Date,
    keep: { readonly years: number; readonly months?: number; readonly days?: number },
  ): Promise<{ readonly dropped: readonly string[] }> {
    const cutoff = new Date(now);
    cutoff.setUTCFullYear(cutoff.getUTCFullYear() - keep.years);
    cutoff.setUTCMonth(cutoff.getUTCMonth() - (keep.months ?? 0));
    cutoff.setUTCDate(cutoff.getUTCDate() - (keep.days ?? 0));
    const expired = (await this.repository.segments()).filter(
      (segment) => segment.end.getTime() <= cutoff.getTime(),
    );
    const lastExpired = expired[expired.length - 1];
    if (lastExpired === undefined) return { dropped: [] };
    const lastEntry = await this.repository.lastBefore(lastExpired.end);
    const head = await this.repository.readHead();
    // Empty segments hold no entry: the last cut, if any, still says where the chain starts.
    const cut: RegisterAnchor | undefined =
      lastEntry === undefined
        ? undefined
        : {
            kind: 'retention',
            anchoredAt: now.toISOString(),
            seq: lastEntry.seq,
            hash: lastEntry.hash,
            count: head.count,
          };
    await this.repository.dropSegments(
      expired.map((segment) => segment.name),
      cut,
    );
    return { dropped: expired.map((segment) => segment.name) };
  }
}
