import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import type { PasserelleErrorCode } from '../shared/passerelle-error.js';
import { httpStatusOf } from './error-status.js';

/**
 * Every error code, listed once so that the OpenAPI document can enumerate them: a code
 * added to `PasserelleErrorCode` without an entry here is a compile error.
 */
const ERROR_CODE_LIST: Readonly<Record<PasserelleErrorCode, true>> = {
  BAD_REQUEST: true,
  BOOKING_INVALID: true,
  TRIP_INVALID: true,
  UNAUTHENTICATED: true,
  FORBIDDEN: true,
  NOT_FOUND: true,
  STALE_REVISION: true,
  NOT_PENDING: true,
  PAYLOAD_TOO_LARGE: true,
  UNSUPPORTED_MEDIA_TYPE: true,
  PAYMENT_DATA_REFUSED: true,
  UNPROCESSABLE: true,
  RATE_LIMITED: true,
  REGISTER_UNAVAILABLE: true,
  SERVICE_UNAVAILABLE: true,
  CONTRACTS_INVALID: true,
  CONFIG_INVALID: true,
  INTERNAL: true,
};
export const ERROR_CODES = Object.keys(ERROR_CODE_LIST) as PasserelleErrorCode[];

/** One refused path and the rule it breaks; never the value. */
export class ErrorDetail {
  @ApiProperty({
    description: 'where: `participants[0].dateOfBirth`, `cursor`, or empty for the whole',
    example: 'participants[0].dateOfBirth',
  })
  path!: string;

  @ApiProperty({ description: 'the rule broken, in words', example: 'date in the past' })
  rule!: string;
}

export class ErrorObject {
  @ApiProperty({ enum: ERROR_CODES, enumName: 'ErrorCode', example: 'BOOKING_INVALID' })
  code!: PasserelleErrorCode;

  @ApiProperty({ description: 'what went wrong, without any value of the request' })
  message!: string;

  @ApiProperty({ type: [ErrorDetail] })
  details!: ErrorDetail[];

  @ApiProperty({
    required: false,
    description:
      '5xx answers only: the id of the request, as in the `X-Request-Id` header every answer carries (the caller’s own when it is 1 to 128 of `A-Z a-z 0-9 . _ : -`, else a fresh UUID); quote it to support, it names the request’s log lines',
    example: '0b5c9a4e-6f7d-4f2a-9b1e-3c8d2a7e5f10',
  })
  requestId?: string;
}

/**
 * Every error answer: `{ "error": { "code", "message", "details": [{ "path", "rule" }] } }`,
 * and `requestId` in a 5xx.
 */
export class ErrorEnvelope {
  @ApiProperty({ type: ErrorObject })
  error!: ErrorObject;
}

/** The statuses an error can have, as `httpStatusOf` gives them. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

/** The codes answered with `status` (error-status.ts), for a response's description. */
export const codesOfStatus = (status: number): PasserelleErrorCode[] =>
  ERROR_CODES.filter((code) => httpStatusOf(code) === status);

/**
 * The error answers of a route, each with the envelope as its schema: `{ 404: 'no
 * transmission with this id' }`. The description starts with the codes the route answers
 * with (`NOT_FOUND: …`) when the text does not name them itself.
 */
export function ApiErrors(
  errors: Partial<Record<ErrorStatus, string>>,
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(errors).map(([status, description]) => {
      const codes = codesOfStatus(Number(status));
      const named = codes.some((code) => description.includes(code));
      return ApiResponse({
        status: Number(status),
        description: named ? description : `${codes.join(' / ')}: ${description}`,
        type: ErrorEnvelope,
      });
    }),
  );
}

/** What a route that takes a JSON body may answer before it is read (body parser). */
export const BODY_ERRORS = {
  413: 'PAYLOAD_TOO_LARGE: the body is over 1 MiB',
  415: 'UNSUPPORTED_MEDIA_TYPE: a content encoding or character set the JSON parser does not take',
} as const satisfies Partial<Record<ErrorStatus, string>>;
