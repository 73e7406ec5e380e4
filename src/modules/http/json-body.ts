/** The largest JSON body accepted (interfaces.md: 413 beyond 1 MiB). */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;
export const JSON_BODY_LIMIT_LABEL = '1 MiB';

/**
 * The deepest nesting a validated value may have: objects and arrays inside the root (the
 * booking input's too). Far deeper than any DTO; class-transformer copies a value by
 * recursion, so a body of `[[[…]]]` under 1 MiB (200,000 levels) overflowed the stack.
 */
export const JSON_DEPTH_LIMIT = 32;

/**
 * The most properties a validated object may have (the booking input's too).
 * Far more than any DTO; class-transformer de-duplicates an object's keys by searching the
 * list for each one, so a body of 90,000 properties (under 1 MiB) took seconds to copy.
 */
export const JSON_PROPERTIES_LIMIT = 1000;
