import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP relay on a free loopback port to `host:port` that can be frozen: connected, it then
 * passes nothing either way (new connections wait too) until thawed — a server that hangs
 * (a PostgreSQL stuck on I/O, a network partition that drops packets) rather than one that
 * refuses connections.
 */
export interface FreezableProxy {
  readonly port: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  upstream?: Socket;
  readonly held: { readonly to: 'client' | 'upstream'; readonly chunk: Buffer }[];
}

export async function startFreezableProxy(host: string, port: number): Promise<FreezableProxy> {
  let frozen = false;
  const pairs = new Set<Pair>();
  const waiting: Pair[] = [];

  const forward = (pair: Pair, to: 'client' | 'upstream', chunk: Buffer): void => {
    if (frozen) {
      pair.held.push({ to, chunk });
      return;
    }
    (to === 'client' ? pair.client : pair.upstream)?.write(chunk);
  };

  const connectUpstream = (pair: Pair): void => {
    const upstream = createConnection({ host, port });
    pair.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => {
      forward(pair, 'client', chunk);
    });
    upstream.on('error', () => pair.client.destroy());
    upstream.on('close', () => pair.client.destroy());
    pair.client.on('data', (chunk: Buffer) => {
      forward(pair, 'upstream', chunk);
    });
  };

  const server = createServer((client) => {
    const pair: Pair = { client, held: [] };
    pairs.add(pair);
    client.on('error', () => pair.upstream?.destroy());
    client.on('close', () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (frozen) waiting.push(pair);
    else connectUpstream(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');

  return {
    port: address.port,
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const pair of pairs) {
        for (const { to, chunk } of pair.held.splice(0)) {
          (to === 'client' ? pair.client : pair.upstream)?.write(chunk);
        }
      }
      for (const pair of waiting.splice(0)) connectUpstream(pair);
    },
    close: async () => {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
