import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import type { Endpoint } from '../../core/contracts/endpoints.js';
import { settlesWithin } from '../shared/close-worker.js';
import { isSafePathSegment } from './delivery-names.js';
import { endpointSecret, secretVariable, type EndpointSecret } from './endpoint-secrets.js';
import type { Delivery, DeliveryResult, OutgoingFile, Transport } from './transport.js';

type HttpsEndpoint = Extract<Endpoint, { transport: 'https' }>;

type Failure = Extract<DeliveryResult, { ok: false }>;

/** Node's certificate verification errors (X509_V_ERR_*, without the prefix) and name checks. */
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const TIMEOUT_ERRORS = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/**
 * Delivers by HTTPS: one POST per file to the endpoint's URL (`{recipientId}` replaced by
 * the delivery's recipient, URL-encoded), with the file's media type, an `Idempotency-Key`
 * (see `idempotencyKey`) and the file name in `X-Passerelle-File`.
 *
 * TLS is always verified. Per endpoint, from `PASSERELLE_SECRET_<ENDPOINT>_…`: an extra CA
 * (`CA_FILE`, added to the system roots), a client certificate (`CLIENT_CERT_FILE` and
 * `CLIENT_KEY_FILE`), a bearer token (`TOKEN`). Files are read when the endpoint's agent is
 * first needed; the agent keeps its connections alive between deliveries.
 *
 * Outcomes: 2xx delivered; 408, 409, 425, 429 and 5xx transient (see `isTransientStatus`);
 * any other status permanent (`HTTPS_STATUS_<code>`); a certificate refused either way permanent
 * (`HTTPS_TLS_REFUSED`), and so is a client certificate or key that cannot be used
 * (`HTTPS_CREDENTIALS_INVALID`); timeouts (`endpoint.timeoutMs`, connect to response) and network
 * errors transient. The response body is never read: it may echo the data.
 *
 * A delivery's `staleFiles` (parts of an earlier attempt this one does not send) are ignored:
 * a POST cannot be taken back.
 */
export class HttpsTransport implements Transport {
  readonly type = 'https';
  private readonly agents = new Map<string, Agent>();
  /** Set by `close()`: no pool is built after it (nothing would ever close that one). */
  private closed = false;
  /** The POSTs under way: `close()` lets them finish within a short grace only. */
  private readonly posting = new Set<Promise<unknown>>();

  constructor(private readonly secrets: Readonly<Record<string, string>>) {}

  async deliver(endpoint: Endpoint | undefined, delivery: Delivery): Promise<DeliveryResult> {
    if (endpoint?.transport !== 'https') {
      return failure('HTTPS_NO_ENDPOINT', true, 'no https endpoint given');
    }
    if (!delivery.files.every((file) => isSafePathSegment(file.name))) {
      return failure('HTTPS_INVALID_NAME', true, 'a file name is not a plain file name');
    }
    const agent = await this.agent(endpoint);
    if (!(agent instanceof Agent)) return agent;
    const url = endpoint.url.replaceAll('{recipientId}', encodeURIComponent(delivery.recipientId));
    const token = endpointSecret(this.secrets, endpoint.id, 'TOKEN');
    const locations: string[] = [];
    // One after the other: a recipient that refuses a file refuses the next one as well.
    for (const file of delivery.files) {
      const posting = post(agent, url, endpoint.timeoutMs, token, delivery, file);
      this.posting.add(posting);
      const outcome = await posting.finally(() => this.posting.delete(posting));
      // Cut off by `close()` (its pool destroyed), or sent on a pool it closed.
      if (outcome?.code === 'HTTPS_NETWORK_ERROR' && this.isClosed()) {
        return failure('HTTPS_CLOSED', false, 'the https transport is closed');
      }
      if (outcome !== undefined) return outcome;
      locations.push(`${withoutQuery(url)}#${file.name}`);
    }
    return { ok: true, locations };
  }

  async close(): Promise<void> {
    this.closed = true;
    const agents = [...this.agents.values()];
    this.agents.clear();
    // undici's close() waits for the requests under way, each up to its endpoint's timeout
    // (30 s by default): a receiver holding back its answer would hold the shutdown past its
    // deadline. Past a short grace the pools are destroyed, cutting those requests off
    // (transient: they go again under the same Idempotency-Key).
    const finished = await settlesWithin(Promise.allSettled([...this.posting]), CLOSE_GRACE_MS);
    await Promise.all(
      agents.map((agent) => (finished ? agent.close() : agent.destroy()).catch(() => undefined)),
    );
  }

  private isClosed(): boolean {
    return this.closed;
  }

  private async agent(endpoint: HttpsEndpoint): Promise<Agent | Failure> {
    if (this.closed) return failure('HTTPS_CLOSED', false, 'the https transport is closed');
    const existing = this.agents.get(endpoint.id);
    if (existing !== undefined) return existing;
    const read = async (what: EndpointSecret): Promise<Buffer | undefined> => {
      const file = endpointSecret(this.secrets, endpoint.id, what);
      return file === undefined ? undefined : readFile(file);
    };
    let ca: Buffer | undefined;
    let cert: Buffer | undefined;
    let key: Buffer | undefined;
    try {
      [ca, cert, key] = await Promise.all([
        read('CA_FILE'),
        read('CLIENT_CERT_FILE'),
        read('CLIENT_KEY_FILE'),
      ]);
    } catch {
      return failure(
        'HTTPS_CREDENTIALS_UNREADABLE',
        true,
        `a file named by ${secretVariable(endpoint.id, 'CA_FILE')}, …_CLIENT_CERT_FILE or …_CLIENT_KEY_FILE cannot be read`,
      );
    }
    if ((cert === undefined) !== (key === undefined)) {
      return failure(
        'HTTPS_CLIENT_CERT_INCOMPLETE',
        true,
        `${secretVariable(endpoint.id, 'CLIENT_CERT_FILE')} and …_CLIENT_KEY_FILE go together`,
      );
    }
    const tls = {
      ...(ca === undefined ? {} : { ca: [...rootCertificates, ca.toString('utf8')] }),
      ...(cert === undefined || key === undefined ? {} : { cert, key }),
    };
    // Tried here, once: at connect time a key that is no key, or not the certificate's,
    // fails as ERR_OSSL_* like a network error, and would be retried for nothing.
    try {
      createSecureContext(tls);
    } catch {
      return failure(
        'HTTPS_CREDENTIALS_INVALID',
        true,
        `the files named by ${secretVariable(endpoint.id, 'CLIENT_CERT_FILE')}, …_CLIENT_KEY_FILE or …_CA_FILE are not a usable certificate and key`,
      );
    }
    // Closed while the files were read: a pool built now would never be closed. (Read
    // through a call: the compiler takes the field for still false after the await.)
    if (this.isClosed()) return failure('HTTPS_CLOSED', false, 'the https transport is closed');
    // A concurrent delivery may have built one meanwhile.
    const raced = this.agents.get(endpoint.id);
    if (raced !== undefined) return raced;
    const agent = new Agent({
      connect: { rejectUnauthorized: true, timeout: endpoint.timeoutMs, ...tls },
      headersTimeout: endpoint.timeoutMs,
      bodyTimeout: endpoint.timeoutMs,
      keepAliveTimeout: 30_000,
    });
    this.agents.set(endpoint.id, agent);
    return agent;
  }
}

/** How long `close()` lets the requests under way finish before it cuts them off (ms). */
const CLOSE_GRACE_MS = 1000;

/** POSTs one file; undefined when the recipient took it, else why not. */
async function post(
  agent: Agent,
  url: string,
  timeoutMs: number,
  token: string | undefined,
  delivery: Delivery,
  file: OutgoingFile,
): Promise<Failure | undefined> {
  let status: number;
  const body = Buffer.from(file.content, 'utf8');
  try {
    const response = await request(url, {
      method: 'POST',
      dispatcher: agent,
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': file.mediaType,
        'idempotency-key': headerValue(idempotencyKey(delivery.transmissionId, file.name, body)),
        'x-passerelle-file': headerValue(file.name),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body,
    });
    status = response.statusCode;
    // Drained, never read: the body may echo the data.
    await response.body.dump().catch(() => undefined);
  } catch (error) {
    return networkFailure(error);
  }
  if (status >= 200 && status < 300) return undefined;
  const transient = isTransientStatus(status);
  return failure(
    `HTTPS_STATUS_${status}`,
    !transient,
    `the recipient answered ${status}${transient ? '' : ' (not retried)'}`,
  );
}

/**
 * `<transmission id>:<file name>:<content digest>`, the digest being the first 32 hex
 * digits of the SHA-256 of the bytes sent. The worker renders the data again on every
 * attempt, so a retry may carry a different body: a key naming only the transmission and
 * the file would let a receiver that honours keys answer from its first request and keep
 * the old data while we record the new payload as delivered. With the digest, a retry of
 * the same bytes reuses the key (the receiver drops the repeat) and changed bytes get a new
 * one (the receiver takes them). The transmission id comes first, so a key still tells
 * which transmission it belongs to.
 */
function idempotencyKey(transmissionId: string, fileName: string, body: Buffer): string {
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 32);
  return `${transmissionId}:${fileName}:${digest}`;
}

/**
 * Statuses worth retrying: the receiver may answer otherwise later. 408 (it gave up
 * waiting for our request), 425 (too early, RFC 8470), 429 (rate limited) and 5xx say so
 * outright. 409 is what the IETF Idempotency-Key draft answers to a request whose key is
 * still being processed — exactly the retry that follows one of our own timeouts — so it
 * is retried too, and the retry, sent later under the same key, gets the first request's
 * answer. A 429's `Retry-After` is not honoured: a delivery result has no way to carry
 * it, and the worker's backoff spaces the retries anyway.
 */
function isTransientStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

function networkFailure(error: unknown): Failure {
  const codes = errorCodes(error);
  // DOMException (the abort signal's TimeoutError) is an Error in Node.
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || codes.some((code) => TIMEOUT_ERRORS.has(code))) {
    return failure('HTTPS_TIMEOUT', false, 'the recipient did not answer in time');
  }
  const tls = codes.find((code) => CERTIFICATE_ERRORS.has(code) || /^ERR_(SSL|TLS)_/.test(code));
  if (tls !== undefined) {
    return failure('HTTPS_TLS_REFUSED', true, `the TLS handshake was refused (${tls})`);
  }
  return failure(
    'HTTPS_NETWORK_ERROR',
    false,
    `cannot reach the recipient (${codes[0] ?? (name || 'network error')})`,
  );
}

/** Codes of an error and of its causes (undici wraps socket errors). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') codes.push(code);
    current = current.cause;
  }
  return codes;
}

function failure(code: string, permanent: boolean, reason: string): Failure {
  return { ok: false, permanent, code, reason };
}

/** Header values must be visible ASCII; anything else is percent-encoded. */
function headerValue(text: string): string {
  return /^[\x21-\x7e]+$/.test(text) ? text : encodeURIComponent(text);
}

function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
