#!/usr/bin/env node
import 'reflect-metadata';
import { EXIT, processIo } from './cli/cli-io.js';
import { describeUnexpected, runMain } from './cli/run-main.js';

// Node prints an uncaught error with all its properties (a `TypeError` from `new URL` keeps
// the whole DATABASE_URL, password included, in `input`): none may reach it, neither from
// the command (`runMain`) nor from a callback or a promise nobody awaited (`serve`).
const fail = (error: unknown): void => {
  for (const line of describeUnexpected(error)) processIo.stderr(line);
  process.exit(EXIT.cannotRun);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

const code = await runMain(process.argv.slice(2), process.env, processIo);
// Every command has ended here (`serve` once stopped by a signal), but what it opened may
// keep the process alive: `serve` with PostgreSQL out of reach left its Redis connections
// open and never ended, and a shutdown that passed its deadline left what did not close.
// (Standard output and error are written synchronously on Linux.)
process.exit(code);
