import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aDisclosure } from '../../../test/support/register-entries.js';
import { canonicalForm, chainHash, GENESIS_HASH, sealEntries } from './register-entry.js';
import { ChainVerifier, chooseChainStart } from './verify-chain.js';

const NOW = '2027-07-01T10:00:00.000Z';
const ids = (n: number) =>
  Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

describe('the hash chain', () => {
  it('should seal each entry over its canonical form and its predecessor', () => {
    const entries = sealEntries(
      [aDisclosure(), aDisclosure()],
      { seq: 0, hash: GENESIS_HASH },
      NOW,
      ids(2),
    );
    expect(entries.map((e) => e.seq)).toEqual([1, 2]);
    expect(entries[0]?.prevHash).toBe(GENESIS_HASH);
    expect(entries[1]?.prevHash).toBe(entries[0]?.hash);
    // SHA-256 over the predecessor's hash and the canonical form, computed here on its own:
    // a hash of the form alone would not chain the entries.
    const { prevHash, hash, ...rest } = entries[1]!;
    expect(hash).toBe(
      createHash('sha256')
        .update(`${prevHash}\n${canonicalForm(rest)}`)
        .digest('hex'),
    );
    expect(chainHash('f'.repeat(64), canonicalForm(rest))).not.toBe(hash);
    expect(entries[0]?.outcome).toBe('delivered');
  });

  it('should give the same canonical form whatever the key order of the detail and absent values', () => {
    const [a] = sealEntries(
      [aDisclosure({ detail: { b: 1, a: 'x' } })],
      { seq: 0, hash: GENESIS_HASH },
      NOW,
      ids(1),
    );
    const [b] = sealEntries(
      [aDisclosure({ detail: { a: 'x', b: 1 } })],
      { seq: 0, hash: GENESIS_HASH },
      NOW,
      ids(1),
    );
    expect(a?.hash).toBe(b?.hash);
  });

  it('should detect any change to any entry, and name the first one changed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 20 }),
        fc.nat(),
        fc.constantFrom('recipient', 'subjects', 'payload', 'withheld', 'occurredAt', 'hash'),
        (count, which, what) => {
          const entries = sealEntries(
            Array.from({ length: count }, () => aDisclosure()),
            { seq: 0, hash: GENESIS_HASH },
            NOW,
            ids(count),
          );
          const index = which % count;
          const original = entries[index]!;
          const changed = {
            ...original,
            ...(what === 'recipient'
              ? { recipient: { id: 'ZZ', name: 'other', category: 'airline' } }
              : {}),
            ...(what === 'subjects' ? { subjects: [...original.subjects, 'P9'] } : {}),
            ...(what === 'payload'
              ? { payload: { sha256: 'f'.repeat(64), bytes: 1, format: 'csv' } }
              : {}),
            ...(what === 'withheld' ? { withheld: [] } : {}),
            ...(what === 'occurredAt' ? { occurredAt: '2027-07-01T10:00:00.001Z' } : {}),
            ...(what === 'hash' ? { hash: '0'.repeat(64) } : {}),
          };
          const verifier = new ChainVerifier();
          expect(
            verifier.feed([...entries.slice(0, index), changed, ...entries.slice(index + 1)]),
          ).toBe(false);
          expect(verifier.result().firstBad?.id).toBe(original.id);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('should detect an entry rewritten with its hash sealed again and its successor pointed at it', () => {
    const entries = sealEntries(
      Array.from({ length: 3 }, () => aDisclosure()),
      { seq: 0, hash: GENESIS_HASH },
      NOW,
      ids(3),
    );
    // Whoever rewrites an entry can seal it again and repoint its successor's prevHash; the
    // successor's own hash, over that prevHash, then no longer matches.
    const rewritten = { ...entries[1]!, subjects: ['P9'] };
    const resealed = {
      ...rewritten,
      hash: chainHash(rewritten.prevHash, canonicalForm(rewritten)),
    };
    const repointed = { ...entries[2]!, prevHash: resealed.hash };
    const verifier = new ChainVerifier();
    expect(verifier.feed([entries[0]!, resealed, repointed])).toBe(false);
    expect(verifier.result().firstBad).toEqual({ id: repointed.id, seq: 3, problem: 'hash' });
  });

  it('should detect a missing entry by its sequence number', () => {
    const entries = sealEntries(
      Array.from({ length: 4 }, () => aDisclosure()),
      { seq: 0, hash: GENESIS_HASH },
      NOW,
      ids(4),
    );
    const verifier = new ChainVerifier();
    expect(verifier.feed([entries[0]!, entries[2]!, entries[3]!])).toBe(false);
    expect(verifier.result().firstBad).toEqual({ id: entries[2]!.id, seq: 3, problem: 'sequence' });
  });

  it('should verify from a retention cut', () => {
    const entries = sealEntries(
      Array.from({ length: 5 }, () => aDisclosure()),
      { seq: 0, hash: GENESIS_HASH },
      NOW,
      ids(5),
    );
    const verifier = new ChainVerifier({ seq: 2, hash: entries[1]!.hash });
    expect(verifier.feed(entries.slice(2))).toBe(true);
    expect(verifier.result()).toEqual({ count: 3, lastSeq: 5, headHash: entries[4]!.hash });
  });

  it('should refuse a second entry with the same sequence number when it follows the first', () => {
    const entries = sealEntries(
      Array.from({ length: 3 }, () => aDisclosure()),
      { seq: 0, hash: GENESIS_HASH },
      NOW,
      ids(3),
    );
    const copy = { ...entries[1]!, id: ids(4)[3]!, subjects: ['P9'] };
    const verifier = new ChainVerifier();
    expect(verifier.feed([entries[0]!, entries[1]!, copy, entries[2]!])).toBe(false);
    expect(verifier.result().firstBad).toEqual({ id: copy.id, seq: 2, problem: 'sequence' });
  });

  it('should start at the genesis when the first entry present is the first ever appended, whatever the cuts say', () => {
    const cuts = [{ seq: 7, hash: 'c'.repeat(64) }];
    expect(chooseChainStart(1, cuts)).toEqual({ seq: 0, hash: GENESIS_HASH });
    expect(chooseChainStart(8, cuts)).toEqual(cuts[0]);
    expect(chooseChainStart(undefined, cuts)).toEqual(cuts[0]);
    expect(chooseChainStart(undefined, [])).toEqual({ seq: 0, hash: GENESIS_HASH });
  });

  it('should start at the genesis, so that the first entry does not verify, when no cut precedes it', () => {
    const cuts = [{ seq: 7, hash: 'c'.repeat(64) }];
    expect(chooseChainStart(0, cuts)).toEqual({ seq: 0, hash: GENESIS_HASH });
    expect(chooseChainStart(5, cuts)).toEqual({ seq: 0, hash: GENESIS_HASH });
    const [entry] = sealEntries([aDisclosure()], { seq: 0, hash: GENESIS_HASH }, NOW, ids(1));
    const forged = { ...entry!, seq: 0 };
    const verifier = new ChainVerifier(chooseChainStart(0, cuts));
    expect(verifier.feed([forged, entry!])).toBe(false);
    expect(verifier.result().firstBad).toEqual({ id: forged.id, seq: 0, problem: 'sequence' });
  });
});

describe('what an entry may hold', () => {
  it('should refuse to seal a detail value the canonical form cannot tell apart once stored', () => {
    const seal = (detail: Record<string, unknown>) => () =>
      sealEntries(
        [aDisclosure({ detail: detail as Record<string, string> })],
        { seq: 0, hash: GENESIS_HASH },
        NOW,
        ids(1),
      );
    // An object or an array hashes as null; NaN and Infinity are stored by JSON as null.
    for (const value of [{ a: 1 }, [1], Number.NaN, Number.POSITIVE_INFINITY, undefined]) {
      expect(seal({ attempt: 1, odd: value })).toThrow(
        'register entry detail.odd: a string, a finite number, a boolean or null',
      );
    }
    expect(seal({ a: 'x', b: -2.5, c: true, d: null })()).toHaveLength(1);
  });

  it('should report an entry read back irregular before hashing it, with its rule', () => {
    const entries = sealEntries(
      Array.from({ length: 3 }, () => aDisclosure()),
      { seq: 0, hash: GENESIS_HASH },
      NOW,
      ids(3),
    );
    const rule = 'detail: a value other than a string, a number, a boolean or null';
    const verifier = new ChainVerifier();
    // Its hash still matches (what differs is beyond the form): only the rule catches it.
    expect(verifier.feed([entries[0]!, { ...entries[1]!, irregular: rule }, entries[2]!])).toBe(
      false,
    );
    expect(verifier.result().firstBad).toEqual({
      id: entries[1]!.id,
      seq: 2,
      problem: 'irregular',
      rule,
    });
  });
});

describe('the canonical form', () => {
  it('should write every field with its length, so that content cannot pass for structure', () => {
    const [entry] = sealEntries(
      [aDisclosure({ subjects: ['P1'], withheld: [], detail: { b: 'x', a: 2, c: null, d: true } })],
      { seq: 0, hash: GENESIS_HASH },
      NOW,
      ids(1),
    );
    expect(canonicalForm(entry!)).toBe(
      'v1|1;36:00000000-0000-4000-8000-00000000000020:disclosure-delivered24:2027-07-01T10:00:00.000Z4:tx-1' +
        '18:airline-group-list1;64:' +
        'a'.repeat(64) +
        '2:AF30:Operating airline (group desk)7:airline' +
        '50:Hold the group’s seats with the operating airline.8:contract16:explicit-consent3:FRA14:art49-contract3:T-19:flight:F1' +
        '1[2:P1]3[19:participant.surname22:participant.givenNames16:participant.meal]2[13:identity.name4:meal]0[]' +
        '64:' +
        'b'.repeat(64) +
        '421;3:csv4:sftp18:airline-group-desk6:system6:worker-9:delivered4{1:an2;1:bs1:x1:cZ1:dT}',
    );
  });

  it('should write the length of a long text too', () => {
    const [entry] = sealEntries(
      [aDisclosure({ reason: 'r'.repeat(2500) })],
      { seq: 0, hash: GENESIS_HASH },
      NOW,
      ids(1),
    );
    expect(canonicalForm(entry!)).toContain(`2500:${'r'.repeat(2500)}9:delivered`);
  });

  it('should give different forms to entries that differ in any field, however their text is made', () => {
    const text = fc.string({ unit: 'binary', maxLength: 8 });
    const parts = fc.record({
      subjects: fc.array(text, { maxLength: 3 }),
      fields: fc.array(text, { maxLength: 2 }),
      purpose: fc.option(text, { nil: undefined }),
      reason: fc.option(text, { nil: undefined }),
      name: text,
      detail: fc.dictionary(text, fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null)), {
        maxKeys: 3,
      }),
    });
    const form = (p: typeof parts extends fc.Arbitrary<infer T> ? T : never) => {
      const [entry] = sealEntries(
        [
          aDisclosure({
            subjects: p.subjects,
            fields: p.fields,
            ...(p.purpose === undefined ? {} : { purpose: p.purpose }),
            ...(p.reason === undefined ? {} : { reason: p.reason }),
            recipient: { id: 'AF', name: p.name, category: 'airline' },
            detail: p.detail,
          }),
        ],
        { seq: 0, hash: GENESIS_HASH },
        NOW,
        ids(1),
      );
      return canonicalForm(entry!);
    };
    fc.assert(
      fc.property(parts, parts, (a, b) => {
        const same =
          JSON.stringify([
            a.subjects,
            a.fields,
            a.purpose ?? null,
            a.reason ?? null,
            a.name,
            Object.entries(a.detail).sort(),
          ]) ===
          JSON.stringify([
            b.subjects,
            b.fields,
            b.purpose ?? null,
            b.reason ?? null,
            b.name,
            Object.entries(b.detail).sort(),
          ]);
        expect(form(a) === form(b)).toBe(same);
      }),
      { numRuns: 500 },
    );
  });
});
