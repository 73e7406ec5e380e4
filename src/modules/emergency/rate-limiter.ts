import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface RateDecision {
  readonly allowed: boolean;
  /** Requests counted in the window, this one included when allowed. */
  readonly count: number;
  /** When refused: milliseconds until the oldest request leaves the window. */
  readonly retryAfterMs: number;
  /** `memory` when Redis could not be reached and this process counted alone. */
  readonly store: 'redis' | 'memory';
}

/** The Redis server's clock in ms, as `now`: API processes on hosts whose clocks differ agree. */
const REDIS_NOW_MS = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

/**
 * A sliding window in one sorted set per client, atomic in Lua, on the Redis server's own
 * clock: the requests of the last `window` ms are counted, older ones dropped; a request
 * beyond `limit` is refused and not counted. The key names the client id only.
 */
const SLIDING_WINDOW = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
${REDIS_NOW_MS}
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, count, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', key, now, ARGV[3])
redis.call('PEXPIRE', key, window)
return {1, count + 1, 0}
`;

/**
 * The same window counting every event (none is refused), and a second sorted set of the
 * events not yet raised: when `threshold` of those are in the window, the script says so
 * and empties it — so the next alarm needs `threshold` more. Returns the events in the
 * window, and 1 when this one raises.
 */
const SLIDING_COUNT = `
local all = KEYS[1]
local unraised = KEYS[2]
local threshold = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
${REDIS_NOW_MS}
redis.call('ZREMRANGEBYSCORE', all, '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', unraised, '-inf', now - window)
redis.call('ZADD', all, now, ARGV[3])
redis.call('ZADD', unraised, now, ARGV[3])
redis.call('PEXPIRE', all, window)
redis.call('PEXPIRE', unraised, window)
local count = redis.call('ZCARD', all)
if redis.call('ZCARD', unraised) >= threshold then
  redis.call('DEL', unraised)
  return {count, 1}
end
return {count, 0}
`;

type Limited = Redis & {
  passerelleSlidingWindow(
    key: string,
    limit: number,
    windowMs: number,
    member: string,
  ): Promise<[number, number, number]>;
  passerelleSlidingCount(
    key: string,
    unraisedKey: string,
    threshold: number,
    windowMs: number,
    member: string,
  ): Promise<[number, number]>;
};

/** Unique sorted-set members across processes: a random id of the process and a sequence. */
function memberIds(): () => string {
  const instance = randomBytes(6).toString('hex');
  let sequence = 0;
  return () => {
    sequence += 1;
    return `${instance}:${sequence}`;
  };
}

/** The events of the last `windowMs` at `now`, from those kept in the process (oldest first). */
const inWindow = (times: readonly number[] | undefined, now: number, windowMs: number) =>
  (times ?? []).filter((at) => at > now - windowMs);

/**
 * The per-client rate limit of the emergency endpoint, shared by every API process through
 * Redis. If Redis cannot be reached, each process keeps counting on its own (the same
 * limit, per process) rather than refusing a medical emergency or lifting the limit.
 */
export class SlidingWindowLimiter {
  private readonly redis: Limited;
  private readonly local = new Map<string, number[]>();
  private readonly nextMember = memberIds();

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
    /** Told when Redis could not be reached and this process counts alone. */
    private readonly onFallback: (error: unknown) => void = () => undefined,
  ) {
    redis.defineCommand('passerelleSlidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW });
    this.redis = redis as Limited;
  }

  async take(clientId: string): Promise<RateDecision> {
    try {
      const [allowed, count, retryAfterMs] = await this.redis.passerelleSlidingWindow(
        `${this.keyPrefix}:${clientId}`,
        this.limit,
        this.windowMs,
        this.nextMember(),
      );
      return { allowed: allowed === 1, count, retryAfterMs, store: 'redis' };
    } catch (error) {
      this.onFallback(error);
      return this.takeLocally(clientId);
    }
  }

  private takeLocally(clientId: string): RateDecision {
    const now = this.clock();
    const recent = inWindow(this.local.get(clientId), now, this.windowMs);
    if (recent.length >= this.limit) {
      this.local.set(clientId, recent);
      return {
        allowed: false,
        count: recent.length,
        retryAfterMs: (recent[0] ?? now) + this.windowMs - now,
        store: 'memory',
      };
    }
    recent.push(now);
    this.local.set(clientId, recent);
    return { allowed: true, count: recent.length, retryAfterMs: 0, store: 'memory' };
  }
}

export interface WindowCount {
  /** Events counted in the window, this one included. */
  readonly count: number;
  /** Whether this event raises: the `threshold`-th in the window since the last that did. */
  readonly raise: boolean;
  /** `memory` when Redis could not be reached and this process counted alone. */
  readonly store: 'redis' | 'memory';
}

/**
 * Counts events per client over the limiter's sliding window (the repeated refusals of the
 * emergency endpoint) and says when to raise them: at the `threshold`-th event within any
 * `windowMs`, then at the `threshold`-th since that one still within the window, and so
 * on — a burst of 10 raises at the 5th and the 10th, a steady trickle every 5th, and 4 at
 * the end of one window and 4 at the start of the next raises, as no fixed window would.
 * One script call per event; the keys name the client id only, the members are opaque.
 * If Redis cannot be reached, each process counts on its own (the same rule, per process).
 */
export class SlidingWindowCounter {
  private readonly redis: Limited;
  private readonly local = new Map<string, { all: number[]; unraised: number[] }>();
  private readonly nextMember = memberIds();

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    private readonly threshold: number,
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
    /** Told when Redis could not be reached and this process counts alone. */
    private readonly onFallback: (error: unknown) => void = () => undefined,
  ) {
    redis.defineCommand('passerelleSlidingCount', { numberOfKeys: 2, lua: SLIDING_COUNT });
    this.redis = redis as Limited;
  }

  async add(clientId: string): Promise<WindowCount> {
    try {
      const [count, raise] = await this.redis.passerelleSlidingCount(
        `${this.keyPrefix}:window:${clientId}`,
        `${this.keyPrefix}:unraised:${clientId}`,
        this.threshold,
        this.windowMs,
        this.nextMember(),
      );
      return { count, raise: raise === 1, store: 'redis' };
    } catch (error) {
      this.onFallback(error);
      return this.addLocally(clientId);
    }
  }

  private addLocally(clientId: string): WindowCount {
    const now = this.clock();
    const kept = this.local.get(clientId);
    const all = [...inWindow(kept?.all, now, this.windowMs), now];
    const unraised = [...inWindow(kept?.unraised, now, this.windowMs), now];
    const raise = unraised.length >= this.threshold;
    this.local.set(clientId, { all, unraised: raise ? [] : unraised });
    return { count: all.length, raise, store: 'memory' };
  }
}
