/** Where a command writes; tests pass their own to capture output in process. */
export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

export const processIo: CliIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

/** Exit codes of interfaces.md. */
export const EXIT = {
  ok: 0,
  problems: 1,
  invalidInput: 2,
  /**
   * The command could not do its work — its environment cannot be used (PostgreSQL
   * unreachable, a database that does not exist, an `--out` that cannot be written) or it
   * failed unexpectedly — and it checked or changed nothing. It shares 2 with invalid input,
   * never 1: for `register verify`, 1 means a broken chain.
   */
  cannotRun: 2,
  unitsNotRendered: 3,
} as const;

/**
 * A short code for an error, safe to print: its errno or SQLSTATE code (`ECONNREFUSED`,
 * `3D000`), else its class. Never its message or its other properties, which may hold a
 * URL with its password, or a personal value.
 */
export function errorCodeOf(error: unknown): string {
  if (!(error instanceof Error)) return 'error';
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)) return code;
  // An AggregateError of every address tried carries the code in its message only.
  return /\bE[A-Z]{3,}\b/.exec(error.message)?.[0] ?? error.name;
}
