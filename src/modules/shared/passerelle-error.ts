/**
 * Every code an adapter may throw; the global filter maps each to an HTTP status with an
 * exhaustive `switch` (`src/modules/http/error-status.ts`), so a code added here without a
 * status does not compile.
 */
export type PasserelleErrorCode =
  // 400: the request is malformed
  | 'BAD_REQUEST'
  | 'BOOKING_INVALID'
  | 'TRIP_INVALID'
  // 401: no key, or a key no client holds
  | 'UNAUTHENTICATED'
  // 403: a known client whose role may not do this
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  // 409
  | 'STALE_REVISION'
  | 'NOT_PENDING'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  // 422: well formed, semantically refused
  | 'PAYMENT_DATA_REFUSED'
  | 'UNPROCESSABLE'
  | 'RATE_LIMITED'
  // 503: fail closed — the register cannot be written, or a service is down
  | 'REGISTER_UNAVAILABLE'
  | 'SERVICE_UNAVAILABLE'
  // 500: boot-time problems, and anything unexpected
  | 'CONTRACTS_INVALID'
  | 'CONFIG_INVALID'
  | 'INTERNAL';

export interface PasserelleErrorDetail {
  readonly path: string;
  readonly rule: string;
}

/**
 * The one exception adapters throw: a code, a message without personal values, details by
 * path. The message and the details reach the client as they are: they name paths and
 * rules, never a value from the request or the database.
 */
export class PasserelleError extends Error {
  constructor(
    readonly code: PasserelleErrorCode,
    message: string,
    readonly details: readonly PasserelleErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'PasserelleError';
  }
}
