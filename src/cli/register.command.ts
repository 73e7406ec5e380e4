import { userInfo } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { renderRecordCsv, renderRecordHtml } from '../core/register/build-ropa.js';
import type { AppConfig } from '../config/app-config.js';
import { openDatabase, type Db } from '../database/database.js';
import { loadContractCatalog } from '../modules/contracts/load-contract-catalog.js';
import { formatProblem } from '../core/contracts/lint-contracts.js';
import {
  loadControllerConfig,
  recordOfProcessing,
} from '../modules/register/record-of-processing.js';
import { RegisterAppender } from '../modules/register/register-appender.js';
import { RegisterRepository } from '../modules/register/register.repository.js';
import { RegisterService } from '../modules/register/register.service.js';
import { EXIT, type CliIo } from './cli-io.js';
import { isPeriodBound } from '../modules/shared/period-bound.js';

async function withRegister<T>(
  config: AppConfig,
  use: (service: RegisterService) => Promise<T>,
): Promise<T> {
  const db: Db = await openDatabase(config.databaseUrl, 2);
  try {
    const repository = new RegisterRepository(db);
    return await use(new RegisterService(repository, new RegisterAppender(repository)));
  } finally {
    await db.destroy();
  }
}

/** `passerelle register verify`: exit 0 intact, 1 broken (the first bad entry and each problem on stderr). */
export async function runRegisterVerify(config: AppConfig, io: CliIo): Promise<number> {
  const result = await withRegister(config, (service) => service.verify());
  io.stdout(JSON.stringify(result));
  for (const problem of result.problems) io.stderr(problem);
  return result.intact ? EXIT.ok : EXIT.problems;
}

/** `passerelle register anchor`: publishes the head (run daily; the gateway does it too). */
export async function runRegisterAnchor(config: AppConfig, io: CliIo): Promise<number> {
  const anchor = await withRegister(config, (service) => service.anchor(new Date()));
  io.stdout(
    JSON.stringify(
      anchor ?? { anchored: false, reason: 'the head has not moved since the last anchor' },
    ),
  );
  return EXIT.ok;
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
  const loaded = await loadContractCatalog({
    contractsDir: config.contractsDir,
    configDir: config.configDir,
  });
  if (loaded.catalog === undefined) {
    for (const problem of loaded.problems) io.stderr(formatProblem(problem));
    return EXIT.invalidInput;
  }
  const catalog = loaded.catalog;
  const controller = await loadControllerConfig(config.configDir);
  const period = {
    ...(options.from === undefined ? {} : { from: new Date(`${options.from}T00:00:00Z`) }),
    ...(options.to === undefined ? {} : { to: new Date(`${options.to}T00:00:00Z`) }),
  };
  const record = await withRegister(config, async (service) => {
    const built = await recordOfProcessing(
      catalog,
      controller,
      service.repository,
      period,
      new Date(),
    );
    // Who looked at the register, and when: the export names no subject.
    await service.append({
      event: 'ops-action',
      subjects: [],
      fields: [],
      categories: [],
      withheld: [],
      actor: { kind: 'ops', id: `cli:${userInfo().username}` },
      reason: 'register read: Art. 30 export',
      detail: { format: options.format },
    });
    return built;
  });
  const text =
    options.format === 'csv'
      ? renderRecordCsv(record)
      : options.format === 'html'
        ? renderRecordHtml(record)
        : `${JSON.stringify(record, null, 2)}\n`;
  if (options.out === undefined) io.stdout(text.trimEnd());
  else await writeFile(options.out, text);
  return EXIT.ok;
}
