import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadAppConfig, looksRandom } from './app-config.js';

/** The ConfigError `loadAppConfig(env)` throws; fails the test when it does not throw one. */
function refusal(env: Record<string, string>): ConfigError {
  try {
    loadAppConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the environment was accepted');
}

const NUMERIC_VARIABLES = [
  'PORT',
  'PASSERELLE_BOOKING_RETENTION_DAYS',
  'PASSERELLE_DISPATCH_INTERVAL_MS',
  'PASSERELLE_RETRY_BASE_MS',
  'PASSERELLE_SEND_LEASE_MS',
  'PASSERELLE_WORKER_CONCURRENCY',
  'PASSERELLE_EMERGENCY_RATE_LIMIT',
  'PASSERELLE_EMERGENCY_RATE_WINDOW_MS',
  'PASSERELLE_EMERGENCY_REFUSAL_MS',
  'PASSERELLE_EMERGENCY_REFUSALS_ALERT',
  'PASSERELLE_EMERGENCY_REFUSALS_WINDOW_MS',
  'PASSERELLE_SHUTDOWN_TIMEOUT_MS',
  'PASSERELLE_INTERNAL_PORT',
] as const;

describe('loadAppConfig: numeric variables', () => {
  it.each(NUMERIC_VARIABLES)(
    'should refuse %s when it is set but empty, as an empty string variable is',
    (variable) => {
      for (const empty of ['', ' ']) {
        expect(refusal({ [variable]: empty }).problems).toEqual([
          `${variable}: must be a whole number, not empty`,
        ]);
      }
    },
  );

  it('should not read PASSERELLE_BOOKING_RETENTION_DAYS= as 0 (bookings erased at the trip’s end)', () => {
    expect(() => loadAppConfig({ PASSERELLE_BOOKING_RETENTION_DAYS: '' })).toThrow(ConfigError);
    expect(loadAppConfig({}).bookingRetentionDays).toBe(30);
  });

  it('should not read PASSERELLE_EMERGENCY_REFUSAL_MS= as 0 (refusals answered at once)', () => {
    expect(() => loadAppConfig({ PASSERELLE_EMERGENCY_REFUSAL_MS: '' })).toThrow(ConfigError);
    expect(loadAppConfig({}).emergencyRefusalMs).toBe(250);
  });

  it('should take no internal listener unless PASSERELLE_INTERNAL_PORT is set, and loopback for it by default', () => {
    expect(loadAppConfig({}).internal).toBeUndefined();
    expect(loadAppConfig({ PASSERELLE_INTERNAL_PORT: '9464' }).internal).toEqual({
      port: 9464,
      host: '127.0.0.1',
    });
    expect(
      loadAppConfig({ PASSERELLE_INTERNAL_PORT: '9464', PASSERELLE_INTERNAL_HOST: '10.0.0.5' })
        .internal,
    ).toEqual({ port: 9464, host: '10.0.0.5' });
    expect(refusal({ PASSERELLE_INTERNAL_PORT: '70000' }).problems).toEqual([
      'PASSERELLE_INTERNAL_PORT: must be at most 65535',
    ]);
    // Not a port chosen at random, that no one would know to scrape.
    expect(refusal({ PASSERELLE_INTERNAL_PORT: '0' }).problems).toEqual([
      'PASSERELLE_INTERNAL_PORT: must be at least 1',
    ]);
  });

  it('should not read PORT= as 0 (a random port)', () => {
    expect(() => loadAppConfig({ PORT: '' })).toThrow(ConfigError);
    expect(loadAppConfig({}).port).toBe(3000);
  });

  it('should read whole numbers, and name the rule a value breaks', () => {
    expect(loadAppConfig({ PORT: '8080', PASSERELLE_EMERGENCY_REFUSAL_MS: '0' })).toMatchObject({
      port: 8080,
      emergencyRefusalMs: 0,
    });
    expect(refusal({ PORT: 'eighty' }).problems).toEqual(['PORT: must be a whole number']);
    expect(refusal({ PORT: '80.5' }).problems).toEqual(['PORT: must be a whole number']);
    expect(refusal({ PORT: '70000' }).problems).toEqual(['PORT: must be at most 65535']);
    // Digits only: not read as JavaScript would (16, 1000, 8).
    for (const written of ['0x10', '1e3', '0o10', '+80', '-0'])
      expect(refusal({ PORT: written }).problems).toEqual(['PORT: must be a whole number']);
    expect(refusal({ PORT: '' }).problems).toEqual(['PORT: must be a whole number, not empty']);
    expect(loadAppConfig({ PORT: ' 8080 ' }).port).toBe(8080);
    expect(refusal({ PASSERELLE_WORKER_CONCURRENCY: '0' }).problems).toEqual([
      'PASSERELLE_WORKER_CONCURRENCY: must be at least 1',
    ]);
  });
});

describe('loadAppConfig: DATABASE_URL and REDIS_URL', () => {
  const SECRET = 'pa#ss-s3cret';

  it.each([
    ['a # in the password', `postgres://postgres:${SECRET}@127.0.0.1:5432/passerelle`],
    ['a / in the password', 'postgres://postgres:pa/ss-s3cret@127.0.0.1:5432/passerelle'],
    ['a ? in the password', 'postgres://postgres:pa?ss-s3cret@127.0.0.1:5432/passerelle'],
    ['a # after a numeric password', 'postgres://postgres:12#ss-s3cret@127.0.0.1/passerelle'],
    ['a % escape that does not decode', 'postgres://postgres:pa%zzss-s3cret@127.0.0.1/passerelle'],
    ['another scheme', 'mysql://root:ss-s3cret@db/passerelle'],
  ])('should refuse a DATABASE_URL with %s, naming the variable, not the value', (_, url) => {
    const error = refusal({ DATABASE_URL: url });
    expect(error.problems).toEqual([
      'DATABASE_URL: must be a postgres:// URL (#, /, ?, @ and % in the user or password written %XX)',
    ]);
    expect(error.message).not.toContain('ss-s3cret');
    expect(JSON.stringify(error)).not.toContain('ss-s3cret');
  });

  it('should accept a DATABASE_URL whose password is percent-encoded', () => {
    const url = `postgres://postgres:${encodeURIComponent(SECRET)}@127.0.0.1:5432/passerelle`;
    expect(loadAppConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(
      loadAppConfig({ DATABASE_URL: 'postgresql://db.internal/passerelle?sslmode=require' }),
    ).toBeDefined();
  });

  it.each([
    ['a # in the password', `redis://:${SECRET}@127.0.0.1:6379`],
    ['a / in the password', 'redis://:pa/ss-s3cret@127.0.0.1:6379'],
    ['a path that is not a database number', 'redis://:ss-s3cret@127.0.0.1:6379/queue'],
    ['another scheme', 'http://:ss-s3cret@127.0.0.1:6379'],
  ])('should refuse a REDIS_URL with %s, naming the variable, not the value', (_, url) => {
    const error = refusal({ REDIS_URL: url });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(error.message).not.toContain('ss-s3cret');
  });

  it('should accept a REDIS_URL naming a database number, over TLS or not', () => {
    for (const url of [
      'redis://127.0.0.1:6379',
      'redis://127.0.0.1:6379/',
      'redis://127.0.0.1:6379/9',
      'rediss://user:p%23ss@cache.internal:6380/2',
    ]) {
      expect(loadAppConfig({ REDIS_URL: url }).redisUrl).toBe(url);
    }
  });
});

describe('loadAppConfig: the rule named for a refused value', () => {
  it('should say a webhook secret is too short when it is, not that it is empty', () => {
    expect(refusal({ PASSERELLE_ALERT_WEBHOOK_SECRET: 'short' }).problems).toEqual([
      'PASSERELLE_ALERT_WEBHOOK_SECRET: must be at least 16 characters',
    ]);
    expect(refusal({ PASSERELLE_CONTRACTS_DIR: '' }).problems).toEqual([
      'PASSERELLE_CONTRACTS_DIR: must not be empty',
    ]);
  });

  it.each([
    [
      'PASSERELLE_REGISTER_RETENTION',
      '10 years',
      'must be an ISO 8601 duration in years, months and days, such as P5Y or P1Y6M',
    ],
    [
      'PASSERELLE_QUEUE_PREFIX',
      'my prefix',
      'must be 1 to 64 letters, digits or characters among { } : . _ -',
    ],
    [
      'PASSERELLE_ALERT_WEBHOOK_URL',
      'ftp://alerts.example/hook',
      'must be an http:// or https:// URL',
    ],
    ['PASSERELLE_ALERT_WEBHOOK_URL', '', 'must be an http:// or https:// URL'],
  ])('should name the form %s must take when it is %j', (variable, value, rule) => {
    const error = refusal({ [variable]: value });
    expect(error.problems).toEqual([`${variable}: ${rule}`]);
    if (value !== '') expect(error.message).not.toContain(value);
  });
});

describe('loadAppConfig: retention periods', () => {
  it.each(['P0D', 'P0Y', 'P0Y0M0D', 'P1D', 'P5D', 'P5M', 'P11M', 'P364D', 'P11M30D'])(
    'should refuse PASSERELLE_REGISTER_RETENTION=%s, shorter than a year (it drops every month older)',
    (retention) => {
      expect(refusal({ PASSERELLE_REGISTER_RETENTION: retention }).problems).toEqual([
        'PASSERELLE_REGISTER_RETENTION: must be at least one year (P1Y, P12M or P365D): the register drops every month older than it',
      ]);
    },
  );

  it.each([
    ['P1Y', { years: 1, months: 0, days: 0 }],
    ['P12M', { years: 0, months: 12, days: 0 }],
    ['P365D', { years: 0, months: 0, days: 365 }],
    ['P1Y6M', { years: 1, months: 6, days: 0 }],
    ['P5Y', { years: 5, months: 0, days: 0 }],
  ])('should accept PASSERELLE_REGISTER_RETENTION=%s, a year or more', (retention, expected) => {
    expect(loadAppConfig({ PASSERELLE_REGISTER_RETENTION: retention }).registerRetention).toEqual(
      expected,
    );
  });

  it('should refuse PASSERELLE_BOOKING_RETENTION_DAYS=0 (bookings erased inside the emergency window, which ends a day after the trip)', () => {
    expect(refusal({ PASSERELLE_BOOKING_RETENTION_DAYS: '0' }).problems).toEqual([
      'PASSERELLE_BOOKING_RETENTION_DAYS: must be at least 1',
    ]);
    expect(loadAppConfig({ PASSERELLE_BOOKING_RETENTION_DAYS: '1' }).bookingRetentionDays).toBe(1);
  });
});

describe('loadAppConfig: the master key in production', () => {
  const WEAK_RULE =
    'PASSERELLE_DATA_KEY: must be 32 random bytes, not text or a pattern (make one with `openssl rand -base64 32`)';
  const base64 = (key: Buffer | string) => Buffer.from(key).toString('base64');

  it.each([
    ['zeros', base64(Buffer.alloc(32))],
    ['one byte repeated', base64(Buffer.alloc(32, 7))],
    ['a short pattern', base64(Buffer.from(Array.from({ length: 32 }, (_, i) => i % 8)))],
    ['a passphrase', base64('correct horse battery staple!!!!')],
  ])('should refuse a key that is %s, and not say what it is', (_what, key) => {
    const problems = refusal({ NODE_ENV: 'production', PASSERELLE_DATA_KEY: key }).problems;
    expect(problems).toEqual([WEAK_RULE]);
    expect(problems.join('\n')).not.toContain(key);
  });

  it('should accept a random key, and a weak one outside production or as a previous key', () => {
    const random = randomBytes(32).toString('base64');
    const weak = base64(Buffer.alloc(32, 7));
    expect(loadAppConfig({ NODE_ENV: 'production', PASSERELLE_DATA_KEY: random }).dataKey).toBe(
      random,
    );
    expect(loadAppConfig({ NODE_ENV: 'test', PASSERELLE_DATA_KEY: weak }).dataKey).toBe(weak);
    // Rotating away from a weak key stays possible.
    expect(
      loadAppConfig({
        NODE_ENV: 'production',
        PASSERELLE_DATA_KEY: random,
        PASSERELLE_DATA_KEY_PREVIOUS: weak,
      }).previousDataKeys,
    ).toEqual([weak]);
  });

  it('should take a random key for random', () => {
    for (let i = 0; i < 1000; i += 1) expect(looksRandom(randomBytes(32))).toBe(true);
  });
});
