import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
  type ArgumentsHost,
} from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { PasserelleError, type PasserelleErrorCode } from '../shared/passerelle-error.js';
import { ErrorFilter, describeForLog, errorAnswerOf } from './error.filter.js';

/** Every code and its status (interfaces.md); a Record, so a new code must be added here. */
const STATUS: Record<PasserelleErrorCode, number> = {
  BAD_REQUEST: 400,
  BOOKING_INVALID: 400,
  TRIP_INVALID: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  STALE_REVISION: 409,
  NOT_PENDING: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYMENT_DATA_REFUSED: 422,
  UNPROCESSABLE: 422,
  RATE_LIMITED: 429,
  REGISTER_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
  CONTRACTS_INVALID: 500,
  CONFIG_INVALID: 500,
  INTERNAL: 500,
};

const PERSONAL = 'Zoé Martin born 2011-04-02';

describe('the error filter', () => {
  beforeAll(() => {
    // The unexpected error below is logged; keep the test output quiet.
    Logger.overrideLogger(false);
  });

  it.each(Object.entries(STATUS) as [PasserelleErrorCode, number][])(
    'should answer %s with status %i and the error shape',
    (code, status) => {
      const answer = errorAnswerOf(
        new PasserelleError(code, 'what went wrong', [
          { path: 'participants[0].id', rule: 'required' },
        ]),
      );
      expect(answer).toEqual({
        status,
        body: {
          error: {
            code,
            message: 'what went wrong',
            details: [{ path: 'participants[0].id', rule: 'required' }],
          },
        },
      });
    },
  );

  it('should map the framework’s exceptions by status, with its own messages instead of theirs', () => {
    const cases: [HttpException, number, PasserelleErrorCode, string][] = [
      [
        new NotFoundException(`Cannot GET /v1/subjects/P-1/disclosures?name=${PERSONAL}`),
        404,
        'NOT_FOUND',
        'not found',
      ],
      [
        new BadRequestException(`Unexpected token in JSON at "${PERSONAL}"`, {
          cause: new SyntaxError(PERSONAL),
        }),
        400,
        'BAD_REQUEST',
        'the body is not valid JSON',
      ],
      [new BadRequestException(PERSONAL), 400, 'BAD_REQUEST', 'the request is malformed'],
      [
        new PayloadTooLargeException(PERSONAL),
        413,
        'PAYLOAD_TOO_LARGE',
        'the body is larger than 1 MiB',
      ],
      [new ForbiddenException(PERSONAL), 403, 'FORBIDDEN', 'this client may not do this'],
      [new HttpException(PERSONAL, 405), 400, 'BAD_REQUEST', 'the request is malformed'],
      [new HttpException(PERSONAL, 502), 500, 'INTERNAL', 'internal error'],
    ];
    for (const [exception, status, code, message] of cases) {
      const answer = errorAnswerOf(exception);
      expect(answer).toEqual({ status, body: { error: { code, message, details: [] } } });
      expect(JSON.stringify(answer)).not.toContain('Zoé');
    }
  });

  it('should answer anything else with a generic 500 that does not repeat the exception', () => {
    for (const exception of [new TypeError(PERSONAL), PERSONAL, { message: PERSONAL }, undefined]) {
      const answer = errorAnswerOf(exception);
      expect(answer).toEqual({
        status: 500,
        body: { error: { code: 'INTERNAL', message: 'internal error', details: [] } },
      });
    }
  });

  it('should describe an unexpected error for the log by class, code and frames, without its message', () => {
    const error = Object.assign(new Error(`duplicate key (surname)=(${PERSONAL})`), {
      code: '23505',
    });
    const described = describeForLog(error);
    expect(described).toMatchObject({ errorName: 'Error', errorCode: '23505' });
    expect(described.frames).toEqual(expect.arrayContaining([expect.stringMatching(/^at /)]));
    expect(JSON.stringify(described)).not.toContain('Zoé');
    expect(describeForLog(Object.assign(new Error('x'), { code: PERSONAL }))).not.toHaveProperty(
      'errorCode',
    );
  });

  it('should reply through the HTTP adapter, with a Bearer challenge on 401', () => {
    const adapter = {
      isHeadersSent: vi.fn(() => false),
      setHeader: vi.fn(),
      reply: vi.fn(),
      end: vi.fn(),
    };
    const response = {};
    const host = {
      switchToHttp: () => ({ getResponse: () => response }),
    } as unknown as ArgumentsHost;
    const filter = new ErrorFilter({ httpAdapter: adapter } as unknown as HttpAdapterHost);

    filter.catch(new PasserelleError('UNAUTHENTICATED', 'a valid API key is required'), host);
    expect(adapter.setHeader).toHaveBeenCalledWith(response, 'WWW-Authenticate', 'Bearer');
    expect(adapter.reply).toHaveBeenCalledWith(
      response,
      { error: { code: 'UNAUTHENTICATED', message: 'a valid API key is required', details: [] } },
      401,
    );

    adapter.setHeader.mockClear();
    filter.catch(new PasserelleError('STALE_REVISION', 'revision 3 is older than 4'), host);
    expect(adapter.setHeader).not.toHaveBeenCalled();
    expect(adapter.reply).toHaveBeenLastCalledWith(
      response,
      { error: { code: 'STALE_REVISION', message: 'revision 3 is older than 4', details: [] } },
      409,
    );

    adapter.isHeadersSent.mockReturnValue(true);
    filter.catch(new Error(PERSONAL), host);
    expect(adapter.end).toHaveBeenCalledWith(response);
    expect(adapter.reply).toHaveBeenCalledTimes(2);
  });
});
