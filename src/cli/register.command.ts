import { randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { renderRecordCsv, renderRecordHtml } from '../core/register/build-ropa.js';
import type { AppConfig } from '../config/app-config.js';
import {
  DatabaseNewerError,
  DatabaseNotFoundError,
  DatabaseOlderError,
  openExistingDatabase,
  type Db,
} from '../database/database.js';
import { loadContractCatalog } from '../modules/contracts/load-contract-catalog.js';
import { formatProblem } from '../core/contracts/lint-contracts.js';
import {
  loadControllerConfig,
  recordOfProcessing,
} from '../modules/register/record-of-processing.js';
import type { ControllerConfig } from '../core/register/controller-config.js';
import { RegisterAppender } from '../modules/register/register-appender.js';
import { RegisterRepository } from '../modules/register/register.repository.js';
import { RegisterService } from '../modules/register/register.service.js';
import { PasserelleError } from '../modules/shared/passerelle-error.js';
import { errorCodeOf, EXIT, type CliIo } from './cli-io.js';
import { isPeriodBound, periodBoundTime } from '../modules/shared/period-bound.js';

/**
 * Why the register could not be opened, as one line without the URL (it may hold a
 * password); `undefined` for an error that is not about reaching the database.
 */
function databaseProblem(error: unknown): string | undefined {
  if (error instanceof DatabaseNotFoundError) {
    return error.reason === 'missing'
      ? 'DATABASE_URL: the database does not exist; the register commands never create one (check its name, or start the gateway once)'
      : 'DATABASE_URL: the database holds no register; the register commands never set one up (check its name, or start the gateway once)';
  }
  if (error instanceof Error && error.message.startsWith('DATABASE_URL: ')) return error.message;
  // Migrated by a newer release, or not yet by this one (the register commands never
  // migrate): the message names the migrations, nothing else.
  if (error instanceof DatabaseNewerError || error instanceof DatabaseOlderError)
    return error.message;
  const code = errorCodeOf(error);
  // A system error (ECONNREFUSED, ENOTFOUND, ETIMEDOUT, …) or a refused connection:
  // SQLSTATE 08 (connection), 28 (authorization), 57P (server shutting down), 53300 (too many connections).
  if (/^E[A-Z]{3,}$/.test(code) || /^(08|28|57P)/.test(code) || code === '53300')
    return `cannot reach PostgreSQL at DATABASE_URL (${code})`;
  if (error instanceof Error && /timeout|terminated/i.test(error.message))
    return 'cannot reach PostgreSQL at DATABASE_URL (timeout)';
  return undefined;
}

/**
 * Opens the register of an existing database (never creating one: a mistyped name must not
 * give an empty register that verifies "intact"), runs `use`, and closes it. When the
 * database cannot be reached or does not exist, says so on stderr and returns `cannotRun` —
 * never 1, which for `verify` means a broken chain.
 */
async function withRegister(
  config: AppConfig,
  io: CliIo,
  use: (service: RegisterService) => Promise<number>,
): Promise<number> {
  let db: Db;
  try {
    db = await openExistingDatabase(config.databaseUrl, 2);
  } catch (error) {
    const problem = databaseProblem(error);
    if (problem === undefined) throw error;
    io.stderr(problem);
    return EXIT.cannotRun;
  }
  try {
    const repository = new RegisterRepository(db);
    return await use(new RegisterService(repository, new RegisterAppender(repository)));
  } catch (error) {
    // The connection lost on the way: nothing was verified or exported.
    const problem = databaseProblem(error);
    if (problem === undefined) throw error;
    io.stderr(problem);
    return EXIT.cannotRun;
  } finally {
    await db.destroy();
  }
}

/** `passerelle register verify`: exit 0 intact, 1 broken (the first bad entry and each problem on stderr). */
export async function runRegisterVerify(config: AppConfig, io: CliIo): Promise<number> {
  return withRegister(config, io, async (service) => {
    const result = await service.verify();
    io.stdout(JSON.stringify(result));
    for (const problem of result.problems) io.stderr(problem);
    return result.intact ? EXIT.ok : EXIT.problems;
  });
}

/** `passerelle register anchor`: publishes the head (run daily; the gateway does it too). */
export async function runRegisterAnchor(config: AppConfig, io: CliIo): Promise<number> {
  return withRegister(config, io, async (service) => {
    const anchor = await service.anchor(new Date());
    io.stdout(
      JSON.stringify(
        anchor ?? { anchored: false, reason: 'the head has not moved since the last anchor' },
      ),
    );
    return EXIT.ok;
  });
}

export interface RopaOptions {
  readonly format: 'json' | 'csv' | 'html';
  readonly from?: string;
  readonly to?: string;
  readonly out?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `passerelle register ropa`: the Art. 30 record, from the contracts and the register. */
export async function runRegisterRopa(
  options: RopaOptions,
  config: AppConfig,
  io: CliIo,
): Promise<number> {
  for (const [name, value] of [
    ['--from', options.from],
    ['--to', options.to],
  ] as const) {
    // A day that exists (`isPeriodBound`): 2027-02-30 would roll over, 2027-13-01 reach
    // PostgreSQL as an invalid date.
    if (value !== undefined && !(DATE.test(value) && isPeriodBound(value))) {
      io.stderr(`${name}: must be a date YYYY-MM-DD`);
      return EXIT.invalidInput;
    }
  }
  // An inverted period matches nothing: an export of it would say nothing happened.
  if (
    options.from !== undefined &&
    options.to !== undefined &&
    periodBoundTime(options.to) < periodBoundTime(options.from)
  ) {
    io.stderr('--to: must not be before --from');
    return EXIT.invalidInput;
  }
  const loaded = await loadContractCatalog({
    contractsDir: config.contractsDir,
    configDir: config.configDir,
  });
  if (loaded.catalog === undefined) {
    for (const problem of loaded.problems) io.stderr(formatProblem(problem));
    return EXIT.invalidInput;
  }
  const catalog = loaded.catalog;
  let controller: ControllerConfig;
  try {
    controller = await loadControllerConfig(config.configDir);
  } catch (error) {
    const file = join(config.configDir, 'controller.yaml');
    // Its own message names the file, paths and rules; a file system error, its code only.
    io.stderr(
      error instanceof PasserelleError
        ? error.message
        : `${file}: cannot be read (${errorCodeOf(error)})`,
    );
    return EXIT.invalidInput;
  }
  const out = options.out;
  if (out !== undefined) {
    const problem = await outputProblem(out);
    if (problem !== undefined) {
      io.stderr(`--out: ${problem}`);
      return EXIT.cannotRun;
    }
  }
  const period = {
    ...(options.from === undefined ? {} : { from: new Date(`${options.from}T00:00:00Z`) }),
    ...(options.to === undefined ? {} : { to: new Date(`${options.to}T00:00:00Z`) }),
  };
  return withRegister(config, io, async (service) => {
    const record = await recordOfProcessing(
      catalog,
      controller,
      service.repository,
      period,
      new Date(),
    );
    const text =
      options.format === 'csv'
        ? renderRecordCsv(record)
        : options.format === 'html'
          ? renderRecordHtml(record)
          : `${JSON.stringify(record, null, 2)}\n`;
    // Every read is recorded, and only a read that reached its reader is one: the export is
    // written beside --out first, the read appended, and only then the file put in place.
    const staged =
      out === undefined
        ? undefined
        : join(dirname(out), `.${basename(out)}.${randomBytes(6).toString('hex')}.tmp`);
    if (staged !== undefined) {
      try {
        await writeFile(staged, text, { flag: 'wx' });
      } catch (error) {
        await rm(staged, { force: true });
        io.stderr(`--out: cannot be written (${errorCodeOf(error)})`);
        return EXIT.cannotRun;
      }
    }
    try {
      // Who looked at the register, and when: the export names no subject.
      await service.append({
        event: 'ops-action',
        subjects: [],
        fields: [],
        categories: [],
        withheld: [],
        actor: { kind: 'ops', id: `cli:${operatingUser()}` },
        reason: 'register read: Art. 30 export',
        detail: { format: options.format },
      });
    } catch (error) {
      if (staged !== undefined) await rm(staged, { force: true });
      throw error;
    }
    if (out === undefined || staged === undefined) {
      io.stdout(text.trimEnd());
      return EXIT.ok;
    }
    try {
      await rename(staged, out);
    } catch (error) {
      // Recorded, but not delivered: a read too many in the register, never one too few.
      await rm(staged, { force: true });
      io.stderr(`--out: cannot be written (${errorCodeOf(error)})`);
      return EXIT.cannotRun;
    }
    return EXIT.ok;
  });
}

/**
 * Who runs the command, as the register names them: the user's name, or their user id when
 * the system lists no name for it (a container run under an arbitrary uid), where Node's
 * `userInfo` throws — the export then ended as an unexpected error (exit 2), shown to no one.
 */
function operatingUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

/** Why `--out` cannot receive the export (before the register is read), or `undefined`. */
async function outputProblem(out: string): Promise<string | undefined> {
  try {
    if (!(await stat(dirname(out))).isDirectory()) return 'its folder is not a folder';
  } catch (error) {
    return `its folder cannot be used (${errorCodeOf(error)})`;
  }
  try {
    if (!(await stat(out)).isFile()) return 'exists and is not a file';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      return `cannot be used (${errorCodeOf(error)})`;
  }
  return undefined;
}
