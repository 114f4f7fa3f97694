import "server-only";
import { RateLimiterMemory } from "rate-limiter-flexible";

/**
 * Failed password sign-ins are counted per account and per client address; once
 * either reaches its limit within the window, further attempts are refused until the
 * window ends, whatever the password. The account limit stops guessing one password
 * from many addresses; the client limit stops one address trying many accounts.
 * Counters live in this process's memory (rate-limiter-flexible), which suits the
 * single console process; a fleet behind a load balancer would count per instance.
 */

export const SIGN_IN_LIMITS = {
  account: { failures: 5, windowSeconds: 15 * 60 },
  client: { failures: 20, windowSeconds: 15 * 60 },
} as const;

export type ThrottleScope = keyof typeof SIGN_IN_LIMITS;

export type ThrottleDecision = { allowed: true } | { allowed: false; scope: ThrottleScope; retryAfterSeconds: number };

const limiterFor = (scope: ThrottleScope) =>
  new RateLimiterMemory({ keyPrefix: `sign-in-${scope}`, points: SIGN_IN_LIMITS[scope].failures, duration: SIGN_IN_LIMITS[scope].windowSeconds });

let limiters = { account: limiterFor("account"), client: limiterFor("client") };

/** For tests: forget every count. */
export function resetSignInThrottle(): void {
  limiters = { account: limiterFor("account"), client: limiterFor("client") };
}

export interface SignInAttempt {
  /** The account's name as typed, compared case-insensitively. */
  account: string;
  /** The client's address (see clientAddress). */
  client: string;
}

const keys = (attempt: SignInAttempt): Record<ThrottleScope, string> => ({ account: attempt.account.trim().toLowerCase(), client: attempt.client });

/** Whether this attempt may be checked at all. Counts nothing. */
export async function checkSignIn(attempt: SignInAttempt): Promise<ThrottleDecision> {
  const key = keys(attempt);
  for (const scope of ["account", "client"] as const) {
    const state = await limiters[scope].get(key[scope]);
    if (state && state.consumedPoints >= SIGN_IN_LIMITS[scope].failures) {
      return { allowed: false, scope, retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) };
    }
  }
  return { allowed: true };
}

/** Counts a wrong password; the decision says whether the next attempt will be refused. */
export async function recordFailedSignIn(attempt: SignInAttempt): Promise<ThrottleDecision> {
  const key = keys(attempt);
  await Promise.all((["account", "client"] as const).map((scope) => limiters[scope].penalty(key[scope])));
  return checkSignIn(attempt);
}

/** A right password clears the account's count (not the client's: one good account must not launder guesses at others). */
export async function recordSuccessfulSignIn(attempt: SignInAttempt): Promise<void> {
  await limiters.account.delete(keys(attempt).account);
}

/**
 * The client's address: the last X-Forwarded-For entry, which the nearest proxy (or
 * Next's own server) appended and the client cannot forge; earlier entries can be.
 */
export function clientAddress(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for")?.split(",").map((s) => s.trim()).filter(Boolean);
  return forwarded?.at(-1) ?? headers.get("x-real-ip")?.trim() ?? "unknown";
}
