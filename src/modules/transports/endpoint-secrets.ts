/** What a transport may read from `PASSERELLE_SECRET_<ENDPOINT>_<WHAT>`. */
export type EndpointSecret =
  | 'PASSWORD'
  | 'PRIVATE_KEY_FILE'
  | 'PASSPHRASE'
  | 'TOKEN'
  | 'CLIENT_CERT_FILE'
  | 'CLIENT_KEY_FILE'
  | 'CA_FILE';

/**
 * The variable holding one secret of an endpoint: the endpoint id upper-cased, `-` → `_`
 * (`hotel-rooming` → `PASSERELLE_SECRET_HOTEL_ROOMING_PASSWORD`). The name is safe to show
 * to operations; the value never is.
 */
export function secretVariable(endpointId: string, what: EndpointSecret): string {
  return `PASSERELLE_SECRET_${endpointId.toUpperCase().replaceAll('-', '_')}_${what}`;
}

/** The secret's value, or undefined when the variable is unset or empty. */
export function endpointSecret(
  secrets: Readonly<Record<string, string>>,
  endpointId: string,
  what: EndpointSecret,
): string | undefined {
  const value = secrets[secretVariable(endpointId, what)];
  return value === undefined || value === '' ? undefined : value;
}
