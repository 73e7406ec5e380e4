import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxTransport } from './outbox.transport.js';
import type { Delivery } from './transport.js';

function delivery(files: Record<string, string>, transmissionId = 'tx-1'): Delivery {
  return {
    transmissionId,
    contractId: 'us-apis',
    recipientId: 'AF',
    files: Object.entries(files).map(([name, content]) => ({
      name,
      content,
      mediaType: 'application/edifact',
    })),
  };
}

describe('the outbox transport', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passerelle-outbox-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should write each file to <dir>/<contract>/<transmission id>/<file> when delivering', async () => {
    const result = await new OutboxTransport(dir).deliver(
      undefined,
      delivery({ 'flight-F1.part01.edi': "UNA:+.? 'O?'NEILL", 'flight-F1.part02.edi': 'Ü' }),
    );
    const folder = join(dir, 'us-apis', 'tx-1');
    expect(result).toEqual({
      ok: true,
      locations: [join(folder, 'flight-F1.part01.edi'), join(folder, 'flight-F1.part02.edi')],
    });
    expect(await readFile(join(folder, 'flight-F1.part01.edi'), 'utf8')).toBe("UNA:+.? 'O?'NEILL");
    expect(await readFile(join(folder, 'flight-F1.part02.edi'), 'utf8')).toBe('Ü');
  });

  it('should replace the files, leaving no temporary file, when a delivery is retried', async () => {
    const outbox = new OutboxTransport(dir);
    await outbox.deliver(undefined, delivery({ 'a.edi': 'first and longer' }));
    await outbox.deliver(undefined, delivery({ 'a.edi': 'second' }));
    const folder = join(dir, 'us-apis', 'tx-1');
    expect(await readdir(folder)).toEqual(['a.edi']);
    expect(await readFile(join(folder, 'a.edi'), 'utf8')).toBe('second');
  });

  it('should remove the parts of an earlier attempt that a retry with fewer parts does not write', async () => {
    const outbox = new OutboxTransport(dir);
    const parts = (n: number, tag: string) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          `flight-F1.tx-1.part0${i + 1}.edi`,
          `${tag} ${i + 1}`,
        ]),
      );
    expect(await outbox.deliver(undefined, delivery(parts(3, 'first')))).toMatchObject({
      ok: true,
    });
    const retry = {
      ...delivery(parts(2, 'retry')),
      // part04 was never written (the first attempt stopped before it): not an error.
      staleFiles: ['flight-F1.tx-1.part03.edi', 'flight-F1.tx-1.part04.edi'],
    };
    const result = await outbox.deliver(undefined, retry);
    expect(result).toMatchObject({ ok: true, staleRemoved: 1 });
    const folder = join(dir, 'us-apis', 'tx-1');
    expect(await readdir(folder)).toEqual([
      'flight-F1.tx-1.part01.edi',
      'flight-F1.tx-1.part02.edi',
    ]);
    expect(await readFile(join(folder, 'flight-F1.tx-1.part02.edi'), 'utf8')).toBe('retry 2');
  });

  it('should never remove a file the delivery writes, nor one outside its folder, though named stale', async () => {
    const outbox = new OutboxTransport(dir);
    await writeFile(join(dir, 'outside.edi'), 'kept');
    const result = await outbox.deliver(undefined, {
      ...delivery({ 'a.edi': 'x' }),
      staleFiles: ['a.edi', '../../outside.edi', '.hidden'],
    });
    expect(result).toEqual({
      ok: true,
      locations: [join(dir, 'us-apis', 'tx-1', 'a.edi')],
    });
    expect(await readdir(join(dir, 'us-apis', 'tx-1'))).toEqual(['a.edi']);
    expect(await readFile(join(dir, 'outside.edi'), 'utf8')).toBe('kept');
  });

  it('should deliver, leaving a stale file it cannot remove, once its own files are in place', async () => {
    const outbox = new OutboxTransport(dir);
    const folder = join(dir, 'us-apis', 'tx-1');
    // Not a file (nothing can unlink it): as a file the outbox may not remove.
    await mkdir(join(folder, 'b.edi'), { recursive: true });
    await writeFile(join(folder, 'c.edi'), 'older');
    const result = await outbox.deliver(undefined, {
      ...delivery({ 'a.edi': 'x' }),
      staleFiles: ['b.edi', 'c.edi'],
    });
    expect(result).toEqual({ ok: true, locations: [join(folder, 'a.edi')], staleRemoved: 1 });
    expect((await readdir(folder)).sort()).toEqual(['a.edi', 'b.edi']);
  });

  it('should refuse names that would leave the folder, and write nothing', async () => {
    const outbox = new OutboxTransport(dir);
    for (const bad of [
      delivery({ '../../evil.edi': 'x' }),
      delivery({ '.hidden': 'x' }),
      delivery({ 'a.edi': 'x' }, '..'),
      delivery({ 'a.edi': 'x' }, 'a/b'),
    ]) {
      expect(await outbox.deliver(undefined, bad)).toMatchObject({
        ok: false,
        permanent: true,
        code: 'OUTBOX_INVALID_NAME',
      });
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('should fail when the outbox cannot be created', async () => {
    const file = join(dir, 'not-a-folder');
    await writeFile(file, '');
    const result = await new OutboxTransport(file).deliver(undefined, delivery({ 'a.edi': 'x' }));
    expect(result).toMatchObject({ ok: false, code: 'OUTBOX_WRITE_FAILED' });
  });
});
