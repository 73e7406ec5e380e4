import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import {
  sealEntries,
  type RegisterEntry,
  type RegisterEntryInput,
} from '../../core/register/register-entry.js';
import type { Database } from '../../database/schema.js';
import type { RegisterHead, RegisterRepository } from './register.repository.js';

/**
 * A row written in the same transaction as an entry (and so committed with it, or not at
 * all), made from the entry once sealed: e.g. an emergency request beside its release.
 */
export type Companion = {
  [T in keyof Database]: {
    readonly table: T;
    readonly row: (entry: RegisterEntry) => Insertable<Database[T]>;
  };
}[keyof Database];

interface Pending {
  readonly inputs: readonly RegisterEntryInput[];
  readonly companion?: Companion;
  readonly resolve: (entries: RegisterEntry[]) => void;
  readonly reject: (error: unknown) => void;
}

export interface AppenderOptions {
  /** Most entries sealed in one transaction. */
  readonly maxBatch?: number;
  readonly now?: () => Date;
  readonly newId?: () => string;
  /** Called after each committed batch (metrics). */
  readonly onCommitted?: (entries: number, seconds: number) => void;
}

/** The head once `entries` are appended after `head`. */
function headAfter(entries: readonly RegisterEntry[], head: RegisterHead): RegisterHead {
  const last = entries[entries.length - 1];
  return last === undefined
    ? head
    : {
        seq: last.seq,
        hash: last.hash,
        occurredAt: new Date(last.occurredAt),
        count: head.count + entries.length,
      };
}

/**
 * Appends to the register with group commit: callers wait for their own entries, while
 * everything asked for during one transaction goes into the next — one lock on the head,
 * one multi-row INSERT, one commit for many appenders, so the chain is not a lock per row.
 * Several processes serialize on the head row (`SELECT … FOR UPDATE`), so there is one
 * chain whatever the number of API and worker processes.
 *
 * An append resolves only once its entries are committed: callers that must fail closed
 * (nothing is sent, nothing released, if the register cannot be written) await it.
 */
export class RegisterAppender {
  private readonly queue: Pending[] = [];
  private flushing = false;
  private readonly maxBatch: number;
  private readonly now: () => Date;
  private readonly newId: () => string;
  /** The head as this process left it after its last append; unknown after any failure. */
  private known: RegisterHead | undefined;

  constructor(
    private readonly repository: RegisterRepository,
    private readonly options: AppenderOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
  }

  async append(input: RegisterEntryInput): Promise<RegisterEntry> {
    const [entry] = await this.appendAll([input]);
    if (entry === undefined) throw new Error('the register returned no entry');
    return entry;
  }

  /**
   * Appends one entry with a companion row in another table, in the same transaction: both
   * are committed, or neither. Rows of the same table in one batch go in one INSERT.
   */
  appendWith(input: RegisterEntryInput, companion: Companion): Promise<RegisterEntry> {
    return new Promise<RegisterEntry[]>((resolve, reject) => {
      this.queue.push({ inputs: [input], companion, resolve, reject });
      void this.flush();
    }).then(([entry]) => {
      if (entry === undefined) throw new Error('the register returned no entry');
      return entry;
    });
  }

  /** Appends several entries, consecutive in the chain. */
  appendAll(inputs: readonly RegisterEntryInput[]): Promise<RegisterEntry[]> {
    if (inputs.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ inputs, resolve, reject });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch: Pending[] = [];
        let size = 0;
        while (
          this.queue.length > 0 &&
          (batch.length === 0 || size + (this.queue[0]?.inputs.length ?? 0) <= this.maxBatch)
        ) {
          const next = this.queue.shift();
          if (next === undefined) break;
          batch.push(next);
          size += next.inputs.length;
        }
        try {
          const started = performance.now();
          const entries = await this.write(batch);
          this.options.onCommitted?.(entries.length, (performance.now() - started) / 1000);
          let offset = 0;
          for (const pending of batch) {
            pending.resolve(entries.slice(offset, offset + pending.inputs.length));
            offset += pending.inputs.length;
          }
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async write(batch: readonly Pending[]): Promise<RegisterEntry[]> {
    const inputs = batch.flatMap((pending) => pending.inputs);
    const now = this.now();
    await this.repository.ensurePartition(now);
    const seal = async (head: RegisterHead): Promise<RegisterEntry[]> => {
      // Time never goes backwards along the chain (clocks of several hosts differ by a
      // little): retention then cuts the chain at a single point.
      const at = now.getTime() > head.occurredAt.getTime() ? now : head.occurredAt;
      if (at !== now) await this.repository.ensurePartition(at);
      return sealEntries(
        inputs,
        head,
        at.toISOString(),
        inputs.map(() => this.newId()),
      );
    };
    // The head this process wrote last is most often still the head (one worker, one API
    // process appending at a time): then one statement, no transaction round trips. A batch
    // with companion rows takes the transaction, as does any batch after another writer.
    const known = this.known;
    this.known = undefined;
    if (known !== undefined && batch.every((pending) => pending.companion === undefined)) {
      const entries = await seal(known);
      if (await this.repository.appendIfHead(entries, known)) {
        this.known = headAfter(entries, known);
        return entries;
      }
    }
    const written = await this.repository.db.transaction().execute(async (trx) => {
      const head = await this.repository.lockHead(trx);
      const entries = await seal(head);
      await this.repository.insertSealed(trx, entries, head);
      // Companion rows, one INSERT per table.
      const byTable = new Map<Companion['table'], unknown[]>();
      let offset = 0;
      for (const pending of batch) {
        const entry = entries[offset];
        offset += pending.inputs.length;
        if (pending.companion === undefined || entry === undefined) continue;
        const rows = byTable.get(pending.companion.table) ?? [];
        rows.push(pending.companion.row(entry));
        byTable.set(pending.companion.table, rows);
      }
      for (const [table, rows] of byTable) {
        await trx.insertInto(table).values(rows).execute();
      }
      return { entries, head };
    });
    this.known = headAfter(written.entries, written.head);
    return written.entries;
  }
}
