/** The largest JSON body accepted (interfaces.md: 413 beyond 1 MiB). */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;
export const JSON_BODY_LIMIT_LABEL = '1 MiB';
