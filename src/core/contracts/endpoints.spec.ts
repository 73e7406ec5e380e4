import { describe, expect, it } from 'vitest';
import { parseEndpoints } from './endpoints.js';

/** A well-formed ed25519 line: the type, then a blob naming it and holding 32 bytes. */
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlaceholderReplaceWithTheAirlinesHostKey000';

const endpointsWithKey = (hostKey: string): string => `
endpoints:
  airline:
    transport: sftp
    host: sftp.example.invalid
    username: passerelle
    hostKey: ${hostKey}
    remoteDir: /incoming
`;

describe('parseEndpoints', () => {
  it('should take a whole host key line, with or without a comment', () => {
    for (const line of [KEY, `${KEY} root@sftp.example`]) {
      const parsed = parseEndpoints(endpointsWithKey(line));
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(parsed.value.get('airline')).toMatchObject({ hostKey: line, port: 22 });
    }
  });

  it('should refuse, naming the path, a host key that would fail every connection', () => {
    const lines = [
      // Truncated: the blob no longer holds 32 bytes of key.
      KEY.slice(0, -4),
      // Another type than the blob names.
      KEY.replace('ssh-ed25519', 'ssh-rsa'),
      // Not canonical base64, a type not supported, the key missing.
      `${KEY}!`,
      'ssh-dss AAAAB3NzaC1kc3M=',
      'ssh-ed25519',
    ];
    for (const line of lines) {
      const parsed = parseEndpoints(endpointsWithKey(line));
      expect(parsed.ok, line).toBe(false);
      if (!parsed.ok) {
        expect(parsed.errors).toEqual([
          {
            code: 'ENDPOINTS_INVALID',
            path: 'endpoints.airline.hostKey',
            rule: expect.stringContaining('must be a public key line') as string,
          },
        ]);
      }
    }
  });
});
