import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { posix } from 'node:path';
import type { ConnectConfig, SFTPWrapper } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';
import type { Endpoint } from '../../core/contracts/endpoints.js';
import { isSafePathSegment, removableStaleFiles } from './delivery-names.js';
import { endpointSecret, secretVariable } from './endpoint-secrets.js';
import { parseHostKeyLine } from '../../core/contracts/host-key-line.js';
import { hostKeyAlgorithms, hostKeyMatches } from './host-key.js';
import type { Delivery, DeliveryResult, OutgoingFile, Transport } from './transport.js';

type SftpEndpoint = Extract<Endpoint, { transport: 'sftp' }>;

export interface SftpTransportOptions {
  /** A connection unused this long is closed (ms); default 60 s. */
  readonly idleTimeoutMs?: number;
  /** Connect + handshake + authentication + start of the sftp session (ms); default 15 s. */
  readonly readyTimeoutMs?: number;
  /** One file's upload, from open to rename (ms); default 60 s. */
  readonly operationTimeoutMs?: number;
  /** Files uploaded at once on one connection (OpenSSH allows 100 open handles); default 16. */
  readonly maxFilesInFlight?: number;
}

/** What the pool did so far: the tests and the bench show there is no handshake per file. */
export interface SftpTransportStats {
  readonly handshakes: number;
  readonly openConnections: number;
}

/** A failure the transport reports as a result; never carries a message from the server. */
class SftpFailure extends Error {
  constructor(
    readonly code: string,
    readonly permanent: boolean,
    readonly reason: string,
    /** The connection is unusable: drop it (and, if it was a reused one, try a fresh one once). */
    readonly connectionLost = false,
  ) {
    super(reason);
    this.name = 'SftpFailure';
  }
}

interface Connection {
  readonly client: SftpClient;
  readonly sftp: SFTPWrapper;
  /** Ours, handed to ssh2, so that `end` can always tear it down. */
  readonly socket: Socket;
  alive: boolean;
  inFlight: number;
  posixRename: boolean;
  idleTimer: NodeJS.Timeout | undefined;
  readonly slots: { free: number; readonly waiting: (() => void)[] };
  /** Per remote folder, listed once: the temporary files found there, by final name. */
  readonly leftovers: Map<string, Promise<Map<string, string[]>>>;
}

/** SFTP v3 status codes (draft-ietf-secsh-filexfer-02 §7). */
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;
const OP_UNSUPPORTED = 8;

/**
 * Our temporary names, `.<name>.<writer>-<counter>.part`, and the older fixed `.<name>.part`
 * (a writer of a previous version may have left one).
 */
const TEMPORARY_NAME = /^\.(.+)\.[0-9a-f]{12}-\d+\.part$/;
const OLD_TEMPORARY_NAME = /^\.(.+)\.part$/;

/**
 * How long a connection being ended may take to close before its socket is destroyed:
 * ssh2's `end()` only half-closes it, and a server that stopped answering never closes
 * its side — the socket would stay open as long as the process, and `close()` would wait
 * for it for ever.
 */
const END_GRACE_MS = 1000;

/** Bytes per WRITE request: every SFTP server accepts 32 KiB. */
const CHUNK = 32 * 1024;

interface SshError extends Error {
  level?: string;
  code?: string | number;
}

/**
 * Delivers by SFTP (ssh2-sftp-client over ssh2) to an endpoint whose host key is PINNED:
 * the key the server presents must be the endpoint's `hostKey`, byte for byte, before any
 * credential is sent; a mismatch is refused as permanent and nothing is uploaded.
 * Credentials come from `PASSERELLE_SECRET_<ENDPOINT>_PASSWORD` or `…_PRIVATE_KEY_FILE`
 * (read at each connect, so a rotated key is picked up; optional `…_PASSPHRASE`).
 *
 * Each file is written under a hidden temporary name in the remote folder, then renamed over
 * `<name>` (POSIX rename when the server offers it, else delete then rename): the recipient
 * never sees half a file, and a retry — same transmission, same deterministic names —
 * replaces rather than duplicates. The temporary name, `.<name>.<writer>-<counter>.part`, is
 * this transport's own (random per instance, counted per file, as the outbox does): two
 * writers of one file — a worker presumed dead but still uploading, and the one retrying —
 * never write into the same temporary file and mix their bytes.
 *
 * Once every file of the delivery is in place, the files of earlier attempts it does not
 * write (`staleFiles`: the data changed, fewer parts) are removed — after, so that the
 * recipient never sees fewer files than a whole set; one already gone (picked up) is no error,
 * and one refused (or not answered in time) stays: the delivery's own files are in place, so
 * it stands. Names come from the transmission's row, not from listing the folder: a delivery
 * with nothing stale costs no request more.
 *
 * A temporary file is deleted when its upload fails, if the connection still allows it.
 * Those it could not delete (connection lost, writer killed) are found when a connection
 * first uses the folder (one listing per connection and folder, not per file), and deleted
 * once the file they were meant to become is in place: a writer still uploading one of
 * them then fails its rename, transiently, instead of replacing the newer file later.
 *
 * One connection per endpoint, reused by every delivery (SFTP multiplexes requests on one
 * channel), closed after an idle period, dropped and re-established when it breaks: in
 * steady state there is no handshake per file.
 *
 * ssh2-sftp-client opens and closes the connection; the file operations go straight to
 * its ssh2 SFTP channel, because its `put` streams through a WriteStream (an extra FCHMOD
 * and a wait for every WRITE before CLOSE) and each of its calls adds three listeners to
 * the shared connection, which many concurrent files would pile up.
 */
export class SftpTransport implements Transport {
  readonly type = 'sftp';
  private readonly connections = new Map<string, Promise<Connection>>();
  private handshakes = 0;
  private closed = false;
  private readonly idleTimeoutMs: number;
  private readonly readyTimeoutMs: number;
  private readonly operationTimeoutMs: number;
  private readonly maxFilesInFlight: number;
  /** Random per instance: the writer in our temporary names. */
  private readonly writer = randomBytes(6).toString('hex');
  private written = 0;
  /** Our temporary files being written: never taken for leftovers. */
  private readonly writing = new Set<string>();
  /**
   * The sockets of connections being opened: `close()` destroys them, rather than wait for
   * the connect deadline (15 s, a whole shutdown's) of a server that does not answer.
   */
  private readonly opening = new Set<Socket>();

  constructor(
    private readonly secrets: Readonly<Record<string, string>>,
    options: SftpTransportOptions = {},
  ) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 60_000;
    this.maxFilesInFlight = options.maxFilesInFlight ?? 16;
  }

  stats(): SftpTransportStats {
    return { handshakes: this.handshakes, openConnections: this.connections.size };
  }

  async deliver(endpoint: Endpoint | undefined, delivery: Delivery): Promise<DeliveryResult> {
    if (endpoint?.transport !== 'sftp') {
      return failed(new SftpFailure('SFTP_NO_ENDPOINT', true, 'no sftp endpoint given'));
    }
    if (!delivery.files.every((file) => isSafePathSegment(file.name))) {
      return failed(
        new SftpFailure('SFTP_INVALID_NAME', true, 'a file name is not a plain file name'),
      );
    }
    try {
      return { ok: true, ...(await this.upload(endpoint, delivery)) };
    } catch (error) {
      return failed(
        error instanceof SftpFailure
          ? error
          : new SftpFailure('SFTP_ERROR', false, 'unexpected error during the sftp delivery'),
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const socket of this.opening) socket.destroy();
    const pending = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(
      pending.map(async (connecting) => {
        const connection = await connecting.catch(() => undefined);
        if (connection !== undefined) await this.end(connection);
      }),
    );
  }

  /** Read through a call: the compiler takes the field for unchanged across an await. */
  private isClosed(): boolean {
    return this.closed;
  }

  private async upload(
    endpoint: SftpEndpoint,
    delivery: Delivery,
  ): Promise<{ locations: string[]; staleRemoved?: number }> {
    const stale = removableStaleFiles(delivery);
    for (let attempt = 0; ; attempt += 1) {
      const { connection, reused } = await this.acquire(endpoint);
      connection.inFlight += 1;
      this.stopIdleTimer(connection);
      try {
        const settled = await Promise.allSettled(
          delivery.files.map((file) => this.uploadFile(connection, endpoint, file)),
        );
        const failures = settled.flatMap((s) =>
          s.status === 'rejected' ? [s.reason as unknown] : [],
        );
        if (failures.length === 0) {
          const locations = delivery.files.map(
            (file) =>
              `sftp://${endpoint.host}:${endpoint.port}${posix.join(endpoint.remoteDir, file.name)}`,
          );
          if (stale.length === 0) return { locations };
          return { locations, staleRemoved: await this.removeStale(connection, endpoint, stale) };
        }
        const failure = failures.map(asFailure).sort((a, b) => rank(b) - rank(a))[0];
        throw failure ?? new SftpFailure('SFTP_ERROR', false, 'upload failed');
      } catch (error) {
        const failure = asFailure(error);
        if (failure.connectionLost) {
          this.discard(endpoint.id, connection);
          // A pooled connection may have died while idle (server restarted, NAT timeout):
          // one fresh attempt; the upload is idempotent (same final names).
          if (reused && attempt === 0) continue;
        }
        throw failure;
      } finally {
        connection.inFlight -= 1;
        this.startIdleTimer(endpoint.id, connection);
      }
    }
  }

  private async uploadFile(
    connection: Connection,
    endpoint: SftpEndpoint,
    file: OutgoingFile,
  ): Promise<void> {
    await this.slot(connection);
    const finalPath = posix.join(endpoint.remoteDir, file.name);
    const partPath = posix.join(endpoint.remoteDir, this.temporaryName(file.name));
    const progress = { opened: false };
    this.writing.add(partPath);
    try {
      // The connection may have died while this file waited for its slot. ssh2 drops the
      // requests sent on a closed channel without an answer, so writing on it would only
      // end at the operation timeout; failing now lets the delivery try a fresh one.
      if (!connection.alive) {
        throw new SftpFailure(
          'SFTP_CONNECTION_LOST',
          false,
          'the sftp connection was lost before the upload',
          true,
        );
      }
      const leftovers = this.leftovers(connection, endpoint.remoteDir);
      await withDeadline(this.operationTimeoutMs, async () => {
        const handle = await step('open', () => open(connection.sftp, partPath));
        progress.opened = true;
        await step('write', () =>
          writeAndClose(connection.sftp, handle, Buffer.from(file.content, 'utf8')),
        );
        await step('rename', () => this.replace(connection, partPath, finalPath));
      });
      // After the deadline: the file is in place, whatever becomes of its leftovers.
      await this.removeLeftovers(connection, endpoint.remoteDir, file.name, leftovers);
    } catch (error) {
      // Best effort: what is left is found by the next connection's listing.
      if (progress.opened && connection.alive) {
        void unlink(connection.sftp, partPath).catch(() => undefined);
      }
      // Marked dead before the slot goes to the next file, so that it does not use it.
      if (asFailure(error).connectionLost) this.discard(endpoint.id, connection);
      throw error;
    } finally {
      this.writing.delete(partPath);
      this.release(connection);
    }
  }

  /**
   * Removes the files of earlier attempts (`names`), all at once, under one operation
   * deadline; returns how many were removed. Best effort, never failing the delivery: its
   * own files are in place, so it was delivered, and the register must say so — a failure
   * would leave a whole disclosure out of the access report and of the recipients to tell
   * of an erasure, and a drop box that lets nobody delete a file would fail it for good.
   * A file refused (or not answered in time) stays. Their leftover temporary files the
   * connection's listing found go too (best effort): a writer presumed dead still uploading
   * one of them then fails its rename instead of putting back a part of the older set.
   */
  private async removeStale(
    connection: Connection,
    endpoint: SftpEndpoint,
    names: readonly string[],
  ): Promise<number> {
    // Lost once the files were in place: ssh2 never answers a request sent on a closed
    // channel, so the removals would only end at the deadline. They stay.
    if (!connection.alive) return 0;
    let removed = 0;
    try {
      await withDeadline(this.operationTimeoutMs, async () => {
        await Promise.all(
          names.map(async (name) => {
            const path = posix.join(endpoint.remoteDir, name);
            const found = await step('remove', () => unlinkIfPresent(connection.sftp, path)).catch(
              (error: unknown) => {
                if (asFailure(error).connectionLost) throw error;
                return false;
              },
            );
            if (found) removed += 1;
          }),
        );
      });
    } catch (error) {
      // Lost, or silent past the deadline: the next delivery starts on a fresh connection.
      if (asFailure(error).connectionLost) this.discard(endpoint.id, connection);
      return removed;
    }
    const listing = connection.leftovers.get(endpoint.remoteDir);
    if (listing !== undefined) {
      await Promise.all(
        names.map((name) => this.removeLeftovers(connection, endpoint.remoteDir, name, listing)),
      );
    }
    return removed;
  }

  /** `.<name>.<writer>-<counter>.part`: hidden, and never the name of another writer's file. */
  private temporaryName(name: string): string {
    this.written += 1;
    return `.${name}.${this.writer}-${this.written}.part`;
  }

  /**
   * The temporary files in `dir` when this connection first used it, by final name; none
   * when the folder cannot be listed (a drop box may allow writing only).
   */
  private leftovers(connection: Connection, dir: string): Promise<Map<string, string[]>> {
    const known = connection.leftovers.get(dir);
    if (known !== undefined) return known;
    const listing = readdir(connection.sftp, dir).then(
      (names) => {
        const byFile = new Map<string, string[]>();
        for (const name of names) {
          const file = (TEMPORARY_NAME.exec(name) ?? OLD_TEMPORARY_NAME.exec(name))?.[1];
          if (file !== undefined) byFile.set(file, [...(byFile.get(file) ?? []), name]);
        }
        return byFile;
      },
      () => new Map<string, string[]>(),
    );
    connection.leftovers.set(dir, listing);
    return listing;
  }

  /**
   * Deletes the leftover temporary files of `name`, now that `name` is in place. Best
   * effort, never failing the file, and waiting at most the operation timeout: a folder
   * too large to list in that time keeps its leftovers rather than delaying every file.
   */
  private async removeLeftovers(
    connection: Connection,
    dir: string,
    name: string,
    listing: Promise<Map<string, string[]>>,
  ): Promise<void> {
    await atMost(this.operationTimeoutMs, async () => {
      const leftovers = await listing;
      const found = leftovers.get(name);
      if (found === undefined || !connection.alive) return;
      leftovers.delete(name);
      const stale = found
        .map((temporary) => posix.join(dir, temporary))
        .filter((path) => !this.writing.has(path));
      await Promise.all(stale.map((path) => unlink(connection.sftp, path).catch(() => undefined)));
    });
  }

  private async replace(connection: Connection, from: string, to: string): Promise<void> {
    if (connection.posixRename) {
      try {
        await posixRename(connection.sftp, from, to);
        return;
      } catch (error) {
        if (!(error instanceof Error) || !error.message.includes('does not support')) throw error;
        connection.posixRename = false;
      }
    }
    // SFTP v3 RENAME refuses an existing target: delete it first. Not atomic — a reader
    // may briefly see no file, never half of one.
    await unlink(connection.sftp, to).catch((error: unknown) => {
      if ((error as SshError).code !== NO_SUCH_FILE) throw error;
    });
    await rename(connection.sftp, from, to);
  }

  private async acquire(
    endpoint: SftpEndpoint,
  ): Promise<{ connection: Connection; reused: boolean }> {
    if (this.closed) throw new SftpFailure('SFTP_CLOSED', false, 'the sftp transport is closed');
    const existing = this.connections.get(endpoint.id);
    if (existing !== undefined) {
      const connection = await existing.catch(() => undefined);
      if (connection?.alive === true) return { connection, reused: true };
      if (this.connections.get(endpoint.id) === existing) this.connections.delete(endpoint.id);
      // A concurrent caller may already be reconnecting.
      const other = this.connections.get(endpoint.id);
      if (other !== undefined && other !== existing) {
        return { connection: await other, reused: false };
      }
    }
    const connecting = this.connect(endpoint);
    this.connections.set(endpoint.id, connecting);
    try {
      return { connection: await connecting, reused: false };
    } catch (error) {
      if (this.connections.get(endpoint.id) === connecting) this.connections.delete(endpoint.id);
      throw error;
    }
  }

  private async connect(endpoint: SftpEndpoint): Promise<Connection> {
    const pinned = parseHostKeyLine(endpoint.hostKey);
    if (pinned === undefined) {
      throw new SftpFailure(
        'SFTP_HOST_KEY_INVALID',
        true,
        `the pinned host key of endpoint ${endpoint.id} is not a valid key line`,
      );
    }
    const credentials = await this.credentials(endpoint);
    let mismatch = false;
    let connectError: SshError | undefined;
    // Set once connected: the close and error callbacks are registered before.
    const holder: { connection?: Connection } = {};
    const lost = () => {
      if (holder.connection !== undefined) this.discard(endpoint.id, holder.connection);
    };
    // Our own listeners: the library's defaults write to the console.
    const client = new SftpClient(`passerelle-${endpoint.id}`, {
      error: lost,
      end: lost,
      close: lost,
    });
    const captureError = (error: SshError) => {
      connectError ??= error;
    };
    client.on('error', captureError);
    const socket = new Socket();
    this.opening.add(socket);
    const config: ConnectConfig = {
      sock: socket,
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.username,
      ...credentials,
      hostVerifier: (key: Buffer) => {
        const matches = hostKeyMatches(pinned, key);
        if (!matches) mismatch = true;
        return matches;
      },
      algorithms: { serverHostKey: hostKeyAlgorithms(pinned.type) },
      readyTimeout: this.readyTimeoutMs,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      tryKeyboard: false,
    };
    // ssh2's readyTimeout ends at login, but the sftp session starts after it: a server that
    // never answers its INIT would hold this connect — and every delivery to the endpoint,
    // all waiting for it — for ever. One deadline covers the whole of it.
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, this.readyTimeoutMs);
    let sftp: SFTPWrapper;
    try {
      // Closed while the credentials were read: `close()` did not see this socket.
      if (this.isClosed())
        throw new SftpFailure('SFTP_CLOSED', false, 'the sftp transport is closed');
      // Connecting already (ssh2 waits for it): ssh2 would take an idle socket for connected.
      socket.connect({ host: endpoint.host, port: endpoint.port });
      sftp = await client.connect(config);
    } catch (error) {
      socket.destroy();
      // Whatever ssh2 made of the socket `close()` destroyed.
      if (this.isClosed())
        throw new SftpFailure('SFTP_CLOSED', false, 'the sftp transport is closed');
      throw connectFailure(endpoint, mismatch, timedOut, connectError ?? (error as SshError));
    } finally {
      clearTimeout(deadline);
      this.opening.delete(socket);
      client.removeListener('error', captureError);
    }
    this.handshakes += 1;
    // Ours, called on every close whatever the library's bookkeeping of handled events.
    client.on('close', lost);
    // The channel's end comes first, right after ssh2 failed the requests in flight.
    sftp.on('end', lost);
    sftp.on('close', lost);
    const connection: Connection = {
      client,
      sftp,
      socket,
      alive: true,
      inFlight: 0,
      posixRename: true,
      idleTimer: undefined,
      slots: { free: this.maxFilesInFlight, waiting: [] },
      leftovers: new Map(),
    };
    holder.connection = connection;
    if (this.closed) {
      await this.end(connection);
      throw new SftpFailure('SFTP_CLOSED', false, 'the sftp transport is closed');
    }
    return connection;
  }

  /** Password and/or private key; a missing or unreadable secret is a permanent failure. */
  private async credentials(
    endpoint: SftpEndpoint,
  ): Promise<Pick<ConnectConfig, 'password' | 'privateKey' | 'passphrase'>> {
    const password = endpointSecret(this.secrets, endpoint.id, 'PASSWORD');
    const keyFile = endpointSecret(this.secrets, endpoint.id, 'PRIVATE_KEY_FILE');
    const passphrase = endpointSecret(this.secrets, endpoint.id, 'PASSPHRASE');
    if (password === undefined && keyFile === undefined) {
      throw new SftpFailure(
        'SFTP_NO_CREDENTIALS',
        true,
        `neither ${secretVariable(endpoint.id, 'PASSWORD')} nor ${secretVariable(endpoint.id, 'PRIVATE_KEY_FILE')} is set`,
      );
    }
    let privateKey: Buffer | undefined;
    if (keyFile !== undefined) {
      try {
        privateKey = await readFile(keyFile);
      } catch {
        throw new SftpFailure(
          'SFTP_KEY_UNREADABLE',
          true,
          `the file named by ${secretVariable(endpoint.id, 'PRIVATE_KEY_FILE')} cannot be read`,
        );
      }
    }
    return {
      ...(password === undefined ? {} : { password }),
      ...(privateKey === undefined ? {} : { privateKey }),
      ...(passphrase === undefined ? {} : { passphrase }),
    };
  }

  private slot(connection: Connection): Promise<void> {
    if (connection.slots.free > 0) {
      connection.slots.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => connection.slots.waiting.push(resolve));
  }

  private release(connection: Connection): void {
    const next = connection.slots.waiting.shift();
    if (next === undefined) connection.slots.free += 1;
    else next();
  }

  private stopIdleTimer(connection: Connection): void {
    if (connection.idleTimer !== undefined) clearTimeout(connection.idleTimer);
    connection.idleTimer = undefined;
  }

  private startIdleTimer(endpointId: string, connection: Connection): void {
    if (connection.inFlight > 0 || !connection.alive) return;
    this.stopIdleTimer(connection);
    connection.idleTimer = setTimeout(() => {
      if (connection.inFlight === 0) this.discard(endpointId, connection);
    }, this.idleTimeoutMs);
    connection.idleTimer.unref();
  }

  /** Forgets a connection and closes it (idle, broken, or timed out). */
  private discard(endpointId: string, connection: Connection): void {
    if (!connection.alive) return;
    connection.alive = false;
    this.stopIdleTimer(connection);
    const current = this.connections.get(endpointId);
    if (current !== undefined) {
      void current.then(
        (c) => {
          if (c === connection && this.connections.get(endpointId) === current) {
            this.connections.delete(endpointId);
          }
        },
        () => undefined,
      );
    }
    void this.end(connection);
  }

  /** Ends the connection politely, and destroys its socket if it is not closed soon after. */
  private async end(connection: Connection): Promise<void> {
    connection.alive = false;
    this.stopIdleTimer(connection);
    const { socket } = connection;
    if (socket.destroyed) return;
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const timer = setTimeout(() => socket.destroy(), END_GRACE_MS);
    // Not awaited: it waits for the close, and never settles when the socket closed first.
    void connection.client.end().catch(() => undefined);
    await closed;
    clearTimeout(timer);
  }
}

function failed(failure: SftpFailure): DeliveryResult {
  return { ok: false, permanent: failure.permanent, code: failure.code, reason: failure.reason };
}

/** Which failure of several files to report: permanent ones first, they need a person. */
function rank(failure: SftpFailure): number {
  return failure.permanent ? 1 : 0;
}

function asFailure(error: unknown): SftpFailure {
  return error instanceof SftpFailure
    ? error
    : new SftpFailure('SFTP_CONNECTION_LOST', false, 'the sftp connection was lost', true);
}

function connectFailure(
  endpoint: SftpEndpoint,
  mismatch: boolean,
  timedOut: boolean,
  error: SshError,
): SftpFailure {
  const where = `${endpoint.host}:${endpoint.port}`;
  if (mismatch) {
    return new SftpFailure(
      'SFTP_HOST_KEY_MISMATCH',
      true,
      `the server at ${where} presented a host key other than the one pinned for endpoint ${endpoint.id}`,
    );
  }
  // Our deadline: whatever ssh2 or the library made of the destroyed socket.
  if (timedOut) {
    return new SftpFailure(
      'SFTP_TIMEOUT',
      false,
      `no ssh handshake and sftp session with ${where} in time`,
    );
  }
  switch (error.level) {
    case 'client-authentication':
      return new SftpFailure(
        'SFTP_AUTH_REFUSED',
        true,
        `the server at ${where} refused the credentials of endpoint ${endpoint.id}`,
      );
    case 'client-timeout':
      return new SftpFailure('SFTP_TIMEOUT', false, `no ssh handshake with ${where} in time`);
    case 'client-socket':
    case 'client-dns': {
      const code = typeof error.code === 'string' ? error.code : 'network error';
      return new SftpFailure(
        'SFTP_CONNECTION_FAILED',
        false,
        `cannot connect to ${where} (${code})`,
      );
    }
    case 'handshake':
      // No common host key algorithm means the server does not hold the pinned key type.
      return /host key/i.test(error.message)
        ? new SftpFailure(
            'SFTP_HOST_KEY_MISMATCH',
            true,
            `the server at ${where} holds no host key of the type pinned for endpoint ${endpoint.id}`,
          )
        : new SftpFailure('SFTP_HANDSHAKE_FAILED', true, `ssh handshake with ${where} failed`);
    default:
      // Thrown by ssh2 before connecting: a private key it cannot parse (or decrypt).
      if (error.message.includes('privateKey')) {
        return new SftpFailure(
          'SFTP_KEY_INVALID',
          true,
          `the private key of endpoint ${endpoint.id} cannot be used (bad format or passphrase)`,
        );
      }
      return new SftpFailure('SFTP_CONNECTION_FAILED', false, `connection to ${where} failed`);
  }
}

/** Runs `task`, or fails as a lost connection (dropped, so nothing waits on it) after `ms`. */
async function withDeadline(ms: number, task: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new SftpFailure('SFTP_TIMEOUT', false, 'the sftp server did not answer in time', true),
      );
    }, ms);
  });
  try {
    await Promise.race([task(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `task`, ignoring its failure, and stops waiting for it after `ms`. */
async function atMost(ms: number, task: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const enough = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([task().catch(() => undefined), enough]);
  } finally {
    clearTimeout(timer);
  }
}

/** Wraps one step's error: SFTP status codes become stable codes, the rest a lost connection. */
async function step<T>(
  name: 'open' | 'write' | 'rename' | 'remove',
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SftpFailure) throw error;
    const status = (error as SshError).code;
    if (status === NO_SUCH_FILE && name === 'open') {
      throw new SftpFailure('SFTP_REMOTE_DIR_MISSING', true, 'the remote folder does not exist');
    }
    if (status === PERMISSION_DENIED) {
      throw new SftpFailure('SFTP_PERMISSION_DENIED', true, `the server refused the ${name}`);
    }
    if (status === OP_UNSUPPORTED) {
      throw new SftpFailure('SFTP_UNSUPPORTED', true, `the server does not support the ${name}`);
    }
    if (typeof status === 'number') {
      throw new SftpFailure(
        'SFTP_FAILURE',
        false,
        `the server failed the ${name} (status ${status})`,
      );
    }
    throw new SftpFailure(
      'SFTP_CONNECTION_LOST',
      false,
      `the sftp connection was lost during the ${name}`,
      true,
    );
  }
}

function open(sftp: SFTPWrapper, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sftp.open(path, 'w', (error, handle) => {
      if (error) reject(error);
      else resolve(handle);
    });
  });
}

/**
 * Sends every WRITE and the CLOSE at once instead of waiting for each answer: requests on
 * one handle are processed in order (OpenSSH's sftp-server handles a channel's requests one
 * by one), so a small file costs one round trip for data and close, as ssh2's `writeFile`
 * does for data alone. Any failed write fails the file, and it is then not renamed.
 */
function writeAndClose(sftp: SFTPWrapper, handle: Buffer, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = 0;
    let failure: unknown;
    const done = (error?: unknown) => {
      if (error !== undefined && error !== null) failure ??= error;
      pending -= 1;
      if (pending > 0) return;
      if (failure === undefined) resolve();
      else reject(failure instanceof Error ? failure : new Error('sftp write failed'));
    };
    for (let offset = 0; offset < data.length; offset += CHUNK) {
      pending += 1;
      sftp.write(handle, data, offset, Math.min(CHUNK, data.length - offset), offset, done);
    }
    pending += 1;
    sftp.close(handle, done);
  });
}

/** `posix-rename@openssh.com`: replaces an existing target atomically. */
function posixRename(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // Throws at once when the server did not announce the extension.
    sftp.ext_openssh_rename(from, to, (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

function rename(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    sftp.rename(from, to, (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

function readdir(sftp: SFTPWrapper, path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    sftp.readdir(path, (error, list) => {
      if (error) reject(error);
      else resolve(list.map((entry) => entry.filename));
    });
  });
}

/** Removes a file; false when there was none (never written, or picked up already). */
function unlinkIfPresent(sftp: SFTPWrapper, path: string): Promise<boolean> {
  return unlink(sftp, path).then(
    () => true,
    (error: unknown) => {
      if ((error as SshError).code === NO_SUCH_FILE) return false;
      throw error;
    },
  );
}

function unlink(sftp: SFTPWrapper, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    sftp.unlink(path, (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}
