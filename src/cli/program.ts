import { Command, Option } from 'commander';
import type { AppConfig } from '../config/app-config.js';
import type { CliIo } from './cli-io.js';
import { runContractsLint } from './contracts-lint.command.js';
import type { DemoOptions } from './demo.command.js';
import { runPreview } from './preview.command.js';
import { runRegisterAnchor, runRegisterRopa, runRegisterVerify } from './register.command.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * The `passerelle` command line (interfaces.md). Each action stores its exit code in
 * `exit.code`; nothing here calls `process.exit`, so the program runs inside tests too.
 */
export function buildProgram(config: AppConfig, io: CliIo, exit: { code: number }): Command {
  const program = new Command('passerelle')
    .description(
      'Passerelle — minimized, contract-driven disclosures of passenger data, with a register',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => {
        io.stdout(text.trimEnd());
      },
      writeErr: (text) => {
        io.stderr(text.trimEnd());
      },
    });

  program
    .command('preview')
    .description(
      'render what each contract would send for a trip, without sending and without any service',
    )
    .requiredOption('--trip <file>', 'trip JSON')
    .requiredOption('--bookings <file>', 'JSON array of the trip’s bookings')
    .addOption(
      new Option('--contract <id>', 'only this contract (repeatable)')
        .argParser(collect)
        .default([], 'every contract'),
    )
    .option('--contracts <dir>', 'contracts folder', config.contractsDir)
    .option(
      '--config <dir>',
      'configuration folder (fields.yaml, endpoints.yaml)',
      config.configDir,
    )
    .option('--out <dir>', 'where payload files are written', 'var/preview')
    .option('--now <instant>', 'the instant rendered for (ISO 8601 with offset); default: now')
    .addOption(new Option('--summary', 'print a table for people instead of JSON lines'))
    .action(async (options: Parameters<typeof runPreview>[0]) => {
      exit.code = await runPreview(options, io);
    });

  const contracts = program.command('contracts').description('contract catalogue');
  contracts
    .command('lint')
    .description('validate every contract: one line per problem, `file: key: rule`')
    .option('--contracts <dir>', 'contracts folder', config.contractsDir)
    .option('--config <dir>', 'configuration folder', config.configDir)
    .action(async (options: Parameters<typeof runContractsLint>[0]) => {
      exit.code = await runContractsLint(options, io);
    });

  const register = program.command('register').description('the disclosure register');
  register
    .command('verify')
    .description('recompute the hash chain: exit 0 intact, 1 broken, 2 could not check')
    .action(async () => {
      exit.code = await runRegisterVerify(config, io);
    });
  register
    .command('ropa')
    .description('the Art. 30 record of processing, from the contracts and the register')
    .addOption(
      new Option('--format <format>', 'json, csv or html')
        .choices(['json', 'csv', 'html'])
        .default('json'),
    )
    .option('--from <date>', 'period start (YYYY-MM-DD)')
    .option('--to <date>', 'period end, exclusive (YYYY-MM-DD)')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (options: Parameters<typeof runRegisterRopa>[0]) => {
      exit.code = await runRegisterRopa(options, config, io);
    });
  register
    .command('anchor')
    .description('publish the register head as a daily anchor')
    .action(async () => {
      exit.code = await runRegisterAnchor(config, io);
    });

  program
    .command('demo')
    .description(
      'run the gateway end to end on the bundled samples (or the files given): every transmission to the outbox, then a report of the files and the register entries',
    )
    // Help shows what an empty list means, not the list (`default: []`).
    .addOption(
      new Option('--trip <file>', 'a trip JSON (repeatable, paired with --bookings)')
        .argParser(collect)
        .default([], 'the samples'),
    )
    .addOption(
      new Option('--bookings <file>', 'the JSON array of that trip’s bookings (repeatable)')
        .argParser(collect)
        .default([], 'the samples’ bookings'),
    )
    .option(
      '--database-url <url>',
      'the demo’s own database, dropped and created again at each run; its name must contain "demo" (default: passerelle_demo on the DATABASE_URL server)',
    )
    .option(
      '--queue-prefix <prefix>',
      'the demo’s Redis key prefix, whose keys are removed at each run; must contain "demo"',
      'passerelle-demo',
    )
    .option(
      '--outbox <dir>',
      'where the payloads are written; emptied at each run',
      'var/demo-outbox',
    )
    .option('--timeout <seconds>', 'how long the transmissions may take in all', '60')
    .option(
      '--starts-in <days>',
      'move each trip’s dates so that it starts this many days from today (1: tomorrow — its transmissions are due, and the emergency window is open)',
    )
    .option(
      '--serve',
      'after the report, keep the gateway’s HTTP API up on PORT (127.0.0.1) until Ctrl-C',
    )
    .action(async (options: DemoOptions) => {
      // Loaded on demand, like serve: preview and lint run without NestJS.
      const { runDemo } = await import('./demo.command.js');
      exit.code = await runDemo(options, config, io);
    });

  program
    .command('serve')
    .description(
      'run the gateway per PASSERELLE_ROLE: the HTTP API (api, all), the dispatcher and the worker (worker, all)',
    )
    .action(async () => {
      // Loaded on demand: preview and lint run without NestJS.
      const { serve } = await import('../main.js');
      const gateway = await serve(config);
      // Runs until SIGTERM or SIGINT; 0 once everything closed, 1 past the shutdown deadline.
      exit.code = await gateway.stopped;
    });

  return program;
}

/** Runs the program on `argv` (without the node and script entries); returns the exit code. */
export async function runCli(
  argv: readonly string[],
  config: AppConfig,
  io: CliIo,
): Promise<number> {
  const exit = { code: 0 };
  try {
    await buildProgram(config, io, exit).parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof Error && 'exitCode' in error && typeof error.exitCode === 'number') {
      // commander's own exits: --help (0), unknown option or missing argument (1 → usage error 2)
      return error.exitCode === 0 ? 0 : 2;
    }
    throw error;
  }
  return exit.code;
}
