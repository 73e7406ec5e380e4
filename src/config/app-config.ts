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
  /**
   * A second listener for what operators read — `/metrics`, `/docs` and the health checks —
   * which the public port then no longer serves (its health checks it still does).
   */
  readonly internal?: { readonly port: number; readonly host: string };
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
  /** Base64 of the 32-byte key wrapping each booking's data key; required in production. */
  readonly dataKey?: string;
  /**
   * Master keys used before `dataKey` (base64, comma-separated in the environment): what they
   * wrapped is still opened, and re-wrapped under `dataKey` at start (key rotation).
   */
  readonly previousDataKeys: readonly string[];
  /** How long after its trip ends a booking is erased (days). */
  readonly bookingRetentionDays: number;
  /** Transport secrets by variable name (`PASSERELLE_SECRET_<ENDPOINT>_<WHAT>`); never logged. */
  readonly secrets: Readonly<Record<string, string>>;
  /** How often the dispatcher moves transmissions that fall due into the queue (ms). */
  readonly dispatchIntervalMs: number;
  /** The prefix of every Redis key Passerelle writes (a `{hash tag}` for Redis Cluster). */
  readonly queuePrefix: string;
  /** The first retry's delay; each next one doubles it (ms). */
  readonly retryBaseMs: number;
  /** How many transmissions one worker process sends at once. */
  readonly workerConcurrency: number;
  /** How long a sender owns a transmission before another may take it over (ms). */
  readonly sendLeaseMs: number;
  /** Where alerts (emergency releases, repeated refusals) are POSTed; none when unset. */
  readonly alertWebhookUrl?: string;
  /** Signs each alert (`Passerelle-Signature`: HMAC-SHA256 of the time and the body); never logged. */
  readonly alertWebhookSecret?: string;
  /** The emergency endpoint's sliding window: at most `limit` requests per client in `windowMs`. */
  readonly emergencyRateLimit: { readonly limit: number; readonly windowMs: number };
  /** Refusals from one client within `windowMs` that raise an alert (and every `threshold` more). */
  readonly emergencyRefusalAlert: { readonly threshold: number; readonly windowMs: number };
  /**
   * The least time an emergency refusal takes from the request's arrival: every reason is
   * answered at the same moment, so the timing tells no more than the (identical) answer.
   */
  readonly emergencyRefusalMs: number;
  /**
   * How long `serve` may take to close on SIGTERM or SIGINT (ms): past it, the process exits
   * with 1 and a line naming what did not close.
   */
  readonly shutdownTimeoutMs: number;
}

/**
 * A whole number written in digits. Set but empty (`PORT=`, as compose files and `.env`
 * templates write it) is refused like an empty string variable is: `z.coerce.number()` alone
 * reads '' as 0, which erased bookings at the trip's end and turned the refusal delay off.
 * Digits only: `Number` would also read `0x10` as 16 and `1e3` as 1000.
 */
const wholeNumberText = (min: number, max: number) =>
  z
    .string()
    .refine((text) => text.trim() !== '', {
      error: 'must be a whole number, not empty',
      abort: true,
    })
    .refine((text) => /^\d+$/.test(text.trim()), { error: 'must be a whole number' })
    .pipe(z.coerce.number<string>().int().min(min).max(max));

/** `wholeNumberText`, `fallback` when the variable is not set. */
const wholeNumber = (min: number, max: number, fallback: number) =>
  wholeNumberText(min, max).default(fallback);

/**
 * Whether `text` is a URL that `new URL` (and so pg, ioredis and this code) reads as one
 * URL, with one of `protocols`: a password holding `#`, `/` or `?` unescaped passes a
 * prefix check but fails there — with a `TypeError` whose `input` is the whole URL.
 */
function isServiceUrl(text: string, protocols: readonly string[], path?: RegExp): boolean {
  let url: URL;
  try {
    url = new URL(text);
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
    decodeURIComponent(url.pathname);
  } catch {
    return false;
  }
  // A fragment is never part of a connection URL: it is a `#` in a password, unescaped.
  return (
    protocols.includes(url.protocol) &&
    !text.includes('#') &&
    (path === undefined || path.test(url.pathname))
  );
}

/** `PASSERELLE_REGISTER_RETENTION`: an ISO 8601 duration in years, months and days. */
const RETENTION = /^P(?=\d)(\d+Y)?(\d+M)?(\d+D)?$/;

/**
 * Whether a retention keeps at least a year whatever the date: twelve months or more, or else
 * 365 days or more counting each month as 28 days (the shortest), since months are calendar
 * months when the cut-off is computed.
 */
function keepsAYear({ years, months, days }: AppConfig['registerRetention']): boolean {
  return years * 12 + months >= 12 || months * 28 + days >= 365;
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: z
    .string()
    .refine((text) => isServiceUrl(text, ['postgres:', 'postgresql:']), {
      error: 'must be a postgres:// URL (#, /, ?, @ and % in the user or password written %XX)',
    })
    .default('postgres://postgres@127.0.0.1:5432/passerelle'),
  REDIS_URL: z
    .string()
    // interfaces.md: it may name a database number (`redis://host:6379/9`).
    .refine((text) => isServiceUrl(text, ['redis:', 'rediss:'], /^(\/\d{0,5})?$/), {
      error:
        'must be a redis:// or rediss:// URL, with at most a database number as its path (#, /, ?, @ and % in the user or password written %XX)',
    })
    .default('redis://127.0.0.1:6379'),
  PORT: wholeNumber(0, 65535, 3000),
  // Not 0: a port chosen at random would leave the metrics where no one knows to look.
  PASSERELLE_INTERNAL_PORT: wholeNumberText(1, 65535).optional(),
  PASSERELLE_INTERNAL_HOST: z.string().min(1).default('127.0.0.1'),
  PASSERELLE_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  PASSERELLE_CONTRACTS_DIR: z.string().min(1).default('contracts'),
  PASSERELLE_CONFIG_DIR: z.string().min(1).default('config'),
  PASSERELLE_CLIENTS_FILE: z.string().min(1).default('config/clients.dev.yaml'),
  PASSERELLE_OUTBOX_DIR: z.string().min(1).default('var/outbox'),
  PASSERELLE_TRANSPORT_OVERRIDE: z.enum(['outbox']).optional(),
  /** ISO 8601 duration in years, months and days, at least a year; default: five years. */
  PASSERELLE_REGISTER_RETENTION: z
    .string()
    .regex(RETENTION)
    // The daily maintenance drops every month older than this, a minute after start: `P0D`
    // (or `P5D` for `P5Y`) would drop the whole register but the current month.
    .refine((text) => !RETENTION.test(text) || keepsAYear(parseRetention(text)), {
      error:
        'must be at least one year (P1Y, P12M or P365D): the register drops every month older than it',
    })
    .default('P5Y'),
  PASSERELLE_DATA_KEY: z
    .string()
    .refine(
      (text) => /^[A-Za-z0-9+/]{43}=$/.test(text) && Buffer.from(text, 'base64').length === 32,
      {
        error: 'must be the base64 of 32 bytes',
      },
    )
    .optional(),
  PASSERELLE_DATA_KEY_PREVIOUS: z
    .string()
    .refine(
      (text) =>
        text
          .split(',')
          .every(
            (key) =>
              /^[A-Za-z0-9+/]{43}=$/.test(key.trim()) &&
              Buffer.from(key.trim(), 'base64').length === 32,
          ),
      { error: 'must be base64 keys of 32 bytes, separated by commas' },
    )
    .optional(),
  /**
   * Days after the trip's end when a booking is erased; default 30. At least one: the
   * insurers' emergency window lasts until a day after the trip ends, and 0 erased the
   * bookings within it (the trip ends at midnight UTC−12 for retention).
   */
  PASSERELLE_BOOKING_RETENTION_DAYS: wholeNumber(1, 3650, 30),
  PASSERELLE_DISPATCH_INTERVAL_MS: wholeNumber(50, 3_600_000, 5000),
  PASSERELLE_RETRY_BASE_MS: wholeNumber(10, 86_400_000, 30_000),
  PASSERELLE_SEND_LEASE_MS: wholeNumber(500, 3_600_000, 120_000),
  PASSERELLE_WORKER_CONCURRENCY: wholeNumber(1, 500, 20),
  PASSERELLE_ALERT_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  PASSERELLE_ALERT_WEBHOOK_SECRET: z.string().min(16).optional(),
  PASSERELLE_EMERGENCY_RATE_LIMIT: wholeNumber(1, 1_000_000, 20),
  PASSERELLE_EMERGENCY_RATE_WINDOW_MS: wholeNumber(1000, 86_400_000, 60_000),
  PASSERELLE_EMERGENCY_REFUSAL_MS: wholeNumber(0, 10_000, 250),
  PASSERELLE_EMERGENCY_REFUSALS_ALERT: wholeNumber(1, 10_000, 5),
  PASSERELLE_EMERGENCY_REFUSALS_WINDOW_MS: wholeNumber(1000, 86_400_000, 600_000),
  PASSERELLE_SHUTDOWN_TIMEOUT_MS: wholeNumber(1000, 600_000, 15_000),
  PASSERELLE_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9{}:._-]{1,64}$/)
    .default('passerelle'),
});

/**
 * Whether 32 bytes can be a key drawn at random: not a passphrase (every byte printable
 * ASCII) nor a pattern (fewer than 16 distinct bytes, as in `AAAA…=`). A random key is
 * either with a probability below 10^-13. Checked in production for the current master key
 * only: a weak previous key must stay usable, to rotate away from it.
 */
export function looksRandom(key: Buffer): boolean {
  const printable = key.every((byte) => byte >= 0x20 && byte <= 0x7e);
  return !printable && new Set(key).size >= 16;
}

function parseRetention(text: string): AppConfig['registerRetention'] {
  const part = (unit: string) => Number(new RegExp(`(\\d+)${unit}`).exec(text)?.[1] ?? 0);
  return { years: part('Y'), months: part('M'), days: part('D') };
}

/** What a variable checked by a pattern must look like (zod's `invalid_format`). */
const FORMAT_RULES: Readonly<Record<string, string>> = {
  PASSERELLE_REGISTER_RETENTION:
    'must be an ISO 8601 duration in years, months and days, such as P5Y or P1Y6M',
  PASSERELLE_QUEUE_PREFIX: 'must be 1 to 64 letters, digits or characters among { } : . _ -',
  PASSERELLE_ALERT_WEBHOOK_URL: 'must be an http:// or https:// URL',
};

/**
 * The rule a value broke, in words taken from the schema only: zod's own messages are not
 * used, so that no message can ever carry the value.
 */
function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `must be one of ${issue.values.join(', ')}`;
    // Messages written above, with the schema's refinements.
    case 'custom':
      return issue.message;
    case 'too_small':
      if (issue.origin !== 'string') return `must be at least ${String(issue.minimum)}`;
      // A webhook secret of 5 characters is not empty: say what it lacks.
      return Number(issue.minimum) <= 1
        ? 'must not be empty'
        : `must be at least ${String(issue.minimum)} characters`;
    case 'invalid_format':
      return FORMAT_RULES[String(issue.path[0])] ?? 'invalid value';
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'invalid_type':
      return issue.expected === 'int' || issue.expected === 'number'
        ? 'must be a whole number'
        : 'invalid value';
    default:
      return 'invalid value';
  }
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
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${ruleOf(issue)}`),
    );
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && e.PASSERELLE_DATA_KEY === undefined) {
    throw new ConfigError(['PASSERELLE_DATA_KEY: required in production']);
  }
  if (
    e.NODE_ENV === 'production' &&
    !looksRandom(Buffer.from(e.PASSERELLE_DATA_KEY ?? '', 'base64'))
  ) {
    throw new ConfigError([
      'PASSERELLE_DATA_KEY: must be 32 random bytes, not text or a pattern (make one with `openssl rand -base64 32`)',
    ]);
  }
  const secrets = Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] =>
        entry[0].startsWith('PASSERELLE_SECRET_') && entry[1] !== undefined,
    ),
  );
  return {
    nodeEnv: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    port: e.PORT,
    ...(e.PASSERELLE_INTERNAL_PORT === undefined
      ? {}
      : { internal: { port: e.PASSERELLE_INTERNAL_PORT, host: e.PASSERELLE_INTERNAL_HOST } }),
    role: e.PASSERELLE_ROLE,
    contractsDir: e.PASSERELLE_CONTRACTS_DIR,
    configDir: e.PASSERELLE_CONFIG_DIR,
    clientsFile: e.PASSERELLE_CLIENTS_FILE,
    outboxDir: e.PASSERELLE_OUTBOX_DIR,
    registerRetention: parseRetention(e.PASSERELLE_REGISTER_RETENTION),
    ...(e.PASSERELLE_DATA_KEY === undefined ? {} : { dataKey: e.PASSERELLE_DATA_KEY }),
    previousDataKeys:
      e.PASSERELLE_DATA_KEY_PREVIOUS === undefined
        ? []
        : e.PASSERELLE_DATA_KEY_PREVIOUS.split(',').map((key) => key.trim()),
    bookingRetentionDays: e.PASSERELLE_BOOKING_RETENTION_DAYS,
    secrets,
    dispatchIntervalMs: e.PASSERELLE_DISPATCH_INTERVAL_MS,
    queuePrefix: e.PASSERELLE_QUEUE_PREFIX,
    retryBaseMs: e.PASSERELLE_RETRY_BASE_MS,
    workerConcurrency: e.PASSERELLE_WORKER_CONCURRENCY,
    sendLeaseMs: e.PASSERELLE_SEND_LEASE_MS,
    ...(e.PASSERELLE_ALERT_WEBHOOK_URL === undefined
      ? {}
      : { alertWebhookUrl: e.PASSERELLE_ALERT_WEBHOOK_URL }),
    ...(e.PASSERELLE_ALERT_WEBHOOK_SECRET === undefined
      ? {}
      : { alertWebhookSecret: e.PASSERELLE_ALERT_WEBHOOK_SECRET }),
    emergencyRateLimit: {
      limit: e.PASSERELLE_EMERGENCY_RATE_LIMIT,
      windowMs: e.PASSERELLE_EMERGENCY_RATE_WINDOW_MS,
    },
    emergencyRefusalAlert: {
      threshold: e.PASSERELLE_EMERGENCY_REFUSALS_ALERT,
      windowMs: e.PASSERELLE_EMERGENCY_REFUSALS_WINDOW_MS,
    },
    emergencyRefusalMs: e.PASSERELLE_EMERGENCY_REFUSAL_MS,
    shutdownTimeoutMs: e.PASSERELLE_SHUTDOWN_TIMEOUT_MS,
    ...(e.PASSERELLE_TRANSPORT_OVERRIDE === undefined
      ? {}
      : { transportOverride: e.PASSERELLE_TRANSPORT_OVERRIDE }),
  };
}
