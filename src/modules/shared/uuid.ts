/**
 * A UUID in the form PostgreSQL's `uuid` prints it: checked before a query, so that any
 * other text is "not found" (or a 400) rather than a cast error answered 500.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isUuid = (text: string): boolean => UUID.test(text);
