import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PasserelleError } from '../modules/shared/passerelle-error.js';
import type { CliIo } from './cli-io.js';
import { runMain } from './run-main.js';

const SECRET = 'pa#ss-s3cret';
const URL_WITH_SECRET = `postgres://postgres:${SECRET}@127.0.0.1:5432/passerelle`;

function capture(): { io: CliIo; printed: string[] } {
  const printed: string[] = [];
  return {
    io: { stdout: (line) => printed.push(line), stderr: (line) => printed.push(line) },
    printed,
  };
}

/** `runMain`, with what it printed and what it threw (as Node would print it). */
async function main(
  env: Record<string, string>,
  run?: Parameters<typeof runMain>[3],
): Promise<{ code?: number; printed: string }> {
  const { io, printed } = capture();
  try {
    const code = await runMain(['register', 'verify'], env, io, run);
    return { code, printed: printed.join('\n') };
  } catch (error) {
    return { printed: [...printed, inspect(error)].join('\n') };
  }
}

describe('runMain (cli.ts)', () => {
  it('should refuse an unparsable DATABASE_URL with exit 2, naming the variable, not the password', async () => {
    const result = await main({ DATABASE_URL: URL_WITH_SECRET });
    expect(result.code).toBe(2);
    expect(result.printed).toContain('DATABASE_URL: must be a postgres:// URL');
    expect(result.printed).not.toContain(SECRET);
  });

  it('should print only the class or code of an unexpected error, never its message or properties, and exit 2', async () => {
    const result = await main({}, () => {
      // What `new URL` throws for an unparsable URL: the whole URL in `input`.
      throw Object.assign(new TypeError(`Invalid URL ${URL_WITH_SECRET}`), {
        code: 'ERR_INVALID_URL',
        input: URL_WITH_SECRET,
      });
    });
    expect(result.code).toBe(2);
    expect(result.printed).toContain('passerelle: unexpected error (ERR_INVALID_URL)');
    expect(result.printed).not.toContain(SECRET);
  });

  it('should name the call and file of a file-system error, which the operator can fix', async () => {
    const result = await main({}, async () => {
      const { readFile } = await import('node:fs/promises');
      await readFile('/nonexistent/passerelle/controller.yaml');
      return 0;
    });
    expect(result.code).toBe(2);
    expect(result.printed).toContain(
      'passerelle: unexpected error (ENOENT on open /nonexistent/passerelle/controller.yaml)',
    );
  });

  it('should name the classes of an unexpected error’s causes, not their messages', async () => {
    const result = await main({}, () => {
      throw new Error('database migration 0009 failed', {
        cause: new SyntaxError(`Unexpected token in "${SECRET}"`),
      });
    });
    expect(result.code).toBe(2);
    expect(result.printed).toContain('(Error, caused by SyntaxError)');
    expect(result.printed).not.toContain(SECRET);
    expect(result.printed).not.toContain('migration');
  });

  it('should print a PasserelleError’s code, message and details (they name files and rules) and exit 1', async () => {
    const result = await main({}, () => {
      throw new PasserelleError(
        'CONTRACTS_INVALID',
        'contracts invalid: x.yaml: (file): cannot be read',
        [{ path: 'x.yaml: ', rule: 'cannot be read' }],
      );
    });
    expect(result.code).toBe(1);
    expect(result.printed).toContain(
      'passerelle: CONTRACTS_INVALID: contracts invalid: x.yaml: (file): cannot be read',
    );
  });

  it('should return the command’s own exit code', async () => {
    expect((await main({}, () => Promise.resolve(3))).code).toBe(3);
  });
});
