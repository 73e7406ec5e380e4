import { randomUUID } from 'node:crypto';
import type { Insertable, Transaction } from 'kysely';
import {
  detailProblem,
  sealEntries,
  type RegisterEntry,
  type RegisterEntryInput,
} from '../../core/register/register-entry.js';
import type { Database } from '../../database/schema.js';
import {
  AppendGuardFailed,
  type AppendGuard,
  type CompanionRows,
  type RegisterHead,
  type RegisterRepository,
} from './register.repository.js';

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

/**
 * Work done in an append's transaction before its entries are sealed: it says which entries
 * to append (e.g. for the rows an `UPDATE … RETURNING` changed), and what to hand back.
 */
export type AppendStep<T> = (
  trx: Transaction<Database>,
) => Promise<{ readonly inputs: readonly RegisterEntryInput[]; readonly result: T }>;

/**
 * What a step amounts to when nothing got in its way — its entries, the rows its statement
 * must change (`guard`), its result — so that it can run inside the append's own statement,
 * without a transaction around it. If the guard does not hold, nothing of that statement is
 * written and the step runs as a step.
 */
export interface AppendShortcut<T> {
  readonly inputs: readonly RegisterEntryInput[];
  readonly guard: AppendGuard;
  readonly result: T;
}

interface Pending {
  /** The entries, or with `step` none until it has run. */
  readonly inputs: readonly RegisterEntryInput[];
  /** How many entries it counts for in a batch (`inputs`, or the step's expected number). */
  readonly size: number;
  readonly companion?: Companion;
  readonly step?: (trx: Transaction<Database>) => Promise<readonly RegisterEntryInput[]>;
  /** The step as part of the append's statement (see `AppendShortcut`); told if it was taken. */
  readonly shortcut?: {
    readonly inputs: readonly RegisterEntryInput[];
    readonly guard: AppendGuard;
    readonly taken: () => void;
  };
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
  /** Called after each batch that could not be committed: its callers were refused (metrics). */
  readonly onFailed?: (entries: number) => void;
}

/** `entries` cut into consecutive runs of the given lengths. */
function slices(lengths: readonly number[], entries: readonly RegisterEntry[]): RegisterEntry[][] {
  let offset = 0;
  return lengths.map((length) => {
    const slice = entries.slice(offset, offset + length);
    offset += length;
    return slice;
  });
}

/** The batch's companion rows, made from their sealed entries, grouped by table. */
function companionRows(
  batch: readonly Pending[],
  each: readonly (readonly RegisterEntry[])[],
): CompanionRows[] {
  const byTable = new Map<Companion['table'], Record<string, unknown>[]>();
  batch.forEach((pending, i) => {
    const entry = each[i]?.[0];
    if (pending.companion === undefined || entry === undefined) return;
    const rows = byTable.get(pending.companion.table) ?? [];
    rows.push(pending.companion.row(entry));
    byTable.set(pending.companion.table, rows);
  });
  return [...byTable].map(([table, rows]) => ({ table, rows }));
}

/**
 * Undefined when every entry can be sealed, else why not (`detailProblem`): asked before an
 * entry joins a batch, so that an entry refused refuses its caller alone — thrown while a
 * batch is sealed, it would refuse every append in the batch (other transmissions' outcomes,
 * an emergency release). A step's entries are sealed as they come: it runs in the batch.
 */
function refusal(inputs: readonly RegisterEntryInput[]): Error | undefined {
  for (const input of inputs) {
    const problem = detailProblem(input);
    if (problem !== undefined) return new Error(problem);
  }
  return undefined;
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
      const refused = refusal([input]);
      if (refused !== undefined) {
        reject(refused);
        return;
      }
      this.queue.push({ inputs: [input], size: 1, companion, resolve, reject });
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
      const refused = refusal(inputs);
      if (refused !== undefined) {
        reject(refused);
        return;
      }
      this.queue.push({ inputs, size: inputs.length, resolve, reject });
      void this.flush();
    });
  }

  /**
   * Runs `step` in the transaction of an append, before the entries are sealed, and appends
   * the entries it returns: its changes and its entries are committed together, or neither
   * (e.g. a transmission's row marked delivered and its `disclosure-delivered` entry).
   * `expected`: about how many entries the step will return (for batching).
   */
  appendAfter<T>(
    step: AppendStep<T>,
    expected = 1,
    shortcut?: AppendShortcut<T>,
  ): Promise<{ entries: RegisterEntry[]; result: T }> {
    let result: { value: T } | undefined;
    return new Promise<RegisterEntry[]>((resolve, reject) => {
      const refused = shortcut === undefined ? undefined : refusal(shortcut.inputs);
      if (refused !== undefined) {
        reject(refused);
        return;
      }
      this.queue.push({
        inputs: [],
        size: Math.max(1, expected),
        step: async (trx) => {
          const done = await step(trx);
          result = { value: done.result };
          return done.inputs;
        },
        ...(shortcut === undefined
          ? {}
          : {
              shortcut: {
                inputs: shortcut.inputs,
                guard: shortcut.guard,
                taken: () => {
                  result = { value: shortcut.result };
                },
              },
            }),
        resolve,
        reject,
      });
      void this.flush();
    }).then((entries) => {
      if (result === undefined) throw new Error('the step did not run');
      return { entries, result: result.value };
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
          (batch.length === 0 || size + (this.queue[0]?.size ?? 0) <= this.maxBatch)
        ) {
          const next = this.queue.shift();
          if (next === undefined) break;
          batch.push(next);
          size += next.size;
        }
        try {
          const started = performance.now();
          const written = await this.write(batch);
          this.options.onCommitted?.(
            written.reduce((sum, entries) => sum + entries.length, 0),
            (performance.now() - started) / 1000,
          );
          batch.forEach((pending, i) => {
            pending.resolve(written[i] ?? []);
          });
        } catch (error) {
          this.options.onFailed?.(size);
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Writes a batch; each pending's entries, in batch order. */
  private async write(batch: readonly Pending[]): Promise<RegisterEntry[][]> {
    const now = this.now();
    await this.repository.ensurePartition(now);
    const seal = async (
      head: RegisterHead,
      inputs: readonly RegisterEntryInput[],
    ): Promise<RegisterEntry[]> => {
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
    const sealBatch = async (
      head: RegisterHead,
      inputs: readonly (readonly RegisterEntryInput[])[],
    ) => {
      const entries = await seal(head, inputs.flat());
      return {
        entries,
        each: slices(
          inputs.map((list) => list.length),
          entries,
        ),
        head,
      };
    };
    // The entries and their companion rows in one statement that checks the head is still
    // `head`: false, with nothing written, if another process appended since.
    const appendAt = async (
      head: RegisterHead,
      inputs: readonly (readonly RegisterEntryInput[])[],
      executor?: Transaction<Database>,
      guards: readonly AppendGuard[] = [],
    ) => {
      const sealed = await sealBatch(head, inputs);
      const appended = await this.repository.appendIfHead(
        sealed.entries,
        head,
        executor,
        companionRows(batch, sealed.each),
        guards,
      );
      return appended ? sealed : undefined;
    };
    // The head this process wrote last is most often still the head (one worker, one API
    // process appending at a time): then the batch goes in without a lock, in one statement
    // — its steps too when each has a shortcut (their rows changed in that statement, all or
    // nothing) — or after the steps in their transaction. Any batch after another writer
    // takes the lock.
    const known = this.known;
    this.known = undefined;
    const steps = batch.some((pending) => pending.step !== undefined);
    const shortcuts = batch.every(
      (pending) => pending.step === undefined || pending.shortcut !== undefined,
    );
    const optimistic =
      known === undefined || !shortcuts
        ? undefined
        : await appendAt(
            known,
            batch.map((pending) => pending.shortcut?.inputs ?? pending.inputs),
            undefined,
            batch.flatMap((pending) =>
              pending.shortcut === undefined ? [] : [pending.shortcut.guard],
            ),
          ).catch((error: unknown) => {
            // A guard did not hold (or the head moved): nothing was written; the steps run.
            if (error instanceof AppendGuardFailed) return undefined;
            throw error;
          });
    if (optimistic !== undefined) for (const pending of batch) pending.shortcut?.taken();
    const written =
      optimistic ??
      (await this.repository.db.transaction().execute(async (trx) => {
        // Steps first, in batch order (the rows they change locked), then the head: the one
        // order every appender takes its locks in.
        const inputs: (readonly RegisterEntryInput[])[] = [];
        for (const pending of batch) {
          inputs.push(pending.step === undefined ? pending.inputs : await pending.step(trx));
        }
        const withoutLock =
          known !== undefined && steps ? await appendAt(known, inputs, trx) : undefined;
        if (withoutLock !== undefined) return withoutLock;
        const head = await this.repository.lockHead(trx);
        const locked = await appendAt(head, inputs, trx);
        if (locked === undefined) throw new Error('the locked register head moved');
        return locked;
      }));
    this.known = headAfter(written.entries, written.head);
    return written.each;
  }
}
