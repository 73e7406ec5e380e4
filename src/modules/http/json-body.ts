/** The largest JSON body accepted (interfaces.md: 413 beyond 1 MiB). */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;
export const JSON_BODY_LIMIT_LABEL = '1 MiB';

/**
 * The deepest nesting a validated value may have: objects and arrays inside the root, as the
 * booking input's `MAX_DEPTH`. Far deeper than any DTO; class-transformer copies a value by
 * recursion, so a body of `[[[…]]]` under 1 MiB (200,000 levels) overflowed the stack.
 */
export const JSON_DEPTH_LIMIT = 32;
