import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The id of the HTTP request being served, for every line logged while serving it: set
 * once per request by the request observer (`runWithRequestId`), read by the JSON logger.
 * The store is the id itself — no object per request. Code that runs outside a request (the
 * worker, the dispatcher, timers started at boot) sees none.
 */
const requestIds = new AsyncLocalStorage<string>();

/** Runs `serve` — and everything it starts — as the request `requestId`. */
export function runWithRequestId(requestId: string, serve: () => void): void {
  requestIds.run(requestId, serve);
}

/** The id of the request this code runs for, if it runs for one. */
export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}

/**
 * Runs `work` — and everything it starts — as no request's: for what a request sets off but
 * does not own (the dispatcher's round after a trip's change, and the rounds that round
 * schedules), whose lines must not carry the id of the request that happened to start it.
 */
export function outsideRequest<T>(work: () => T): T {
  return requestIds.exit(work);
}
