import { z } from 'zod';
import { parseYamlWithSchema } from '../shared/parse-with-schema.js';
import type { Result } from '../shared/result.js';

const schema = z.strictObject({
  controller: z.strictObject({
    name: z.string().min(1),
    address: z.string().min(1),
    email: z.string().min(3),
    phone: z.string().min(3).optional(),
  }),
  dpo: z.strictObject({
    name: z.string().min(1),
    email: z.string().min(3),
    address: z.string().min(1).optional(),
  }),
  supervisoryAuthority: z
    .strictObject({ name: z.string().min(1), url: z.string().min(1) })
    .optional(),
  securityMeasures: z.array(z.string().min(1)).min(1),
});

/** `config/controller.yaml`: who is responsible, for the Art. 30 record and access reports. */
export type ControllerConfig = z.infer<typeof schema>;

export const parseControllerConfig = (text: string): Result<ControllerConfig> =>
  parseYamlWithSchema(schema, text, 'CONTROLLER_INVALID');
