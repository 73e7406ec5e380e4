import { z } from 'zod';

/**
 * Generic formats let a contract say which values every participant must have (a recipient
 * refuses a row without them): the linter checks they are allowed, the projection reports a
 * participant without one as a data-quality error, and the unit is not sent.
 */
export const requiredFieldsOption = z
  .array(z.string().regex(/^[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)+$/))
  .default([]);
