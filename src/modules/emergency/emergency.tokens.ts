/** The Redis connection of the emergency module (rate limit, refusal counts). */
export const EMERGENCY_REDIS = Symbol('EMERGENCY_REDIS');

/** The per-client sliding-window limiter of the emergency endpoint. */
export const EMERGENCY_LIMITER = Symbol('EMERGENCY_LIMITER');
