/** Every code an adapter may throw; the global filter maps each to an HTTP status. */
export type PasserelleErrorCode = 'CONTRACTS_INVALID' | 'CONFIG_INVALID';

export interface PasserelleErrorDetail {
  readonly path: string;
  readonly rule: string;
}

/** The one exception adapters throw: a code, a message without personal values, details by path. */
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
