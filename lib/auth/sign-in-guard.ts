import "server-only";
import type { NextRequest } from "next/server";
import { appendAuditEntry, type NewAuditEntry } from "../audit/audit-log";
import { loadConfig } from "../config/load";
import { consoleClients } from "../http/clients";
import { authCookieName, isServedOverHttps } from "./cookies";
import { findDemoUserByEmail } from "./demo-users";
import { checkSignIn, clientAddress, recordFailedSignIn, recordSuccessfulSignIn, type SignInAttempt, type ThrottleDecision } from "./sign-in-throttle";

/** The sign-in page's `?error=` for a refused (throttled) attempt. */
export const TOO_MANY_ATTEMPTS_ERROR = "TooManyAttempts";

const SCOPE_WORDS = { account: "this account", client: "this address" } as const;

/** One entry per failed attempt, and one per pause (not per refused attempt, which an attacker could repeat without end). */
const pausesAudited = new Map<string, number>();

async function audit(attempt: SignInAttempt, outcome: "failed" | "refused", message: string, decision: ThrottleDecision): Promise<void> {
  const user = findDemoUserByEmail(attempt.account);
  const entry: NewAuditEntry = {
    operationId: crypto.randomUUID(),
    actor: user ? { id: user.id, email: user.email, name: user.name } : { id: "unknown-account", email: attempt.account.slice(0, 320), name: "No such account" },
    ...(user ? { role: user.role } : {}),
    action: "sign-in",
    outcome,
    message,
    details: { client: attempt.client, ...(decision.allowed ? {} : { pausedFor: decision.scope, retryAfterSeconds: decision.retryAfterSeconds }) },
  };
  try {
    const config = loadConfig();
    await appendAuditEntry(consoleClients(config).s3, config, entry);
  } catch (error) {
    // The attempt is refused or failed either way; a missing audit entry must not turn that into a 500.
    console.error(`[lazarus] could not audit a ${outcome} sign-in: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
}

function pausedMessage(decision: Extract<ThrottleDecision, { allowed: false }>): string {
  const minutes = Math.ceil(decision.retryAfterSeconds / 60);
  return `Too many failed sign-ins for ${SCOPE_WORDS[decision.scope]}: sign-in is paused for ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

/** What next-auth's client (json) or a plain form post gets for a refused attempt. */
function refusal(request: NextRequest, decision: Extract<ThrottleDecision, { allowed: false }>, wantsJson: boolean): Response {
  const url = new URL("/signin", request.nextUrl.origin);
  url.searchParams.set("error", TOO_MANY_ATTEMPTS_ERROR);
  url.searchParams.set("retryAfter", String(decision.retryAfterSeconds));
  const headers = { "Retry-After": String(decision.retryAfterSeconds), "Cache-Control": "no-store" };
  if (wantsJson) return Response.json({ url: url.toString(), error: { code: "too-many-attempts", message: pausedMessage(decision) } }, { status: 429, headers });
  return new Response(null, { status: 303, headers: { ...headers, Location: url.toString() } });
}

/** next-auth answers a wrong password with 401 to its script, and with a redirect to `?error=CredentialsSignin` to a plain form post. */
function isWrongPassword(response: Response): boolean {
  if (response.status === 401) return true;
  const location = response.headers.get("location");
  return location !== null && URL.canParse(location, "http://x") && new URL(location, "http://x").searchParams.get("error") === "CredentialsSignin";
}

/** Only a response that sets the session cookie is a sign-in: a refused CSRF token must not clear the account's count. */
function startsSession(response: Response): boolean {
  const name = authCookieName("sessionToken", isServedOverHttps());
  return response.headers.getSetCookie().some((cookie) => cookie.startsWith(`${name}=`) || cookie.startsWith(`${name}.`));
}

/**
 * Runs a password sign-in (next-auth's credentials callback) under the throttle:
 * refused with 429 and Retry-After while the account or the client is paused; a wrong
 * password is counted and audited; a right one clears the account's count.
 */
export async function throttledPasswordSignIn(request: NextRequest, signIn: (request: NextRequest) => Promise<Response>): Promise<Response> {
  const form = await request
    .clone()
    .formData()
    .catch(() => null);
  const account = form?.get("email");
  const attempt: SignInAttempt = { account: typeof account === "string" ? account : "", client: clientAddress(request.headers) };
  const wantsJson = form?.get("json") === "true";

  const before = await checkSignIn(attempt);
  if (!before.allowed) {
    const pause = `${before.scope}:${before.scope === "account" ? attempt.account.trim().toLowerCase() : attempt.client}`;
    const endsAt = Date.now() + before.retryAfterSeconds * 1000;
    if ((pausesAudited.get(pause) ?? 0) < Date.now()) {
      pausesAudited.set(pause, endsAt);
      await audit(attempt, "refused", pausedMessage(before), before);
    }
    return refusal(request, before, wantsJson);
  }

  const response = await signIn(request);
  if (isWrongPassword(response)) {
    const after = await recordFailedSignIn(attempt);
    await audit(attempt, "failed", after.allowed ? "Wrong password." : `Wrong password. ${pausedMessage(after)}`, after);
  } else if (startsSession(response)) {
    await recordSuccessfulSignIn(attempt);
  }
  return response;
}
