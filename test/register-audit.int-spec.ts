import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisterEntry } from '../src/core/register/register-entry.js';
import { RegisterAppender } from '../src/modules/register/register-appender.js';
import { RegisterRepository } from '../src/modules/register/register.repository.js';
import { RegisterService } from '../src/modules/register/register.service.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { aDisclosure } from './support/register-entries.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { signal } from './support/signal.js';

let database: TestDatabase;

function serviceFor(now?: () => Date): RegisterService {
  const repository = new RegisterRepository(database.db);
  return new RegisterService(
    repository,
    new RegisterAppender(repository, now === undefined ? {} : { now }),
  );
}

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

describe('verifying the register while retention drops a segment', () => {
  it('should report a sound chain as intact when retention drops a segment just after the verification began', async () => {
    let clock = new Date('2020-01-15T10:00:00Z');
    const writer = serviceFor(() => clock);
    await writer.appendAll([aDisclosure(), aDisclosure()]);
    clock = new Date('2026-10-01T10:00:00Z');
    await writer.appendAll([aDisclosure(), aDisclosure()]);
    const repository = new RegisterRepository(database.db);
    const verifying = new RegisterService(repository, new RegisterAppender(repository));
    const anchors = repository.anchors.bind(repository);
    let dropping: Promise<unknown> | undefined;
    // The daily maintenance of another process drops the expired month once the
    // verification has read the head and the anchors, before it reads the rows.
    repository.anchors = async (executor) => {
      const read = await anchors(executor);
      dropping = writer.applyRetention(new Date('2026-11-26T00:00:00Z'), { years: 5 });
      // Long enough for the drop to commit if nothing holds it back (and shorter than the
      // drop's lock timeout).
      await Promise.race([dropping, sleep(300)]);
      return read;
    };
    const verify = await verifying.verify();
    await dropping;
    expect(verify).toMatchObject({ intact: true, problems: [], firstBad: null });
    expect(await writer.verify()).toMatchObject({ intact: true, startSeq: 2, count: 2 });
  });
});

describe('retention while the register is being read', () => {
  it('should postpone dropping a segment rather than hold every append while a verification reads the register', async () => {
    const other = await createTestDatabase();
    try {
      const repositoryOf = () => new RegisterRepository(other.db);
      let clock = new Date('2020-01-15T10:00:00Z');
      const writer = new RegisterService(
        repositoryOf(),
        new RegisterAppender(repositoryOf(), { now: () => clock }),
      );
      await writer.appendAll([aDisclosure(), aDisclosure()]);
      clock = new Date('2026-10-01T10:00:00Z');
      await writer.appendAll([aDisclosure(), aDisclosure()]);
      // A verification (of a register of millions of rows, say) still reading its rows.
      const repository = repositoryOf();
      const nextInChain = repository.nextInChain.bind(repository);
      const { promise: held, resolve: release } = signal();
      const { promise: started, resolve: reading } = signal();
      repository.nextInChain = async (trx, limit) => {
        const rows = await nextInChain(trx, limit);
        reading();
        await held;
        return rows;
      };
      const verifying = new RegisterService(repository, new RegisterAppender(repository)).verify();
      await started;
      const now = new Date('2026-11-26T00:00:00Z');
      const retention = writer.applyRetention(now, { years: 5 }).then(
        () => 'dropped',
        () => 'postponed',
      );
      await sleep(200);
      let appended = false;
      const append = writer.append(aDisclosure()).then(() => {
        appended = true;
      });
      await Promise.race([append, sleep(5000)]);
      const appendedWhileReading = appended;
      release();
      await append;
      expect({
        appendedWhileReading,
        retention: await retention,
        intact: (await verifying).intact,
      }).toEqual({ appendedWhileReading: true, retention: 'postponed', intact: true });
      // The next run drops it.
      expect((await writer.applyRetention(now, { years: 5 })).dropped).toEqual([
        'register_entries_p202001',
      ]);
      expect(await writer.verify()).toMatchObject({ intact: true, startSeq: 2, count: 3 });
    } finally {
      await other.drop();
    }
  }, 30_000);
});

describe('a new month while a verification reads the register', () => {
  it('should append the first entries of a month without waiting for a long read, its segment made ahead by the daily maintenance', async () => {
    const other = await createTestDatabase();
    // Its own connection, apart from the writer's pool.
    const reader = { query: other.admin };
    try {
      let clock = new Date('2027-01-20T10:00:00Z');
      const repository = new RegisterRepository(other.db);
      const writer = new RegisterService(
        repository,
        new RegisterAppender(repository, { now: () => clock }),
      );
      await writer.append(aDisclosure());
      // The daily run of the 20th makes February's segment.
      await writer.prepareNextSegment(clock);
      // A verification of a large register still reading on the 1st of February.
      await reader.query('BEGIN');
      await reader.query('LOCK TABLE register_entries IN ACCESS SHARE MODE');
      clock = new Date('2027-02-01T00:00:01Z');
      const appended = writer.append(aDisclosure()).then(() => 'appended');
      expect(await Promise.race([appended, sleep(5000).then(() => 'waiting')])).toBe('appended');
      // March's segment cannot be made while the read goes on: given up at once, not waited for.
      const started = performance.now();
      await expect(writer.prepareNextSegment(clock)).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(4000);
      await reader.query('COMMIT');
      await writer.prepareNextSegment(clock);
      const { rows } = await other.admin(
        `SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 'register_entries_p2027%' ORDER BY relname`,
      );
      expect((rows as { relname: string }[]).map((row) => row.relname)).toEqual([
        'register_entries_p202701',
        'register_entries_p202702',
        'register_entries_p202703',
      ]);
      expect(await writer.verify()).toMatchObject({ intact: true, count: 2 });
    } finally {
      await reader.query('ROLLBACK').catch(() => undefined);
      await other.drop();
    }
  }, 30_000);
});

describe('period bounds finer than a millisecond', () => {
  let t: TestApp;
  let entry: RegisterEntry;
  beforeAll(async () => {
    t = await startTestApp();
    entry = await t.app
      .get(RegisterService)
      .append(aDisclosure({ transmissionId: 'tx-bound', subjects: ['B1'] }));
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  /** The entry's instant and half a millisecond: `…12:34:56.789` becomes `…12:34:56.7895Z`. */
  const halfAfter = (instant: string): string => `${instant.slice(0, -1)}5Z`;
  const listed = async (query: string): Promise<string[]> => {
    const response = await t.call('GET', `/v1/disclosures?transmissionId=tx-bound&${query}`, {
      role: 'auditor',
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: { id: string }[] }).items.map((item) => item.id);
  };

  it('should include an entry that occurred before an exclusive `to` within the same millisecond', async () => {
    expect(await listed(`to=${halfAfter(entry.occurredAt)}`)).toEqual([entry.id]);
  });

  it('should leave out an entry that occurred before an inclusive `from` within the same millisecond', async () => {
    expect(await listed(`from=${halfAfter(entry.occurredAt)}`)).toEqual([]);
    expect(await listed(`from=${entry.occurredAt}`)).toEqual([entry.id]);
  });
});
