import { describe, expect, it } from 'vitest';
import { JsonLogger } from './json-logger.js';

describe('the JSON logger given an error', () => {
  it('should write its class, code and frames, never its message, when Nest logs a failed boot', () => {
    const lines: string[] = [];
    const logger = new JsonLogger({
      destination: { write: (line: string) => void lines.push(line) },
    });
    const error = Object.assign(
      new Error('connect ECONNREFUSED db.internal:5432 for user zoe.martin:s3cret'),
      { code: 'ECONNREFUSED' },
    );
    logger.error(error, 'ExceptionHandler');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('s3cret');
    expect(lines[0]).not.toContain('zoe.martin');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      level: 'error',
      context: 'ExceptionHandler',
      msg: 'unexpected error',
      errorName: 'Error',
      errorCode: 'ECONNREFUSED',
      frames: expect.arrayContaining([expect.stringMatching(/^at /)]) as unknown,
    });
  });
});
