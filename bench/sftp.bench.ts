import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, type SFTPWrapper } from 'ssh2';
import { parseHostKeyLine } from '../src/core/contracts/host-key-line.js';
import { hostKeyMatches } from '../src/modules/transports/host-key.js';
import { SftpTransport } from '../src/modules/transports/sftp.transport.js';
import { startSftpServer } from '../test/support/sftp-server.js';
import { throughput, type BenchResult } from './harness.js';

const FILES = Number(process.env.BENCH_SFTP_FILES ?? 300);
const FILE_BYTES = 2048;
const CONCURRENCY = Number(process.env.BENCH_SFTP_CONCURRENCY ?? 4);
/** Paired rounds, in alternating order (ABBA…): machine noise hits both sides alike. */
const ROUNDS = Number(process.env.BENCH_SFTP_ROUNDS ?? 10);

function connectRaw(options: {
  host: string;
  port: number;
  username: string;
  privateKeyFile: string;
  hostKeyLine: string;
}): Promise<{ client: Client; sftp: SFTPWrapper }> {
  const pinned = parseHostKeyLine(options.hostKeyLine);
  if (pinned === undefined) throw new Error('bad host key line');
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('error', reject);
    client.once('ready', () => {
      client.sftp((error, sftp) => {
        if (error) reject(error);
        else resolve({ client, sftp });
      });
    });
    client.connect({
      host: options.host,
      port: options.port,
      username: options.username,
      privateKey: readFileSync(options.privateKeyFile),
      hostVerifier: (key: Buffer) => hostKeyMatches(pinned, key),
    });
  });
}

function writeFile(sftp: SFTPWrapper, path: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    sftp.writeFile(path, data, (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * Issue 5: the SFTP transport (temporary name + rename, pinned host key, pooled connection)
 * against the loopback OpenSSH server, vs raw ssh2 `sftp.writeFile` on one reused connection:
 * same files, same count, same concurrency, rounds alternated. Also checks that the measured
 * rounds did no handshake at all (the transport's count and sshd's log agree).
 */
export async function benchSftp(): Promise<BenchResult> {
  const server = await startSftpServer();
  const transport = new SftpTransport({
    PASSERELLE_SECRET_BENCH_SFTP_PRIVATE_KEY_FILE: server.privateKeyFile,
  });
  const raw = await connectRaw(server);
  try {
    const subjectDir = join(server.rootDir, 'transport');
    const baselineDir = join(server.rootDir, 'raw');
    await mkdir(subjectDir);
    await mkdir(baselineDir);
    const endpoint = server.endpoint('bench-sftp', { remoteDir: subjectDir });
    const content = 'x'.repeat(FILE_BYTES - 1) + '\n';
    const data = Buffer.from(content);
    const viaTransport = (round: string) => async (i: number) => {
      const result = await transport.deliver(endpoint, {
        transmissionId: `bench-${round}-${i}`,
        contractId: 'bench',
        recipientId: 'BENCH',
        files: [{ name: `${round}-${i}.csv`, content, mediaType: 'text/csv' }],
      });
      if (!result.ok) throw new Error(`delivery failed: ${result.code}`);
    };
    const viaRaw = (round: string) => (i: number) =>
      writeFile(raw.sftp, `${baselineDir}/${round}-${i}.csv`, data);

    // Warm-up (JIT, server caches): the transport's one handshake happens here.
    await throughput(FILES, CONCURRENCY, viaTransport('warm'));
    await throughput(FILES, CONCURRENCY, viaRaw('warm'));
    const handshakesBefore = transport.stats().handshakes;
    const loginsBefore = server.acceptedLogins();

    const subject: number[] = [];
    const baseline: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const measureSubject = () => throughput(FILES, CONCURRENCY, viaTransport(`r${round}`));
      const measureBaseline = () => throughput(FILES, CONCURRENCY, viaRaw(`r${round}`));
      let s: number;
      let b: number;
      if (round % 2 === 0) {
        s = await measureSubject();
        b = await measureBaseline();
      } else {
        b = await measureBaseline();
        s = await measureSubject();
      }
      subject.push(s);
      baseline.push(b);
      ratios.push(s / b);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const handshakesDuringRun = transport.stats().handshakes - handshakesBefore;
    const loginsDuringRun = server.acceptedLogins() - loginsBefore;
    const value = median(subject);
    const base = median(baseline);
    const ratio = median(ratios);
    return {
      bench: `sftp: transport deliveries (temporary name + rename, pooled connection), ${FILES} × ${FILE_BYTES} B, concurrency ${CONCURRENCY}`,
      unit: 'files',
      value,
      baseline: { name: 'raw ssh2 sftp.writeFile on one reused connection', value: base },
      ratio,
      target: 0.8,
      targetOn: 'at-least',
      pass: ratio >= 0.8 && handshakesDuringRun === 0 && loginsDuringRun === 0,
      extra: {
        handshakesDuringRun,
        sshdLoginsDuringRun: loginsDuringRun,
        files: FILES * ROUNDS,
        concurrency: CONCURRENCY,
        rounds: ratios.map((r) => r.toFixed(2)).join(' '),
      },
    };
  } finally {
    raw.client.end();
    await transport.close();
    await server.close();
  }
}
