import { watch } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SftpTransport } from '../src/modules/transports/sftp.transport.js';
import type { Delivery, DeliveryResult } from '../src/modules/transports/transport.js';
import { generateKeyPair, startSftpServer, type SftpTestServer } from './support/sftp-server.js';

const PASSWORD = 'correct-horse-battery-staple-7Qx!';
const PASSPHRASE = 'passphrase-Zr81-never-shown';

function delivery(id: string, files: Record<string, string>): Delivery {
  return {
    transmissionId: id,
    contractId: 'airline-group-list',
    recipientId: 'AF',
    files: Object.entries(files).map(([name, content]) => ({
      name,
      content,
      mediaType: 'text/csv',
    })),
  };
}

/** Bounds a promise that must settle: a hang shows up as `'still pending'`, not as a test timeout. */
function within<T>(ms: number, promise: Promise<T>): Promise<T | 'still pending'> {
  return Promise.race([
    promise,
    new Promise<'still pending'>((resolve) => {
      setTimeout(() => {
        resolve('still pending');
      }, ms);
    }),
  ]);
}

/** TCP connections this process holds open (whatever their state) to `port`, from /proc. */
async function socketsHeldTo(port: number): Promise<number> {
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  const rows = (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1);
  return rows.filter((row) => {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    const columns = row.trim().split(/\s+/);
    const remotePort = parseInt(columns[2]?.split(':')[1] ?? '', 16);
    return remotePort === port && inodes.has(columns[9] ?? '');
  }).length;
}

function expectFailure(
  result: DeliveryResult,
  code: string,
  permanent: boolean,
): asserts result is Extract<DeliveryResult, { ok: false }> {
  expect(result).toMatchObject({ ok: false, code, permanent });
}

/** The SFTP requests a transport sends on its pooled connection to `endpointId` from now on, by name. */
/**
 * A TCP server on loopback that accepts connections and never says a word (no SSH banner):
 * its port, the sockets it accepted, and `close`, which drops them and stops it.
 */
async function startSilentServer(): Promise<{
  port: number;
  sockets: Socket[];
  close: () => Promise<void>;
}> {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    },
  };
}

async function requestsOf(transport: SftpTransport, endpointId: string): Promise<string[]> {
  const pooled = (
    transport as unknown as { connections: Map<string, Promise<{ sftp: object }>> }
  ).connections.get(endpointId);
  if (pooled === undefined) throw new Error(`no connection to ${endpointId}`);
  const sftp = (await pooled).sftp as Record<string, unknown>;
  const requests: string[] = [];
  for (const name of [
    'open',
    'write',
    'close',
    'ext_openssh_rename',
    'rename',
    'unlink',
    'readdir',
    'opendir',
    'stat',
    'lstat',
    'fstat',
    'realpath',
  ]) {
    const original = sftp[name];
    if (typeof original !== 'function') continue;
    sftp[name] = (...args: unknown[]): unknown => {
      requests.push(name);
      return (original as (...a: unknown[]) => unknown).apply(sftp, args);
    };
  }
  return requests;
}

describe('the sftp transport against OpenSSH on loopback', () => {
  let server: SftpTestServer;
  const transports: SftpTransport[] = [];
  const keyed = (options: ConstructorParameters<typeof SftpTransport>[1] = {}) => {
    const transport = new SftpTransport(
      { PASSERELLE_SECRET_TEST_SFTP_PRIVATE_KEY_FILE: server.privateKeyFile },
      options,
    );
    transports.push(transport);
    return transport;
  };

  beforeAll(async () => {
    server = await startSftpServer();
  });

  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
    await server.start();
  });

  afterAll(async () => {
    await server.close();
  });

  it('should put every file with its exact content under its deterministic name when delivering', async () => {
    const transport = keyed();
    const content = 'surname,given names\nO’NEILL,Siobhán\nMÜLLER,Jörg\n';
    const result = await transport.deliver(
      server.endpoint(),
      delivery('tx-1', { 'flight-F1.part01.csv': content, 'flight-F1.part02.csv': 'b\n' }),
    );
    expect(result).toEqual({
      ok: true,
      locations: [
        `sftp://127.0.0.1:${server.port}${server.rootDir}/flight-F1.part01.csv`,
        `sftp://127.0.0.1:${server.port}${server.rootDir}/flight-F1.part02.csv`,
      ],
    });
    expect(await readFile(join(server.rootDir, 'flight-F1.part01.csv'), 'utf8')).toBe(content);
    expect(await readFile(join(server.rootDir, 'flight-F1.part02.csv'), 'utf8')).toBe('b\n');
    expect(await server.files()).toEqual(['flight-F1.part01.csv', 'flight-F1.part02.csv']);
  });

  it('should replace the files rather than add any when a delivery is retried', async () => {
    await mkdir(join(server.rootDir, 'retry'));
    const endpoint = server.endpoint('test-sftp', { remoteDir: join(server.rootDir, 'retry') });
    const transport = keyed();
    const first = await transport.deliver(
      endpoint,
      delivery('tx-2', { 'a.csv': 'first, longer\n' }),
    );
    const again = await transport.deliver(endpoint, delivery('tx-2', { 'a.csv': 'second\n' }));
    expect(first.ok && again.ok).toBe(true);
    expect(await server.files('retry')).toEqual(['a.csv']);
    expect(await readFile(join(server.rootDir, 'retry', 'a.csv'), 'utf8')).toBe('second\n');
  });

  it('should upload large files whole when they span many write requests', async () => {
    await mkdir(join(server.rootDir, 'large'));
    const endpoint = server.endpoint('test-sftp', { remoteDir: join(server.rootDir, 'large') });
    const content = Array.from({ length: 9000 }, (_, i) => `line ${i};Ωmega\n`).join('');
    const result = await keyed().deliver(endpoint, delivery('tx-3', { 'big.xml': content }));
    expect(result.ok).toBe(true);
    expect(await readFile(join(server.rootDir, 'large', 'big.xml'), 'utf8')).toBe(content);
    expect(await server.files('large')).toEqual(['big.xml']);
  });

  it('should refuse a server whose host key is not the pinned one and upload nothing', async () => {
    await mkdir(join(server.rootDir, 'mismatch'));
    const other = await generateKeyPair(server.workDir, `other-host-${Date.now()}`);
    const endpoint = server.endpoint('test-sftp', {
      remoteDir: join(server.rootDir, 'mismatch'),
      hostKey: other.publicKeyLine.split(' ').slice(0, 2).join(' '),
    });
    const logins = server.acceptedLogins();
    const result = await keyed().deliver(endpoint, delivery('tx-4', { 'x.csv': 'data\n' }));
    expectFailure(result, 'SFTP_HOST_KEY_MISMATCH', true);
    // A pinned key of a type the server does not hold is a mismatch too.
    const ecdsa = await generateKeyPair(server.workDir, `ecdsa-${Date.now()}`, '', 'ecdsa');
    const otherType = await keyed().deliver(
      server.endpoint('test-sftp', {
        remoteDir: join(server.rootDir, 'mismatch'),
        hostKey: ecdsa.publicKeyLine.split(' ').slice(0, 2).join(' '),
      }),
      delivery('tx-4', { 'x.csv': 'data\n' }),
    );
    expectFailure(otherType, 'SFTP_HOST_KEY_MISMATCH', true);
    expect(await server.files('mismatch')).toEqual([]);
    // Refused before authentication: the server saw no login either.
    expect(server.acceptedLogins()).toBe(logins);
  });

  it('should refuse wrong credentials as permanent and never show the secret', async () => {
    const stranger = await generateKeyPair(server.workDir, `stranger-${Date.now()}`);
    const byKey = new SftpTransport({
      PASSERELLE_SECRET_TEST_SFTP_PRIVATE_KEY_FILE: stranger.privateKeyFile,
    });
    const byPassword = new SftpTransport({ PASSERELLE_SECRET_TEST_SFTP_PASSWORD: PASSWORD });
    transports.push(byKey, byPassword);
    const results = [
      await byKey.deliver(server.endpoint(), delivery('tx-5', { 'x.csv': 'data\n' })),
      await byPassword.deliver(server.endpoint(), delivery('tx-5', { 'x.csv': 'data\n' })),
    ];
    for (const result of results) {
      expectFailure(result, 'SFTP_AUTH_REFUSED', true);
      expect(JSON.stringify(result)).not.toContain(PASSWORD);
      expect(result.reason).toContain('test-sftp');
    }
  });

  it('should use a passphrase-protected key, and refuse a wrong passphrase without showing it', async () => {
    const locked = await generateKeyPair(server.workDir, `locked-${Date.now()}`, PASSPHRASE);
    const authorized = join(server.workDir, 'authorized_keys');
    const before = await readFile(authorized, 'utf8');
    const { appendFile, writeFile } = await import('node:fs/promises');
    await appendFile(authorized, `${locked.publicKeyLine}\n`);
    try {
      await mkdir(join(server.rootDir, 'locked'));
      const endpoint = server.endpoint('test-sftp', { remoteDir: join(server.rootDir, 'locked') });
      const good = new SftpTransport({
        PASSERELLE_SECRET_TEST_SFTP_PRIVATE_KEY_FILE: locked.privateKeyFile,
        PASSERELLE_SECRET_TEST_SFTP_PASSPHRASE: PASSPHRASE,
      });
      const bad = new SftpTransport({
        PASSERELLE_SECRET_TEST_SFTP_PRIVATE_KEY_FILE: locked.privateKeyFile,
        PASSERELLE_SECRET_TEST_SFTP_PASSPHRASE: `${PASSPHRASE}-wrong`,
      });
      transports.push(good, bad);
      expect((await good.deliver(endpoint, delivery('tx-6', { 'k.csv': 'k\n' }))).ok).toBe(true);
      const refused = await bad.deliver(endpoint, delivery('tx-6', { 'k.csv': 'k\n' }));
      expectFailure(refused, 'SFTP_KEY_INVALID', true);
      expect(JSON.stringify(refused)).not.toContain(PASSPHRASE);
    } finally {
      await writeFile(authorized, before);
    }
  });

  it('should fail permanently when no credential is configured or the key file is missing', async () => {
    const none = new SftpTransport({});
    const missing = new SftpTransport({
      PASSERELLE_SECRET_TEST_SFTP_PRIVATE_KEY_FILE: join(server.workDir, 'no-such-key'),
    });
    transports.push(none, missing);
    const noCredentials = await none.deliver(server.endpoint(), delivery('tx-7', { 'x.csv': 'x' }));
    expectFailure(noCredentials, 'SFTP_NO_CREDENTIALS', true);
    expect(noCredentials.reason).toContain('PASSERELLE_SECRET_TEST_SFTP_PASSWORD');
    const unreadable = await missing.deliver(server.endpoint(), delivery('tx-7', { 'x.csv': 'x' }));
    expectFailure(unreadable, 'SFTP_KEY_UNREADABLE', true);
    expect(unreadable.reason).not.toContain('no-such-key');
  });

  it('should fail permanently when the remote folder does not exist', async () => {
    const endpoint = server.endpoint('test-sftp', { remoteDir: join(server.rootDir, 'absent') });
    const result = await keyed().deliver(endpoint, delivery('tx-8', { 'x.csv': 'x' }));
    expectFailure(result, 'SFTP_REMOTE_DIR_MISSING', true);
  });

  it('should fail transiently while the server is down, and deliver once it is back', async () => {
    await mkdir(join(server.rootDir, 'down'));
    const endpoint = server.endpoint('test-sftp', { remoteDir: join(server.rootDir, 'down') });
    const transport = keyed();
    expect((await transport.deliver(endpoint, delivery('tx-9', { 'x.csv': 'old' }))).ok).toBe(true);
    await server.stop();
    const down = await transport.deliver(endpoint, delivery('tx-9', { 'x.csv': 'new' }));
    expectFailure(down, 'SFTP_CONNECTION_FAILED', false);
    await server.start();
    const back = await transport.deliver(endpoint, delivery('tx-9', { 'x.csv': 'new' }));
    expect(back.ok).toBe(true);
    expect(await server.files('down')).toEqual(['x.csv']);
    expect(await readFile(join(server.rootDir, 'down', 'x.csv'), 'utf8')).toBe('new');
  });

  it('should time out as transient when a server accepts but never speaks SSH', async () => {
    const { port, close } = await startSilentServer();
    try {
      const started = Date.now();
      const result = await keyed({ readyTimeoutMs: 300 }).deliver(
        server.endpoint('test-sftp', { port }),
        delivery('tx-t1', { 'x.csv': 'x' }),
      );
      expectFailure(result, 'SFTP_TIMEOUT', false);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await close();
    }
  });

  it('should give up as transient on a server that stops answering, then deliver afresh', async () => {
    await mkdir(join(server.rootDir, 'frozen'));
    const endpoint = server.endpoint('test-sftp', { remoteDir: join(server.rootDir, 'frozen') });
    const transport = keyed({ operationTimeoutMs: 300, readyTimeoutMs: 300 });
    expect((await transport.deliver(endpoint, delivery('tx-f1', { 'f1.csv': '1' }))).ok).toBe(true);
    const thaw = await server.pause();
    let frozen: DeliveryResult;
    const started = Date.now();
    try {
      // The pooled connection times out, and so does the fresh one tried once after it.
      frozen = await transport.deliver(endpoint, delivery('tx-f2', { 'f2.csv': '2' }));
    } finally {
      thaw();
    }
    expectFailure(frozen, 'SFTP_TIMEOUT', false);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await transport.deliver(endpoint, delivery('tx-f2', { 'f2.csv': '2' }))).ok).toBe(true);
    expect(await readFile(join(server.rootDir, 'frozen', 'f2.csv'), 'utf8')).toBe('2');
    // The frozen session, once thawed, may still run the OPEN it had queued: at worst an
    // empty hidden temporary file, deleted when a later connection delivers that file.
    expect((await server.files('frozen')).filter((f) => !f.startsWith('.'))).toEqual([
      'f1.csv',
      'f2.csv',
    ]);
  });

  it('should give up as transient when the server logs in but never starts the sftp session', async () => {
    // A key whose forced command swallows the SFTP INIT and never answers: the login
    // succeeds (ssh2's readyTimeout is over), the sftp session never starts.
    const mute = await generateKeyPair(server.workDir, `mute-${Date.now()}`);
    const authorized = join(server.workDir, 'authorized_keys');
    const before = await readFile(authorized, 'utf8');
    await appendFile(authorized, `command="cat >/dev/null" ${mute.publicKeyLine}\n`);
    try {
      const transport = new SftpTransport(
        { PASSERELLE_SECRET_TEST_SFTP_PRIVATE_KEY_FILE: mute.privateKeyFile },
        { readyTimeoutMs: 500, operationTimeoutMs: 500 },
      );
      transports.push(transport);
      const started = Date.now();
      const first = await within(
        4000,
        transport.deliver(server.endpoint(), delivery('tx-m1', { 'm.csv': 'm' })),
      );
      expect(first).not.toBe('still pending');
      expectFailure(first as DeliveryResult, 'SFTP_TIMEOUT', false);
      expect(Date.now() - started).toBeLessThan(3000);
      // The endpoint is not held up: the next delivery tries (and gives up) again.
      const second = await within(
        4000,
        transport.deliver(server.endpoint(), delivery('tx-m2', { 'm.csv': 'm' })),
      );
      expect(second).not.toBe('still pending');
      expectFailure(second as DeliveryResult, 'SFTP_TIMEOUT', false);
      expect(await within(3000, transport.close())).not.toBe('still pending');
      expect(await server.files()).not.toContain('m.csv');
    } finally {
      await writeFile(authorized, before);
    }
  }, 30_000);

  it('should close promptly when the server stops answering in the middle of an upload', async () => {
    await mkdir(join(server.rootDir, 'closing'));
    const endpoint = server.endpoint('test-sftp', { remoteDir: join(server.rootDir, 'closing') });
    // The default operation timeout: closing must not wait for it.
    const transport = keyed();
    expect((await transport.deliver(endpoint, delivery('tx-c1', { 'c1.csv': '1' }))).ok).toBe(true);
    const thaw = await server.pause();
    try {
      const delivering = transport.deliver(endpoint, delivery('tx-c2', { 'c2.csv': '2' }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      expect(await within(5000, transport.close())).not.toBe('still pending');
      expect(Date.now() - started).toBeLessThan(3000);
      const result = await within(1000, delivering);
      expect(result).toMatchObject({ ok: false, permanent: false });
      expect(await socketsHeldTo(server.port)).toBe(0);
    } finally {
      thaw();
    }
    expect(await server.files('closing')).not.toContain('c2.csv');
  }, 30_000);

  it('should close promptly while a connection is still being opened to a server that never speaks', async () => {
    const { port, sockets, close } = await startSilentServer();
    try {
      // The default connect deadline (15 s): as long as a whole shutdown's.
      const transport = keyed();
      const delivering = transport.deliver(
        server.endpoint('test-sftp', { port }),
        delivery('tx-o1', { 'x.csv': 'x' }),
      );
      while (sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const started = Date.now();
      expect(await within(5000, transport.close())).not.toBe('still pending');
      expect(Date.now() - started).toBeLessThan(3000);
      expectFailure((await within(1000, delivering)) as DeliveryResult, 'SFTP_CLOSED', false);
      expect(await socketsHeldTo(port)).toBe(0);
    } finally {
      await close();
    }
  }, 30_000);

  it('should let go of the socket of a connection it gave up on, though the server never closes it', async () => {
    await mkdir(join(server.rootDir, 'abandoned'));
    const endpoint = server.endpoint('test-sftp', { remoteDir: join(server.rootDir, 'abandoned') });
    const transport = keyed({ operationTimeoutMs: 300, readyTimeoutMs: 1000 });
    expect(await transport.deliver(endpoint, delivery('tx-a1', { 'a1.csv': '1' }))).toMatchObject({
      ok: true,
    });
    expect(await socketsHeldTo(server.port)).toBe(1);
    const thaw = await server.pause();
    try {
      const result = await transport.deliver(endpoint, delivery('tx-a2', { 'a2.csv': '2' }));
      expectFailure(result, 'SFTP_TIMEOUT', false);
      // Still frozen, the server never answers the disconnect: the socket is torn down
      // anyway, not kept half-closed for as long as the process lives.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(await socketsHeldTo(server.port)).toBe(0);
    } finally {
      thaw();
    }
  });

  it('should give each writer its own temporary file when two upload the same file at once', async () => {
    const dir = join(server.rootDir, 'writers');
    await mkdir(dir);
    const endpoint = server.endpoint('test-sftp', { remoteDir: dir });
    // Each with its connection, which has listed the folder already.
    const writers = [keyed(), keyed()];
    for (const [i, writer] of writers.entries()) {
      const warmUp = await writer.deliver(endpoint, delivery(`tx-w${i}`, { [`w${i}.csv`]: 'w' }));
      expect(warmUp.ok).toBe(true);
    }
    // Two workers delivering one transmission: one presumed dead but still uploading, one
    // retrying it. Every name created in the folder is seen (inotify), however briefly.
    const created = new Set<string>();
    const watcher = watch(dir, (_event, name) => {
      if (name !== null) created.add(name);
    });
    const contents = ['a'.repeat(300_000), 'b'.repeat(100)];
    let results: DeliveryResult[];
    try {
      results = await Promise.all(
        writers.map((writer, i) =>
          writer.deliver(endpoint, delivery('tx-w', { 'x.csv': contents[i] ?? '' })),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      watcher.close();
    }
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    const temporaries = [...created].filter((name) => name.startsWith('.'));
    // Two temporary files, not one written by both; hidden, each naming the file it becomes.
    expect(temporaries).toHaveLength(2);
    for (const name of temporaries) expect(name).toMatch(/^\.x\.csv\.[0-9a-f]{12}-\d+\.part$/);
    // One writer's file, whole; and no temporary file left.
    expect(contents).toContain(await readFile(join(dir, 'x.csv'), 'utf8'));
    expect(await server.files('writers')).toEqual(['w0.csv', 'w1.csv', 'x.csv']);
  });

  it('should delete the temporary files a dead writer left of a file when delivering it', async () => {
    const dir = join(server.rootDir, 'leftovers');
    await mkdir(dir);
    const endpoint = server.endpoint('test-sftp', { remoteDir: dir });
    // Left by writers cut off mid-upload (another process, an older version's fixed name);
    // of another file; and a hidden file that is none of ours.
    await writeFile(join(dir, '.x.csv.0123456789ab-7.part'), 'half of an upl');
    await writeFile(join(dir, '.x.csv.part'), '');
    await writeFile(join(dir, '.y.csv.0123456789ab-8.part'), 'y');
    await writeFile(join(dir, '.keep'), '');
    const transport = keyed();
    const result = await transport.deliver(endpoint, delivery('tx-l', { 'x.csv': 'data\n' }));
    expect(result.ok).toBe(true);
    expect(await readFile(join(dir, 'x.csv'), 'utf8')).toBe('data\n');
    // The file's leftovers are gone once it is in place; the rest stays until its own
    // file is delivered again.
    expect(await server.files('leftovers')).toEqual([
      '.keep',
      '.y.csv.0123456789ab-8.part',
      'x.csv',
    ]);
    expect((await transport.deliver(endpoint, delivery('tx-l', { 'y.csv': 'y\n' }))).ok).toBe(true);
    expect(await server.files('leftovers')).toEqual(['.keep', 'x.csv', 'y.csv']);
  });

  it('should remove the parts of an earlier attempt that a retry with fewer parts does not write, once its own are in place', async () => {
    const dir = join(server.rootDir, 'stale');
    await mkdir(dir);
    const endpoint = server.endpoint('test-sftp', { remoteDir: dir });
    const part = (n: number) => `flight-F1.tx-s.part0${n}.edi`;
    const parts = (count: number, tag: string) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [part(i + 1), `${tag} ${i + 1}`]));
    // An attempt before the first was cut off while uploading a fourth part.
    await writeFile(join(dir, `.${part(4)}.0123456789ab-9.part`), 'half of a fou');
    const transport = keyed();
    expect((await transport.deliver(endpoint, delivery('tx-s', parts(3, 'first')))).ok).toBe(true);
    expect(await server.files('stale')).toEqual([
      `.${part(4)}.0123456789ab-9.part`,
      part(1),
      part(2),
      part(3),
    ]);

    const requests = await requestsOf(transport, endpoint.id);
    const result = await transport.deliver(endpoint, {
      ...delivery('tx-s', parts(2, 'retry')),
      staleFiles: [part(3), part(4)],
    });
    // part04 was never in place: not an error, and not counted.
    expect(result).toMatchObject({ ok: true, staleRemoved: 1 });
    expect(await server.files('stale')).toEqual([part(1), part(2)]);
    expect(await readFile(join(dir, part(2)), 'utf8')).toBe('retry 2');
    // Removed only once every file of the retry was renamed into place.
    const lastRename = requests.lastIndexOf('ext_openssh_rename');
    expect(requests.indexOf('unlink')).toBeGreaterThan(lastRename);
    expect(requests.filter((r) => r === 'ext_openssh_rename')).toHaveLength(2);
  });

  it('should not wait for the operation timeout to remove stale parts when the connection dropped once its files were in place', async () => {
    const dir = join(server.rootDir, 'stale-dropped');
    await mkdir(dir);
    const endpoint = server.endpoint('test-sftp', { remoteDir: dir });
    // The default operation timeout: a removal sent on the dead channel gets no answer.
    const transport = keyed({ operationTimeoutMs: 60_000 });
    const first = delivery('tx-sd', { 'p1.edi': 'first 1', 'p2.edi': 'first 2' });
    expect((await transport.deliver(endpoint, first)).ok).toBe(true);
    // The server drops the connection right after it answered the retry's last rename.
    const pooled = (
      transport as unknown as { connections: Map<string, Promise<{ sftp: object }>> }
    ).connections.get(endpoint.id);
    const sftp = (await pooled!).sftp as Record<string, unknown>;
    const rename = sftp.ext_openssh_rename as (...a: unknown[]) => unknown;
    sftp.ext_openssh_rename = (from: unknown, to: unknown, cb: (error?: Error) => void) =>
      rename.call(sftp, from, to, (error?: Error) => {
        void server
          .dropSessions()
          .then(() => new Promise((resolve) => setTimeout(resolve, 200)))
          .then(() => {
            cb(error);
          });
      });
    const started = Date.now();
    const result = await within(
      10_000,
      transport.deliver(endpoint, {
        ...delivery('tx-sd', { 'p1.edi': 'retry 1' }),
        staleFiles: ['p2.edi'],
      }),
    );
    // Delivered (its file is in place); the stale part stays, for want of a connection.
    expect(result).toMatchObject({ ok: true, staleRemoved: 0 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await readFile(join(dir, 'p1.edi'), 'utf8')).toBe('retry 1');
  }, 90_000);

  it('should send no request beyond its uploads when a delivery has nothing stale', async () => {
    await mkdir(join(server.rootDir, 'fresh'));
    const endpoint = server.endpoint('test-sftp', { remoteDir: join(server.rootDir, 'fresh') });
    const transport = keyed();
    // The connection, and its one listing of the folder, made by a first delivery.
    expect((await transport.deliver(endpoint, delivery('tx-f0', { 'f0.csv': '0' }))).ok).toBe(true);
    const requests = await requestsOf(transport, endpoint.id);
    for (const staleFiles of [undefined, []]) {
      requests.length = 0;
      const result = await transport.deliver(endpoint, {
        ...delivery('tx-f1', { 'f1.csv': 'a', 'f2.csv': 'b' }),
        ...(staleFiles === undefined ? {} : { staleFiles }),
      });
      expect(result).toEqual({
        ok: true,
        locations: [
          `sftp://127.0.0.1:${server.port}${server.rootDir}/fresh/f1.csv`,
          `sftp://127.0.0.1:${server.port}${server.rootDir}/fresh/f2.csv`,
        ],
      });
      // Open, write, close and rename each file: as before stale files were removed.
      expect([...requests].sort()).toEqual([
        'close',
        'close',
        'ext_openssh_rename',
        'ext_openssh_rename',
        'open',
        'open',
        'write',
        'write',
      ]);
    }
  });

  it('should reuse one connection for many deliveries: one handshake in steady state', async () => {
    await mkdir(join(server.rootDir, 'reuse'));
    const endpoint = server.endpoint('test-sftp', { remoteDir: join(server.rootDir, 'reuse') });
    const transport = keyed();
    const logins = server.acceptedLogins();
    for (let i = 0; i < 20; i += 1) {
      const result = await transport.deliver(
        endpoint,
        delivery(`tx-r${i}`, { [`r${i}.csv`]: `${i}` }),
      );
      expect(result.ok).toBe(true);
    }
    // And concurrently: 30 deliveries of 3 files at once share the same connection.
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        transport.deliver(
          endpoint,
          delivery(`tx-c${i}`, {
            [`c${i}.1.csv`]: 'a',
            [`c${i}.2.csv`]: 'b',
            [`c${i}.3.csv`]: 'c',
          }),
        ),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(transport.stats()).toEqual({ handshakes: 1, openConnections: 1 });
    expect(await server.files('reuse')).toHaveLength(20 + 90);
    // The server's own log agrees: one login for 110 files.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.acceptedLogins() - logins).toBe(1);
  });

  it('should reconnect transparently when the pooled connection was dropped', async () => {
    await mkdir(join(server.rootDir, 'dropped'));
    const endpoint = server.endpoint('test-sftp', { remoteDir: join(server.rootDir, 'dropped') });
    const transport = keyed();
    expect((await transport.deliver(endpoint, delivery('tx-d1', { 'd1.csv': '1' }))).ok).toBe(true);
    await server.dropSessions();
    expect((await transport.deliver(endpoint, delivery('tx-d2', { 'd2.csv': '2' }))).ok).toBe(true);
    expect(transport.stats().handshakes).toBe(2);
    expect(await server.files('dropped')).toEqual(['d1.csv', 'd2.csv']);
  });

  it('should not write on a dead connection when files waiting for a slot get one after it dropped', async () => {
    await mkdir(join(server.rootDir, 'slots'));
    const endpoint = server.endpoint('test-sftp', { remoteDir: join(server.rootDir, 'slots') });
    // One file at a time, and the default operation timeout: a file sent on the dead
    // channel would get no answer, and only that timeout would end the delivery.
    const transport = keyed({ maxFilesInFlight: 1, operationTimeoutMs: 60_000 });
    expect((await transport.deliver(endpoint, delivery('tx-s1', { 's1.csv': '1' }))).ok).toBe(true);
    const large = Array.from({ length: 60_000 }, (_, i) => `line ${i};Ωmega\n`).join('');
    const started = Date.now();
    // Frozen, the server leaves the large file's first request unanswered while the small
    // file waits for the slot; its sessions are then killed, mid-upload.
    const thaw = await server.pause();
    let delivering: Promise<DeliveryResult>;
    try {
      delivering = transport.deliver(
        endpoint,
        delivery('tx-s2', { 'large.xml': large, 'small.csv': 'small\n' }),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      await server.dropSessions();
    } finally {
      thaw();
    }
    const result = await delivering;
    // Well under the operation timeout: the small file did not wait for it.
    expect(Date.now() - started).toBeLessThan(15_000);
    // The pooled connection was found dead: the delivery went again on a fresh one.
    expect(result.ok).toBe(true);
    expect(transport.stats().handshakes).toBe(2);
    expect(await readFile(join(server.rootDir, 'slots', 'large.xml'), 'utf8')).toBe(large);
    expect(await readFile(join(server.rootDir, 'slots', 'small.csv'), 'utf8')).toBe('small\n');
    expect(await server.files('slots')).toEqual(['large.xml', 's1.csv', 'small.csv']);
  }, 90_000);

  it('should close an idle connection and open a new one when needed again', async () => {
    await mkdir(join(server.rootDir, 'idle'));
    const endpoint = server.endpoint('test-sftp', { remoteDir: join(server.rootDir, 'idle') });
    const transport = keyed({ idleTimeoutMs: 100 });
    expect((await transport.deliver(endpoint, delivery('tx-i1', { 'i1.csv': '1' }))).ok).toBe(true);
    expect(transport.stats().openConnections).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(transport.stats().openConnections).toBe(0);
    expect((await transport.deliver(endpoint, delivery('tx-i2', { 'i2.csv': '2' }))).ok).toBe(true);
    expect(transport.stats().handshakes).toBe(2);
  });

  it('should refuse a file name that is not a plain name, and deliver nothing', async () => {
    const result = await keyed().deliver(
      server.endpoint(),
      delivery('tx-10', { 'ok.csv': 'x', '../escape.csv': 'x' }),
    );
    expectFailure(result, 'SFTP_INVALID_NAME', true);
    expect(await server.files()).not.toContain('ok.csv');
  });
});

describe('the sftp transport against a drop box that lets nobody delete a file', () => {
  let server: SftpTestServer;
  let transport: SftpTransport;

  beforeAll(async () => {
    server = await startSftpServer({ deniedRequests: ['remove'] });
    transport = new SftpTransport({
      PASSERELLE_SECRET_TEST_SFTP_PRIVATE_KEY_FILE: server.privateKeyFile,
    });
  });

  afterAll(async () => {
    await transport.close();
    await server.close();
  });

  it('should deliver, leaving the earlier parts it may not remove, when its own files are in place', async () => {
    const part = (n: number) => `flight-F1.tx-d.part0${n}.edi`;
    const endpoint = server.endpoint();
    expect(
      await transport.deliver(
        endpoint,
        delivery('tx-d', { [part(1)]: 'first 1', [part(2)]: 'first 2', [part(3)]: 'first 3' }),
      ),
    ).toMatchObject({ ok: true });
    const result = await transport.deliver(endpoint, {
      ...delivery('tx-d', { [part(1)]: 'retry 1', [part(2)]: 'retry 2' }),
      staleFiles: [part(3)],
    });
    // The retry's whole set is at the recipient: it was delivered, and the register must say
    // so (a failure would leave it out of the access report and of the recipients to tell).
    expect(result).toMatchObject({ ok: true, staleRemoved: 0 });
    expect(await server.files()).toEqual([part(1), part(2), part(3)]);
    expect(await readFile(join(server.rootDir, part(2)), 'utf8')).toBe('retry 2');
  });
});
