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
  unitsNotRendered: 3,
} as const;
