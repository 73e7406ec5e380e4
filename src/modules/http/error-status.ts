import type { PasserelleErrorCode } from '../shared/passerelle-error.js';

/**
 * The HTTP status of each code (interfaces.md, "Errors"). Exhaustive: a code added to
 * `PasserelleErrorCode` without a status here is a compile error.
 */
export function httpStatusOf(code: PasserelleErrorCode): number {
  switch (code) {
    case 'BAD_REQUEST':
    case 'BOOKING_INVALID':
    case 'TRIP_INVALID':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'STALE_REVISION':
    case 'NOT_PENDING':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'PAYMENT_DATA_REFUSED':
    case 'UNPROCESSABLE':
      return 422;
    case 'RATE_LIMITED':
      return 429;
    case 'REGISTER_UNAVAILABLE':
    case 'SERVICE_UNAVAILABLE':
      return 503;
    case 'CONTRACTS_INVALID':
    case 'CONFIG_INVALID':
    case 'INTERNAL':
      return 500;
    default:
      return unreachable(code);
  }
}

function unreachable(code: never): never {
  throw new Error(`no HTTP status for error code ${String(code)}`);
}

/**
 * The code answered for an exception NestJS or Express raised by status (route not found,
 * body too large, malformed JSON…). Services never throw these: they throw a
 * `PasserelleError`. A status without a code of its own becomes a plain 400 or 500.
 */
export function codeOfHttpStatus(status: number): PasserelleErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 422:
      return 'UNPROCESSABLE';
    case 429:
      return 'RATE_LIMITED';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    default:
      return status >= 400 && status < 500 ? 'BAD_REQUEST' : 'INTERNAL';
  }
}
