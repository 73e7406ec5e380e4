import type { LoggerService, LogLevel } from '@nestjs/common';
import { pino, type DestinationStream, type Level, type Logger as PinoLogger } from 'pino';
import { describeForLog } from '../http/error.filter.js';
import { currentRequestId } from './request-context.js';

const PINO_LEVEL: Readonly<Record<LogLevel, Level>> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

export interface JsonLoggerOptions {
  /** The levels written (Nest's names); default `error`, `warn`, `log`. */
  readonly levels?: readonly LogLevel[];
  /** Where lines go; default standard output. Tests pass a stream that collects them. */
  readonly destination?: DestinationStream;
}

const STACK_FRAME = /\n\s+at /;

/**
 * The app's logger (`app.useLogger`): one JSON object per line, written by pino, with
 * `level`, `time`, `msg` and `context`. A message may also be an object of fields
 * (`{ msg, method, route, status }`): the access log writes those. A line written while
 * serving an HTTP request carries that request's `requestId` (request-context.ts; a
 * field the message gives itself wins). Callers are responsible for what they log — this
 * class adds nothing else from requests — and the rule is: ids, patterns and codes, never
 * a personal value, a key or a query string.
 */
export class JsonLogger implements LoggerService {
  private readonly pino: PinoLogger;

  constructor(options: JsonLoggerOptions = {}) {
    const pinoOptions = {
      base: undefined,
      level: 'trace',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
    };
    this.pino =
      options.destination === undefined
        ? pino(pinoOptions)
        : pino(pinoOptions, options.destination);
    this.setLogLevels(options.levels ?? ['error', 'warn', 'log']);
  }

  private enabled = new Set<LogLevel>();

  setLogLevels(levels: LogLevel[] | readonly LogLevel[]): void {
    this.enabled = new Set(levels);
  }

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('log', message, optionalParams);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('verbose', message, optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams);
  }

  private write(level: LogLevel, message: unknown, params: readonly unknown[]): void {
    if (!this.enabled.has(level)) return;
    // Nest passes the context last; `error` may pass a stack before it.
    const strings = params.filter((param): param is string => typeof param === 'string');
    const context = params.length > 0 ? lastString(params) : undefined;
    const stack = strings.find((param) => STACK_FRAME.test(param));
    const requestId = currentRequestId();
    const fields: Record<string, unknown> = {
      ...(context === undefined || context === stack ? {} : { context }),
      ...(stack === undefined ? {} : { stack }),
    };
    if (requestId !== undefined) fields.requestId = requestId;
    const target = this.pino[PINO_LEVEL[level]].bind(this.pino);
    if (message instanceof Error) {
      // Nest's ExceptionHandler logs a failed boot as the error itself. Its message (and the
      // stack's first line, which repeats it) may quote a value — a driver's error, a URL —
      // so only what the error filter logs of a 500 is written: class, code and frames.
      target(
        {
          ...(fields.context === undefined ? {} : { context: fields.context }),
          ...(requestId === undefined ? {} : { requestId }),
          ...describeForLog(message),
        },
        'unexpected error',
      );
    } else if (typeof message === 'object' && message !== null) {
      const { msg, ...rest } = message as Record<string, unknown>;
      target({ ...fields, ...rest }, typeof msg === 'string' ? msg : '');
    } else {
      target(fields, String(message));
    }
  }
}

function lastString(params: readonly unknown[]): string | undefined {
  const last = params[params.length - 1];
  return typeof last === 'string' ? last : undefined;
}
