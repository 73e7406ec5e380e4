import { z } from 'zod';
import { PasserelleError } from '../shared/passerelle-error.js';

/** The body of `POST /v1/emergency/requests`. */
export interface EmergencyRequest {
  readonly policyNumber: string;
  /** The insurer's own case reference. */
  readonly incidentReference: string;
  /** Why the data is needed: at least a sentence. */
  readonly reason: string;
  /** The assistance agent asking. */
  readonly requestedBy: string;
  /** The participant's date of birth: needed when several insured share the policy number. */
  readonly dateOfBirth?: string;
}

/** The rules, as error details name them. */
export const REQUEST_RULES = {
  required: 'required',
  text: 'a string',
  policyNumber: '1 to 64 characters, letters, digits, spaces, / . - _',
  incidentReference: '1 to 100 characters, no control or text-direction characters',
  reason: 'at least a sentence: 20 to 2000 characters, three words or more',
  requestedBy: 'the agent’s name: 2 to 200 characters, no control or text-direction characters',
  dateOfBirth: 'a date, YYYY-MM-DD',
  unknown: 'unknown property: not a field of an emergency request',
} as const;

/**
 * No control characters, nor the invisible ones that reorder text (U+202E and its kin): an
 * agent's name written with them reads otherwise in operations' and the DPO's views.
 */
const NO_CONTROL = /^[^\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]*$/u;
const words = (text: string) =>
  text
    .trim()
    .split(/\s+/u)
    .filter((w) => w.length > 0).length;

const schema = z.strictObject({
  policyNumber: z
    .string({ error: REQUEST_RULES.text })
    .trim()
    .regex(/^[\p{L}\p{N} /._-]{1,64}$/u, { error: REQUEST_RULES.policyNumber }),
  incidentReference: z
    .string({ error: REQUEST_RULES.text })
    .trim()
    .min(1, { error: REQUEST_RULES.incidentReference })
    .max(100, { error: REQUEST_RULES.incidentReference })
    .regex(NO_CONTROL, { error: REQUEST_RULES.incidentReference }),
  reason: z
    .string({ error: REQUEST_RULES.text })
    .trim()
    .min(20, { error: REQUEST_RULES.reason })
    .max(2000, { error: REQUEST_RULES.reason })
    .refine((text) => words(text) >= 3, { error: REQUEST_RULES.reason }),
  requestedBy: z
    .string({ error: REQUEST_RULES.text })
    .trim()
    .min(2, { error: REQUEST_RULES.requestedBy })
    .max(200, { error: REQUEST_RULES.requestedBy })
    .regex(NO_CONTROL, { error: REQUEST_RULES.requestedBy }),
  dateOfBirth: z
    .string({ error: REQUEST_RULES.text })
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: REQUEST_RULES.dateOfBirth })
    .refine(
      (text) =>
        !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) &&
        new Date(`${text}T00:00:00Z`).toISOString().startsWith(text),
      {
        error: REQUEST_RULES.dateOfBirth,
      },
    )
    .optional(),
});

/**
 * The body's schema for the OpenAPI document, made from the schema that validates it; each
 * property described by the rule its refusals name (what a JSON schema cannot say — the
 * trimming, the three words, a day that exists — is in those words).
 */
export const EMERGENCY_REQUEST_JSON_SCHEMA: Record<string, unknown> = (() => {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0' }) as {
    properties: Record<string, Record<string, unknown>>;
  };
  const described = Object.fromEntries(
    Object.entries(json.properties).map(([name, property]) => [
      name,
      { ...property, description: REQUEST_RULES[name as keyof typeof REQUEST_RULES] },
    ]),
  );
  return { ...json, properties: described };
})();

/**
 * Validates a request body; a refusal names each path and rule, never the value given
 * (a policy number, a reason, a name are personal).
 */
export function parseEmergencyRequest(raw: unknown): EmergencyRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PasserelleError('BAD_REQUEST', 'the emergency request must be a JSON object', [
      { path: '', rule: 'a JSON object' },
    ]);
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const seen = new Set<string>();
  const details = parsed.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      // Counted, never named: a key is the caller's text and may hold anything (a name, a
      // policy number), so it is not echoed back as a path.
      return [{ path: '', rule: `${REQUEST_RULES.unknown} (${issue.keys.length})` }];
    }
    const path = issue.path.map(String).join('.');
    // One rule per path: the first broken.
    if (seen.has(path)) return [];
    seen.add(path);
    const missing =
      issue.code === 'invalid_type' && (raw as Record<string, unknown>)[path] === undefined;
    return [{ path, rule: missing ? REQUEST_RULES.required : issue.message }];
  });
  throw new PasserelleError('BAD_REQUEST', 'the emergency request is invalid', details);
}
