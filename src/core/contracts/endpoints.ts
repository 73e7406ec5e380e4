import { z } from 'zod';
import { parseYamlWithSchema } from '../shared/parse-with-schema.js';
import { ok, type Result } from '../shared/result.js';
import { parseHostKeyLine } from './host-key-line.js';

/**
 * Recipient endpoints (`config/endpoints.yaml`): where a transport delivers. No secrets:
 * passwords, private keys and client certificates come from `PASSERELLE_SECRET_<ENDPOINT>_…`.
 */
export type Endpoint =
  | {
      readonly id: string;
      readonly transport: 'sftp';
      readonly host: string;
      readonly port: number;
      readonly username: string;
      /** The server's public host key (`ssh-ed25519 AAAA…`), pinned: any other key is refused. */
      readonly hostKey: string;
      readonly remoteDir: string;
    }
  | {
      readonly id: string;
      readonly transport: 'https';
      readonly url: string;
      readonly timeoutMs: number;
    };

export type EndpointCatalogue = ReadonlyMap<string, Endpoint>;

/** What a pinned host key must be: checked whole at load, not at the first connection. */
const HOST_KEY_RULE =
  'must be a public key line: ssh-ed25519, ecdsa-sha2-nistp256 or ssh-rsa, then the whole key in base64';

const endpointsSchema = z.strictObject({
  endpoints: z.record(
    z.string().regex(/^[a-z0-9-]+$/),
    z.discriminatedUnion('transport', [
      z.strictObject({
        transport: z.literal('sftp'),
        host: z.string().min(1),
        port: z.int().min(1).max(65535).default(22),
        username: z.string().min(1),
        hostKey: z.string().refine((line) => parseHostKeyLine(line) !== undefined, HOST_KEY_RULE),
        remoteDir: z.string().startsWith('/'),
      }),
      z.strictObject({
        transport: z.literal('https'),
        url: z.url({ protocol: /^https$/ }),
        timeoutMs: z.int().min(100).max(600_000).default(30_000),
      }),
    ]),
  ),
});

export function parseEndpoints(text: string): Result<EndpointCatalogue> {
  const parsed = parseYamlWithSchema(endpointsSchema, text, 'ENDPOINTS_INVALID');
  if (!parsed.ok) return parsed;
  return ok(
    new Map(
      Object.entries(parsed.value.endpoints).map(([id, endpoint]) => [id, { id, ...endpoint }]),
    ),
  );
}
