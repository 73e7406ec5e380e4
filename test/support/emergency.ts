import type { TestClient } from './test-clients.js';

/** An answer of the emergency endpoint, read whole. */
export interface EmergencyAnswer {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
}

/** `POST /v1/emergency/requests` as `client`; `timeoutMs` aborts a request left hanging. */
export async function postEmergency(
  app: { readonly url: string },
  client: TestClient,
  body: unknown,
  timeoutMs?: number,
): Promise<EmergencyAnswer> {
  const response = await fetch(`${app.url}/v1/emergency/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${client.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** An assistance agent's request about the NYC sample's insured participant (policy MV-2027-004411). */
export const SAMPLE_AGENT_REQUEST = {
  policyNumber: 'MV-2027-004411',
  incidentReference: 'MV-ASSIST-2027-00091',
  reason: 'Fainted during the walk in the park and is being seen by a doctor right now.',
  requestedBy: 'Agent Paul Martin',
} as const;
