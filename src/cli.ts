#!/usr/bin/env node
import 'reflect-metadata';
import { ConfigError, loadAppConfig } from './config/app-config.js';
import { processIo } from './cli/cli-io.js';
import { runCli } from './cli/program.js';

try {
  process.exitCode = await runCli(process.argv.slice(2), loadAppConfig(), processIo);
} catch (error) {
  if (error instanceof ConfigError) {
    processIo.stderr(error.message);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
