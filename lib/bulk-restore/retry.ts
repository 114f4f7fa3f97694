/**
 * Exponential backoff with full jitter for the throttling errors DynamoDB and S3
 * send when a table or partition is over its capacity. The SDK's own retries
 * (maxAttempts in lib/aws/clients.ts) run first; this adds patient retries on top
 * for bulk work, where giving up on one item after a burst is worse than waiting.
 */

export const THROTTLING_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "Throttling",
  "SlowDown",
  "TooManyRequestsException",
]);

export function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return THROTTLING_ERRORS.has(error.name) || status === 429;
}

export interface BackoffOptions {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_BACKOFF: BackoffOptions = { maxAttempts: 8, baseMs: 50, maxMs: 5_000 };

export function backoffDelay(attempt: number, options: Pick<BackoffOptions, "baseMs" | "maxMs" | "random">): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RetriesExhaustedError extends Error {
  override name = "RetriesExhaustedError";
  constructor(readonly attempts: number, readonly last: unknown) {
    super(`still throttled after ${attempts} attempts (${last instanceof Error ? last.name : "unknown error"})`, { cause: last });
  }
}

/** Runs fn, retrying throttling errors only; returns the value and how many attempts it took. */
export async function withBackoff<T>(fn: () => Promise<T>, options: BackoffOptions = DEFAULT_BACKOFF): Promise<{ value: T; attempts: number }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { value: await fn(), attempts: attempt };
    } catch (error) {
      if (!isThrottling(error)) throw error;
      if (attempt >= options.maxAttempts) throw new RetriesExhaustedError(attempt, error);
      await (options.sleep ?? sleep)(backoffDelay(attempt, options));
    }
  }
}
