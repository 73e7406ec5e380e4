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
