import { canonicalForm, chainHash, GENESIS_HASH, type RegisterEntry } from './register-entry.js';

/** Where the chain under check starts: the genesis, or where retention cut it. */
export interface ChainStart {
  readonly seq: number;
  readonly hash: string;
}

const GENESIS_START: ChainStart = { seq: 0, hash: GENESIS_HASH };

/**
 * Where the chain of the entries present starts, from the lowest sequence number present:
 * the genesis when it is 1, else the retention cut recorded at the entry just before it.
 * A cut is trusted only to say that the entries up to it were dropped: entries still present
 * at or before a cut are verified from the genesis (or an earlier cut), so a cut inserted
 * later cannot hide an edited entry. With no cut just before the first entry, the chain
 * starts at the genesis and that entry (a forged seq 0, or one after a gap) does not verify.
 * With no entry at all, the latest cut: everything was dropped.
 */
export function chooseChainStart(
  firstSeq: number | undefined,
  cuts: readonly ChainStart[],
): ChainStart {
  if (firstSeq === undefined) {
    let latest = GENESIS_START;
    for (const cut of cuts) if (cut.seq > latest.seq) latest = cut;
    return latest;
  }
  if (firstSeq === 1) return GENESIS_START;
  return cuts.find((cut) => cut.seq > 0 && cut.seq === firstSeq - 1) ?? GENESIS_START;
}

/**
 * An entry as read back for verification. `irregular` names (a column and a rule, never a
 * value) what its row holds that no append writes — an object among the detail's values, a
 * NULL beside a contract id, a time finer than the millisecond…: differences the canonical
 * form does not see, so such a row is reported as altered instead of being hashed.
 */
export type ReadBackEntry = RegisterEntry & { readonly irregular?: string };

export interface ChainProblem {
  /** The first entry that does not verify, by id. */
  readonly id: string;
  readonly seq: number;
  readonly problem: 'hash' | 'prev-hash' | 'sequence' | 'irregular';
  /** With `irregular`: what its row holds that no append writes. */
  readonly rule?: string;
}

/**
 * Verifies the chain entry by entry, in sequence order, in batches (a register of millions
 * of rows is never held in memory): each entry must follow the previous one's sequence
 * number, name its hash as `prevHash`, and hash to its own `hash` from its canonical form.
 */
export class ChainVerifier {
  private expectedSeq: number;
  private prevHash: string;
  private count = 0;
  private firstBad: ChainProblem | undefined;

  constructor(start: ChainStart = GENESIS_START) {
    this.expectedSeq = start.seq + 1;
    this.prevHash = start.hash;
  }

  /** Feeds the next entries (ascending `seq`); returns false once a problem is found. */
  feed(entries: readonly ReadBackEntry[]): boolean {
    for (const entry of entries) {
      if (this.firstBad !== undefined) return false;
      this.count += 1;
      const { prevHash, hash } = entry;
      if (entry.seq !== this.expectedSeq) {
        this.firstBad = { id: entry.id, seq: entry.seq, problem: 'sequence' };
      } else if (prevHash !== this.prevHash) {
        this.firstBad = { id: entry.id, seq: entry.seq, problem: 'prev-hash' };
      } else if (entry.irregular !== undefined) {
        this.firstBad = {
          id: entry.id,
          seq: entry.seq,
          problem: 'irregular',
          rule: entry.irregular,
        };
      } else if (chainHash(prevHash, canonicalForm(entry)) !== hash) {
        this.firstBad = { id: entry.id, seq: entry.seq, problem: 'hash' };
      }
      this.expectedSeq = entry.seq + 1;
      this.prevHash = hash;
    }
    return this.firstBad === undefined;
  }

  result(): {
    readonly count: number;
    readonly lastSeq: number;
    readonly headHash: string;
    readonly firstBad?: ChainProblem;
  } {
    return {
      count: this.count,
      lastSeq: this.expectedSeq - 1,
      headHash: this.prevHash,
      ...(this.firstBad === undefined ? {} : { firstBad: this.firstBad }),
    };
  }
}
