import { z } from 'zod';

/**
 * The environment (interfaces.md) as one typed object. Nothing else reads `process.env`;
 * a bad value stops the process at start with the variable's name and the rule — never
 * its value, since some are secrets.
 */
export interface AppConfig {
  readonly nodeEnv: 'development' | 'test' | 'production';
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly port: number;
  readonly role: 'api' | 'worker' | 'all';
  readonly contractsDir: string;
  readonly configDir: string;
  readonly clientsFile: string;
  readonly outboxDir: string;
  readonly transportOverride?: 'outbox';
  /** How long the register keeps its entries: whole months older than this are dropped. */
  readonly registerRetention: {
    readonly years: number;
    readonly months: number;
    readonly days: number;
  };
}

/** Variables whose values are never printed, logged or echoed in an error. */
export const SENSITIVE_VARIABLES: readonly string[] = [
  'PASSERELLE_DATA_KEY',
  'DATABASE_URL',
  'REDIS_URL',
];

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//)
    .default('postgres://postgres@127.0.0.1:5432/passerelle'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//)
    .default('redis://127.0.0.1:6379'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PASSERELLE_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  PASSERELLE_CONTRACTS_DIR: z.string().min(1).default('contracts'),
  PASSERELLE_CONFIG_DIR: z.string().min(1).default('config'),
  PASSERELLE_CLIENTS_FILE: z.string().min(1).default('config/clients.dev.yaml'),
  PASSERELLE_OUTBOX_DIR: z.string().min(1).default('var/outbox'),
  PASSERELLE_TRANSPORT_OVERRIDE: z.enum(['outbox']).optional(),
  /** ISO 8601 duration in years, months and days; default: five years. */
  PASSERELLE_REGISTER_RETENTION: z
    .string()
    .regex(/^P(?=\d)(\d+Y)?(\d+M)?(\d+D)?$/)
    .default('P5Y'),
});

function parseRetention(text: string): AppConfig['registerRetention'] {
  const part = (unit: string) => Number(new RegExp(`(\\d+)${unit}`).exec(text)?.[1] ?? 0);
  return { years: part('Y'), months: part('M'), days: part('D') };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid environment: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadAppConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (issue) =>
          `${issue.path.join('.')}: ${issue.code === 'invalid_value' ? `must be one of ${issue.values.join(', ')}` : 'invalid value'}`,
      ),
    );
  }
  const e = parsed.data;
  return {
    nodeEnv: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    port: e.PORT,
    role: e.PASSERELLE_ROLE,
    contractsDir: e.PASSERELLE_CONTRACTS_DIR,
    configDir: e.PASSERELLE_CONFIG_DIR,
    clientsFile: e.PASSERELLE_CLIENTS_FILE,
    outboxDir: e.PASSERELLE_OUTBOX_DIR,
    registerRetention: parseRetention(e.PASSERELLE_REGISTER_RETENTION),
    ...(e.PASSERELLE_TRANSPORT_OVERRIDE === undefined
      ? {}
      : { transportOverride: e.PASSERELLE_TRANSPORT_OVERRIDE }),
  };
}
