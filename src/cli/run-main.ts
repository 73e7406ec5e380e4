import { ConfigError, loadAppConfig } from '../config/app-config.js';
import { DatabaseMigrationError, DatabaseNewerError } from '../database/database.js';
import { PasserelleError } from '../modules/shared/passerelle-error.js';
import { errorCodeOf, EXIT, type CliIo } from './cli-io.js';
import { runCli } from './program.js';

/**
 * `passerelle …` as `cli.ts` runs it: the environment read, the command run, and every
 * error that escapes turned into an exit code and lines that carry no value. Node would
 * print an uncaught error with `inspect` — every property, such as the whole DATABASE_URL
 * (password included) that `new URL` keeps in a `TypeError`'s `input`, or a personal value
 * quoted by a parser.
 */
export async function runMain(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CliIo,
  run: typeof runCli = runCli,
): Promise<number> {
  try {
    return await run(argv, loadAppConfig(env), io);
  } catch (error) {
    if (error instanceof ConfigError) {
      // Names the variables and their rules, never a value.
      io.stderr(error.message);
      return EXIT.invalidInput;
    }
    if (error instanceof DatabaseNewerError || error instanceof DatabaseMigrationError) {
      // Names migrations (and a SQLSTATE): nothing of the data or the URL.
      io.stderr(`passerelle: ${error.message}`);
      return EXIT.cannotRun;
    }
    if (error instanceof PasserelleError) {
      // Boot-time problems (contracts, clients file): messages name files, paths and rules.
      io.stderr(`passerelle: ${error.code}: ${error.message}`);
      for (const detail of error.details) io.stderr(`  ${detail.path}: ${detail.rule}`);
      return EXIT.problems;
    }
    for (const line of describeUnexpected(error)) io.stderr(line);
    return EXIT.cannotRun;
  }
}

/**
 * What is printed of an unexpected error: its class or code, the classes of its causes, and
 * where it was thrown (the stack's frames, which name code, not data) — never its message
 * or properties.
 */
export function describeUnexpected(error: unknown): string[] {
  const causes: string[] = [];
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 5; depth += 1) {
    causes.push(errorCodeOf(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  const frames =
    error instanceof Error && typeof error.stack === 'string'
      ? error.stack.split('\n').filter((line) => /^\s+at /.test(line))
      : [];
  return [
    `passerelle: unexpected error (${errorCodeOf(error)}${fileOf(error)}${causes.map((code) => `, caused by ${code}`).join('')}); its message is not printed, as it may hold a secret or a personal value`,
    ...frames,
  ];
}

/**
 * The call and file of a file-system error (`ENOENT` on `open config/controller.yaml`): the
 * operator's own configuration, which says what to fix — not a value of the data.
 */
function fileOf(error: unknown): string {
  if (!(error instanceof Error)) return '';
  const { syscall, path } = error as NodeJS.ErrnoException;
  return typeof syscall === 'string' && typeof path === 'string' ? ` on ${syscall} ${path}` : '';
}
