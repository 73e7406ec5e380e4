import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Endpoint } from '../../src/core/contracts/endpoints.js';
import { accepts, descendants, freePort } from './loopback.js';

const run = promisify(execFile);

const SSHD = '/usr/sbin/sshd';

/** A throwaway OpenSSH server on loopback: its own host key, client key, config and folder. */
export interface SftpTestServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The server's public host key, `ssh-ed25519 AAAA…`, to pin. */
  readonly hostKeyLine: string;
  /** The OS user the tests log in as (the current user). */
  readonly username: string;
  /** An authorized ed25519 private key (OpenSSH format, no passphrase). */
  readonly privateKeyFile: string;
  /** An absolute folder on the server to upload into (remote paths are absolute: no chroot). */
  readonly rootDir: string;
  /** The temporary folder holding keys, config, log and `rootDir`. */
  readonly workDir: string;
  /** An sftp endpoint for this server (`remoteDir` = `rootDir` unless overridden). */
  endpoint(id?: string, overrides?: Partial<Extract<Endpoint, { transport: 'sftp' }>>): Endpoint;
  /** Successful logins the server logged so far (`Accepted publickey …`), i.e. handshakes. */
  acceptedLogins(): number;
  /** Everything sshd wrote to stderr (`-e`), for assertions and debugging. */
  log(): string;
  /** Files in `rootDir` (or a sub-folder), hidden ones included, sorted. */
  files(subDir?: string): Promise<string[]>;
  /** Kills the listener and every open session: new connections are refused. */
  stop(): Promise<void>;
  /** Starts again on the same port with the same keys. */
  start(): Promise<void>;
  /** Kills the open sessions but keeps listening (a dropped connection). */
  dropSessions(): Promise<void>;
  /**
   * Freezes the server, listener and sessions (SIGSTOP): connections still open at the TCP
   * level but nothing answers. Returns the thaw.
   */
  pause(): Promise<() => void>;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

/** Generates a key pair with ssh-keygen; returns the private key path and public line. */
export async function generateKeyPair(
  dir: string,
  name: string,
  passphrase = '',
  type: 'ed25519' | 'ecdsa' = 'ed25519',
): Promise<{ readonly privateKeyFile: string; readonly publicKeyLine: string }> {
  const privateKeyFile = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', name, '-f', privateKeyFile]);
  const publicKeyLine = (await readFile(`${privateKeyFile}.pub`, 'utf8')).trim();
  return { privateKeyFile, publicKeyLine };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** OpenSSH ≥ 9.8 penalises sources that fail to log in; the tests do that on purpose. */
async function supportsPerSourcePenalties(): Promise<boolean> {
  const { stderr } = await run(SSHD, ['-V']).catch((error: unknown) => error as { stderr: string });
  const match = /OpenSSH_(\d+)\.(\d+)/.exec(stderr);
  if (match === null) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major > 9 || (major === 9 && minor >= 8);
}

/**
 * Starts a real OpenSSH `sshd` (`-D -e`) on a free loopback port as a throwaway instance:
 * keys generated with ssh-keygen, public-key login only, `internal-sftp`. Requires
 * openssh-server (`/usr/sbin/sshd`); `.ci/run` installs it. `deniedRequests`: SFTP requests
 * the server refuses (`internal-sftp -P`, answered as permission denied), e.g. `['remove']`
 * for a drop box that takes files but lets nobody delete one.
 */
export async function startSftpServer(
  options: { readonly deniedRequests?: readonly string[] } = {},
): Promise<SftpTestServer> {
  const workDir = await mkdtemp(join(tmpdir(), 'passerelle-sshd-'));
  const rootDir = join(workDir, 'upload');
  await mkdir(rootDir);
  // Privilege separation needs this folder when sshd runs as root.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }).catch(() => undefined);
  const hostKey = await generateKeyPair(workDir, 'ssh_host_ed25519_key');
  const client = await generateKeyPair(workDir, 'client_ed25519');
  await writeFile(join(workDir, 'authorized_keys'), `${client.publicKeyLine}\n`, { mode: 0o600 });
  const port = await freePort();
  const username = userInfo().username;
  const config = join(workDir, 'sshd_config');
  await writeFile(
    config,
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${hostKey.privateKeyFile}`,
      `PidFile ${join(workDir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(workDir, 'authorized_keys')}`,
      `AllowUsers ${username}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      // The temporary folder may be group-writable.
      'StrictModes no',
      'UsePAM no',
      'UseDNS no',
      'X11Forwarding no',
      'AllowTcpForwarding no',
      'MaxStartups 100:30:200',
      'LogLevel INFO',
      options.deniedRequests === undefined || options.deniedRequests.length === 0
        ? 'Subsystem sftp internal-sftp'
        : `Subsystem sftp internal-sftp -P ${options.deniedRequests.join(',')}`,
      ...((await supportsPerSourcePenalties()) ? ['PerSourcePenalties no'] : []),
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  let stderr = '';

  const start = async (): Promise<void> => {
    if (child !== undefined) return;
    const spawned = spawn(SSHD, ['-D', '-e', '-f', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = spawned;
    spawned.stderr.setEncoding('utf8');
    spawned.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const state = { exited: false };
    spawned.once('exit', () => {
      state.exited = true;
      if (child === spawned) child = undefined;
    });
    const deadline = Date.now() + 10_000;
    while (!(await accepts(port))) {
      if (state.exited) throw new Error(`sshd exited at start:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`sshd does not listen on ${port}:\n${stderr}`);
      await sleep(25);
    }
  };

  const dropSessions = async (): Promise<void> => {
    if (child?.pid === undefined) return;
    const sessions = await descendants(child.pid);
    for (const pid of sessions) kill(pid, 'SIGKILL');
    await sleep(50);
  };

  const pause = async (): Promise<() => void> => {
    if (child?.pid === undefined) return () => undefined;
    const frozen = [child.pid, ...(await descendants(child.pid))];
    for (const pid of frozen) kill(pid, 'SIGSTOP');
    return () => {
      for (const pid of frozen) kill(pid, 'SIGCONT');
    };
  };

  const stop = async (): Promise<void> => {
    const running = child;
    if (running?.pid === undefined) return;
    const sessions = await descendants(running.pid);
    const exited = new Promise((resolve) => running.once('exit', resolve));
    kill(running.pid, 'SIGTERM');
    for (const pid of sessions) kill(pid, 'SIGKILL');
    await exited;
    child = undefined;
    const deadline = Date.now() + 5000;
    while (await accepts(port)) {
      if (Date.now() > deadline) throw new Error(`port ${port} still accepts after stop`);
      await sleep(25);
    }
  };

  await start();

  return {
    host: '127.0.0.1',
    port,
    hostKeyLine: hostKey.publicKeyLine.split(' ').slice(0, 2).join(' '),
    username,
    privateKeyFile: client.privateKeyFile,
    rootDir,
    workDir,
    endpoint: (id = 'test-sftp', overrides = {}) => ({
      id,
      transport: 'sftp',
      host: '127.0.0.1',
      port,
      username,
      hostKey: hostKey.publicKeyLine.split(' ').slice(0, 2).join(' '),
      remoteDir: rootDir,
      ...overrides,
    }),
    acceptedLogins: () => (stderr.match(/Accepted publickey for /g) ?? []).length,
    log: () => stderr,
    files: async (subDir = '') => (await readdir(join(rootDir, subDir))).sort(),
    stop,
    start,
    dropSessions,
    pause,
    close: async () => {
      await stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
