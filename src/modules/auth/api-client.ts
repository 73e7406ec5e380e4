/** The roles of API clients (interfaces.md, HTTP). */
export const ROLES = ['ingest', 'ops', 'auditor', 'insurer'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller, as handlers see it (`@CurrentClient()`). */
export interface ApiClient {
  readonly id: string;
  readonly role: Role;
  /** Only for `insurer`: the insurer whose insured participants this client may ask about. */
  readonly insurerId?: string;
}

/** A client of the clients file: who it is, and the sha256 of its key (32 bytes). */
export interface RegisteredClient {
  readonly client: ApiClient;
  readonly keySha256: Buffer;
}
