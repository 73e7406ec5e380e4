import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonLogger, type JsonLoggerOptions } from './json-logger.js';
import { runWithRequestId } from './request-context.js';

function collecting(levels?: JsonLoggerOptions['levels']) {
  const lines: string[] = [];
  const logger = new JsonLogger({
    ...(levels === undefined ? {} : { levels }),
    destination: { write: (line: string) => void lines.push(line) },
  });
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, entries };
}

describe('the JSON logger', () => {
  afterEach(() => {
    Logger.overrideLogger(false);
  });

  it('should write one JSON object per line with level, time, msg and context', () => {
    const { logger, lines, entries } = collecting();
    logger.log('contracts loaded', 'ContractsModule');
    logger.warn('slow register append', 'RegisterService');
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(
      true,
    );
    expect(entries()).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
        context: 'ContractsModule',
        msg: 'contracts loaded',
      },
      {
        level: 'warn',
        time: expect.any(String) as string,
        context: 'RegisterService',
        msg: 'slow register append',
      },
    ]);
  });

  it('should write the fields of an object message, and stacks of errors', () => {
    const { logger, entries } = collecting();
    logger.log({ msg: 'request', method: 'GET', route: '/health/live', status: 200 }, 'http');
    logger.error('boot failed', 'Error: x\n    at boot (main.ts:1:1)', 'NestApplication');
    expect(entries()).toEqual([
      expect.objectContaining({
        msg: 'request',
        context: 'http',
        method: 'GET',
        route: '/health/live',
        status: 200,
      }),
      expect.objectContaining({
        level: 'error',
        msg: 'boot failed',
        context: 'NestApplication',
        stack: 'Error: x\n    at boot (main.ts:1:1)',
      }),
    ]);
  });

  it('should add the request id to every line written while serving a request, and to none outside', async () => {
    const { logger, entries } = collecting();
    logger.log('before', 'Boot');
    runWithRequestId('req-1', () => {
      logger.log({ msg: 'fields', route: '/v1/x' }, 'http');
      void Promise.resolve().then(() => {
        logger.warn('later', 'Service');
        logger.error(new Error('a value'), 'ExceptionHandler');
      });
    });
    await Promise.resolve();
    await Promise.resolve();
    logger.log('after', 'Boot');
    expect(entries().map((entry) => [entry.msg, entry.requestId])).toEqual([
      ['before', undefined],
      ['fields', 'req-1'],
      ['later', 'req-1'],
      ['unexpected error', 'req-1'],
      ['after', undefined],
    ]);
  });

  it('should keep a requestId field the message gives itself', () => {
    const { logger, entries } = collecting();
    runWithRequestId('req-1', () => {
      logger.log({ msg: 'own', requestId: 'own-id' });
    });
    expect(entries()[0]).toMatchObject({ msg: 'own', requestId: 'own-id' });
  });

  it('should write only the levels enabled', () => {
    const { logger, entries } = collecting(['error']);
    logger.log('not written');
    logger.debug('not written');
    logger.error('written');
    expect(entries().map((entry) => entry.msg)).toEqual(['written']);
  });

  it('should receive what Nest loggers write once the app uses it', () => {
    const { logger, entries } = collecting();
    Logger.overrideLogger(logger);
    new Logger('Probe').log('hello');
    new Logger('Probe').error({ msg: 'unexpected error', errorName: 'TypeError' });
    expect(entries()).toEqual([
      expect.objectContaining({ level: 'info', context: 'Probe', msg: 'hello' }),
      expect.objectContaining({
        level: 'error',
        context: 'Probe',
        msg: 'unexpected error',
        errorName: 'TypeError',
      }),
    ]);
  });
});
