import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  PasserelleError,
  type PasserelleErrorCode,
  type PasserelleErrorDetail,
} from '../shared/passerelle-error.js';
import { codeOfHttpStatus, httpStatusOf } from './error-status.js';
import { currentRequestId } from '../logging/request-context.js';
import { JSON_BODY_LIMIT_LABEL } from './json-body.js';

/** What every error answer looks like (interfaces.md, "Errors"). */
export interface ErrorBody {
  readonly error: {
    readonly code: PasserelleErrorCode;
    readonly message: string;
    readonly details: readonly PasserelleErrorDetail[];
    /** 5xx only: the request's id (`X-Request-Id`), for the caller to quote to support. */
    readonly requestId?: string;
  };
}

export interface ErrorAnswer {
  readonly status: number;
  readonly body: ErrorBody;
}

/**
 * Messages for the errors NestJS and Express raise themselves. Their own texts are never
 * passed on: `Cannot GET /v1/subjects/P-1/disclosures?name=…` repeats the URL, and a JSON
 * syntax error quotes the body.
 */
function frameworkMessage(code: PasserelleErrorCode, cause: unknown): string {
  switch (code) {
    case 'BAD_REQUEST':
      if (cause instanceof SyntaxError) return 'the body is not valid JSON';
      if (cause instanceof URIError) return 'the path is not validly encoded';
      return 'the request is malformed';
    case 'UNAUTHENTICATED':
      return 'a valid API key is required';
    case 'FORBIDDEN':
      return 'this client may not do this';
    case 'NOT_FOUND':
      return 'not found';
    case 'PAYLOAD_TOO_LARGE':
      return `the body is larger than ${JSON_BODY_LIMIT_LABEL}`;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 'the body’s encoding or character set is not supported';
    case 'RATE_LIMITED':
      return 'too many requests';
    case 'SERVICE_UNAVAILABLE':
      return 'the service is unavailable';
    default:
      return code === 'INTERNAL' ? INTERNAL_MESSAGE : 'the request was refused';
  }
}

const INTERNAL_MESSAGE = 'internal error';

/**
 * The answer for any exception: a `PasserelleError` as it is, an HTTP exception of the
 * framework by its status with a fixed message, anything else a generic 500.
 */
export function errorAnswerOf(exception: unknown): ErrorAnswer {
  if (exception instanceof PasserelleError) {
    return answer(exception.code, exception.message, exception.details);
  }
  if (exception instanceof HttpException) {
    const code = codeOfHttpStatus(exception.getStatus());
    return answer(code, frameworkMessage(code, exception.cause));
  }
  return answer('INTERNAL', INTERNAL_MESSAGE);
}

function answer(
  code: PasserelleErrorCode,
  message: string,
  details: readonly PasserelleErrorDetail[] = [],
): ErrorAnswer {
  return {
    status: httpStatusOf(code),
    body: { error: { code, message, details: details.map(({ path, rule }) => ({ path, rule })) } },
  };
}

/**
 * What the log may say about an unexpected error: its class, its `code` when it is a short
 * identifier (a PostgreSQL SQLSTATE, a Node errno name) and the stack frames — not its
 * message, which may quote personal data (a row, a request value).
 */
export function describeForLog(exception: unknown): Record<string, unknown> {
  if (!(exception instanceof Error)) return { errorType: typeof exception };
  const code: unknown = (exception as { code?: unknown }).code;
  const frames = (exception.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .map((line) => line.trim());
  return {
    errorName: exception.name,
    ...(typeof code === 'string' && /^[A-Z0-9_]{1,32}$/.test(code) ? { errorCode: code } : {}),
    frames,
  };
}

/** The one global filter (APP_FILTER): every error leaves as `{ error: { code, message, details } }`. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    const { status, body } = errorAnswerOf(exception);
    if (body.error.code === 'INTERNAL' && !(exception instanceof PasserelleError)) {
      this.logger.error({ msg: 'unexpected error', ...describeForLog(exception) });
    } else if (status >= 500) {
      this.logger.error({ msg: 'request failed', code: body.error.code });
    }
    if (httpAdapter.isHeadersSent(response)) {
      httpAdapter.end(response);
      return;
    }
    if (status === 401) httpAdapter.setHeader(response, 'WWW-Authenticate', 'Bearer');
    // A 5xx names the request, for support; a 4xx does not (the emergency refusals are
    // identical byte for byte, and the caller knows what it sent).
    const requestId = status >= 500 ? currentRequestId() : undefined;
    httpAdapter.reply(
      response,
      requestId === undefined ? body : { error: { ...body.error, requestId } },
      status,
    );
  }
}
