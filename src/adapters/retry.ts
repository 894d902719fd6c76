// Retries a vendor call with exponential backoff and full jitter inside one time budget. Vendor SDK
// retry options know nothing of our budget, so adapters that must answer in time use this instead.

export interface RetryOptions {
  /** total tries, the first one included */
  attempts: number;
  /** wall time for every try and every wait together */
  budgetMs: number;
  /** backoff before the 2nd try is random in [0, baseMs), doubling each time, capped at maxMs */
  baseMs: number;
  maxMs: number;
  /** false: give up now; true: back off; {afterMs}: the server said when to come back */
  retryable(error: unknown): boolean | { afterMs: number };
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export interface Attempt {
  /** 1-based */
  number: number;
  /** what is left of the budget when this try starts: cap the try's own timeout with it */
  remainingMs: number;
}

/** Thrown when a retryable failure could not be retried (tries or budget used up). */
export class RetryError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(message, { cause: lastError });
    this.name = 'RetryError';
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

const tries = (n: number) => `${n} attempt${n === 1 ? '' : 's'}`;

/**
 * Runs `fn` until it resolves, a failure is not retryable, the tries run out, or the budget would be
 * overrun. A non-retryable failure is rethrown as is; a retryable one that cannot be retried becomes a
 * RetryError. An aborted `signal` stops everything and rejects with its reason.
 */
export async function retry<T>(
  fn: (attempt: Attempt) => Promise<T>,
  options: RetryOptions,
  signal?: AbortSignal,
): Promise<T> {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const wait = options.sleep ?? sleep;
  const deadline = now() + options.budgetMs;
  const attempts = Math.max(1, options.attempts);

  for (let number = 1; ; number++) {
    if (signal?.aborted) throw abortReason(signal);
    try {
      return await fn({ number, remainingMs: Math.max(0, deadline - now()) });
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      const verdict = options.retryable(error);
      if (verdict === false) throw error;
      const remaining = deadline - now();
      if (number >= attempts) {
        throw new RetryError(`gave up after ${tries(number)}`, number, error);
      }
      let delay: number;
      if (verdict === true) {
        // Full jitter: clients that failed together do not come back together.
        delay = random() * Math.min(options.maxMs, options.baseMs * 2 ** (number - 1));
      } else {
        delay = verdict.afterMs;
        if (delay >= remaining) {
          throw new RetryError(
            `gave up after ${tries(number)}: the server asked to wait ${Math.ceil(delay / 1000)} s, ` +
              `beyond the remaining budget of ${Math.max(0, Math.floor(remaining / 1000))} s`,
            number,
            error,
          );
        }
      }
      if (delay >= remaining) {
        throw new RetryError(`gave up after ${tries(number)}: time budget used up`, number, error);
      }
      await wait(delay, signal);
    }
  }
}
