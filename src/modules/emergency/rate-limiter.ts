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

/**
 * A sliding window in one sorted set per client, atomic in Lua, on the Redis server's own
 * clock (so API processes on hosts whose clocks differ agree): the requests of the last
 * `window` ms are counted, older ones dropped; a request beyond `limit` is refused and not
 * counted. The key names the client id only.
 */
const SLIDING_WINDOW = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
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

type Limited = Redis & {
  passerelleSlidingWindow(
    key: string,
    limit: number,
    windowMs: number,
    member: string,
  ): Promise<[number, number, number]>;
};

/**
 * The per-client rate limit of the emergency endpoint, shared by every API process through
 * Redis. If Redis cannot be reached, each process keeps counting on its own (the same
 * limit, per process) rather than refusing a medical emergency or lifting the limit.
 */
export class SlidingWindowLimiter {
  private readonly redis: Limited;
  private readonly local = new Map<string, number[]>();
  private readonly instance = randomBytes(6).toString('hex');
  private sequence = 0;

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
    this.sequence += 1;
    try {
      const [allowed, count, retryAfterMs] = await this.redis.passerelleSlidingWindow(
        `${this.keyPrefix}:${clientId}`,
        this.limit,
        this.windowMs,
        `${this.instance}:${this.sequence}`,
      );
      return { allowed: allowed === 1, count, retryAfterMs, store: 'redis' };
    } catch (error) {
      this.onFallback(error);
      return this.takeLocally(clientId);
    }
  }

  private takeLocally(clientId: string): RateDecision {
    const now = this.clock();
    const recent = (this.local.get(clientId) ?? []).filter((at) => at > now - this.windowMs);
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
