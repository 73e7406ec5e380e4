import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCliInProcess } from './support/run-cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

// A container running the CLI under a user id the system's user database does not list (a
// Kubernetes `runAsUser`, `docker run --user 12345`): Node's `userInfo` throws there.
vi.mock('node:os', async (importOriginal) => {
  const os = await importOriginal<typeof import('node:os')>();
  const userInfo = () => {
    throw Object.assign(new Error('A system error occurred: uv_os_get_passwd returned ENOENT'), {
      code: 'ERR_SYSTEM_ERROR',
    });
  };
  return { ...os, userInfo, default: { ...os, userInfo } };
});

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('passerelle_cli_user');
});
afterAll(async () => {
  await database.drop();
});

describe('passerelle register ropa under a user without a name', () => {
  it('should export the record and record the read, naming the user id, when the user has no name', async () => {
    const { result, out } = await runCliInProcess(['register', 'ropa'], {
      DATABASE_URL: database.url,
    });
    expect(result).toEqual({ code: 0 });
    expect(JSON.parse(out)).toHaveProperty('activities');
    const { rows } = await database.admin(
      `SELECT actor_kind, actor_id FROM register_entries WHERE reason = 'register read: Art. 30 export'`,
    );
    expect(rows).toEqual([{ actor_kind: 'ops', actor_id: `cli:uid:${process.getuid?.() ?? ''}` }]);
  });
});
