import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** A certificate and its key, PEM. */
export interface Pem {
  readonly cert: string;
  readonly key: string;
}

/** A throwaway PKI: a CA, a server certificate for 127.0.0.1/localhost, a client certificate. */
export interface TestPki {
  readonly ca: Pem;
  readonly server: Pem;
  readonly client: Pem;
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Whether the client presented a certificate the server verified. */
  readonly clientCertificate: boolean;
}

/** What the server answers; `delayMs` holds the answer back (timeouts). */
export interface Reply {
  readonly status: number;
  readonly body?: string;
  readonly delayMs?: number;
}

export interface HttpsTestServer {
  readonly port: number;
  /** `https://127.0.0.1:<port>` */
  readonly origin: string;
  /** The CA that signed the server (and client) certificates, PEM: what clients must trust. */
  readonly caPem: string;
  readonly pki: TestPki;
  /** Files (PEM) for the `PASSERELLE_SECRET_<ENDPOINT>_…_FILE` variables. */
  readonly files: { readonly ca: string; readonly clientCert: string; readonly clientKey: string };
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** TLS connections established so far (a client keeping connections alive opens few). */
  secureConnections(): number;
  /** How the server answers; replace it to change the behaviour. Default: 201. */
  reply: (request: RecordedRequest) => Reply;
  close(): Promise<void>;
}

async function certificateAuthority(name: string): Promise<Pem> {
  const pems = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** A CA, and a server and a client certificate signed by it. */
export async function createTestPki(name = 'Passerelle test CA'): Promise<TestPki> {
  const ca = await certificateAuthority(name);
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { cert: ca.cert, key: ca.key },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  const client = await generate([{ name: 'commonName', value: 'passerelle-client' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { cert: ca.cert, key: ca.key },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  return {
    ca,
    server: { cert: server.cert, key: server.private },
    client: { cert: client.cert, key: client.private },
  };
}

/**
 * A local HTTPS receiver on 127.0.0.1 (node:https) recording each request's headers and
 * body. `requireClientCertificate` makes it refuse any client without a certificate from
 * its CA; `pki` lets several servers share (or deliberately not share) a CA.
 */
export async function startHttpsServer(
  options: { readonly requireClientCertificate?: boolean; readonly pki?: TestPki } = {},
): Promise<HttpsTestServer> {
  const pki = options.pki ?? (await createTestPki());
  const dir = await mkdtemp(join(tmpdir(), 'passerelle-https-'));
  const files = {
    ca: join(dir, 'ca.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client-key.pem'),
  };
  await writeFile(files.ca, pki.ca.cert);
  await writeFile(files.clientCert, pki.client.cert);
  await writeFile(files.clientKey, pki.client.key, { mode: 0o600 });
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const state: { reply: HttpsTestServer['reply'] } = { reply: () => ({ status: 201 }) };

  const server: Server = createServer(
    {
      cert: pki.server.cert,
      key: pki.server.key,
      ca: [pki.ca.cert],
      requestCert: options.requireClientCertificate === true,
      rejectUnauthorized: options.requireClientCertificate === true,
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const socket = req.socket as typeof req.socket & { authorized?: boolean };
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          clientCertificate: socket.authorized === true,
        };
        requests.push(recorded);
        const reply = state.reply(recorded);
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(reply.status, { 'content-type': 'text/plain' });
          res.end(reply.body ?? '');
        };
        if (reply.delayMs === undefined) send();
        else {
          const timer = setTimeout(() => {
            timers.delete(timer);
            send();
          }, reply.delayMs);
          timers.add(timer);
        }
      });
    },
  );
  let secureConnections = 0;
  server.on('secureConnection', () => {
    secureConnections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    origin: `https://127.0.0.1:${port}`,
    caPem: pki.ca.cert,
    pki,
    files,
    requests,
    secureConnections: () => secureConnections,
    get reply() {
      return state.reply;
    },
    set reply(value) {
      state.reply = value;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
