import { execFile } from 'node:child_process';
import { runCli } from '../../src/cli/program.js';
import { loadAppConfig } from '../../src/config/app-config.js';
import { repoPath } from './shipped-catalog.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `passerelle` (dist/cli.js, built by `npm test`) in the repository root. */
export function runBuiltCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [repoPath('dist/cli.js'), ...args],
      { cwd: repoPath('.'), env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `passerelle …` in this process, without a build: its exit code and lines, or what it threw. */
export async function runCliInProcess(
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<{
  readonly result: { readonly code: number } | { readonly thrown: string };
  readonly out: string;
  readonly err: string;
}> {
  const out: string[] = [];
  const err: string[] = [];
  const result = await runCli([...argv], loadAppConfig(env), {
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
  }).then(
    (code) => ({ code }),
    (error: unknown) => ({ thrown: String(error) }),
  );
  return { result, out: out.join('\n'), err: err.join('\n') };
}
