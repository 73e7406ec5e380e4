/**
 * Expected failures in the core are data, not exceptions (STYLE.md): a `Result` carries
 * either a value or every problem found, each naming where it is — never the value itself.
 */
export type Result<T, E = CoreError> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly E[] };

export interface CoreError {
  /** A stable machine code, e.g. `CONTRACT_INVALID`, `UNNECESSARY_FIELD`. */
  readonly code: string;
  /** Where: `participants[2].documents[0].expiryDate`, or a contract key like `fields[3]`. */
  readonly path: string;
  /** What rule was broken, in words; never echoes a personal value. */
  readonly rule: string;
}

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = <E>(errors: readonly E[]): Result<never, E> => ({ ok: false, errors });
