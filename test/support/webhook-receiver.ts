import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedHook {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** How old (or how far ahead) a signature's timestamp may be, as the README tells receivers. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * What a receiver does with `Passerelle-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">` (the README's recipe): recompute the HMAC over the raw body, compare in
 * constant time, and refuse a timestamp more than 5 minutes from its own clock.
 */
export function verifyAlertSignature(
  header: string | string[] | undefined,
  body: string,
  secret: string,
  nowSeconds = Date.now() / 1000,
): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(typeof header === 'string' ? header : '');
  if (match === null) return false;
  const [, t = '', v1 = ''] = match;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return (
    timingSafeEqual(expected, Buffer.from(v1, 'hex')) &&
    Math.abs(nowSeconds - Number(t)) <= SIGNATURE_TOLERANCE_SECONDS
  );
}

/** The `t=` of a `Passerelle-Signature` header, in unix seconds. */
export function signatureTime(header: string | string[] | undefined): number {
  const match = /^t=(\d+),/.exec(typeof header === 'string' ? header : '');
  if (match === null) throw new Error(`no timestamp in the signature: ${String(header)}`);
  return Number(match[1]);
}

/**
 * A webhook receiver on loopback: records every POST; `failNext(n)` makes the next n
 * answer 500 (to show that alerts are retried through the queue).
 */
export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedHook[];
  /** Every POST, answered 2xx or not, in order. */
  readonly attempts: ReceivedHook[];
  /** Every POST, answered 2xx or not. */
  readonly calls: () => number;
  failNext(count: number): void;
  /** Resolves once `count` hooks were taken (answered 2xx), or rejects after `timeoutMs`. */
  waitFor(
    predicate: (hooks: readonly ReceivedHook[]) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const attempts: ReceivedHook[] = [];
  let failing = 0;
  let calls = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      calls += 1;
      const hook = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      attempts.push(hook);
      if (failing > 0) {
        failing -= 1;
        response.writeHead(500).end();
        return;
      }
      received.push(hook);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}/hooks/passerelle`,
    received,
    attempts,
    calls: () => calls,
    failNext: (count) => {
      failing = count;
    },
    waitFor: async (predicate, timeoutMs = 20_000) => {
      const until = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > until) throw new Error('the webhook did not receive what was expected');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
