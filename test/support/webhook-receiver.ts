import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedHook {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A webhook receiver on loopback: records every POST; `failNext(n)` makes the next n
 * answer 500 (to show that alerts are retried through the queue).
 */
export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedHook[];
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
  let failing = 0;
  let calls = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      calls += 1;
      if (failing > 0) {
        failing -= 1;
        response.writeHead(500).end();
        return;
      }
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}/hooks/passerelle`,
    received,
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
