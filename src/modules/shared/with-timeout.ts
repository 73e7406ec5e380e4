/** How long a dependency may take to answer a health check or a metric's read before it counts as down. */
export const CHECK_TIMEOUT_MS = 2000;

/**
 * `work`, or a rejection after `ms`: a dependency that does not answer in time counts as down
 * (its client would wait — pg for ever on a hung server, ioredis for minutes). The work may
 * still settle later; its rejection is then not left unhandled.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined);
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error('timed out'));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
