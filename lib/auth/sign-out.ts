import "server-only";
import { getToken } from "next-auth/jwt";
import type { NextRequest } from "next/server";
import { z } from "zod";
import type { AuthConfig } from "../config/schema";
import { authCookieName, isServedOverHttps } from "./cookies";
import type { OidcSettings } from "./env";
import { SIGN_IN_PATH } from "./options";

/**
 * Signing out: the session is a JWT in a cookie, so ending it is expiring that cookie
 * (and its chunks). With `auth.endProviderSession` the browser then goes on to the
 * provider's end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0) with the ID
 * token as id_token_hint, and the provider sends it back to the sign-in page.
 */

const DISCOVERY_TIMEOUT_MS = 5_000;
const discoverySchema = z.object({ end_session_endpoint: z.url().optional() });
const endpoints = new Map<string, Promise<string | null>>();

/** The provider's end_session_endpoint from its discovery document, or null (Cognito and Google publish none). */
export function endSessionEndpoint(issuer: string, fetcher: typeof fetch = fetch): Promise<string | null> {
  let endpoint = endpoints.get(issuer);
  if (!endpoint) {
    endpoint = fetcher(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) })
      .then(async (res) => {
        if (!res.ok) throw new Error(`discovery answered ${res.status}`);
        return discoverySchema.parse(await res.json()).end_session_endpoint ?? null;
      })
      .catch((error: unknown) => {
        // Not cached: the next sign-out asks again.
        endpoints.delete(issuer);
        console.warn(`[lazarus] could not read the identity provider's end_session_endpoint; signed out of Lazarus only: ${error instanceof Error ? error.message : "unknown error"}`);
        return null;
      });
    endpoints.set(issuer, endpoint);
  }
  return endpoint;
}

export function providerSignOutUrl(endpoint: string, input: { idToken: string; clientId: string; appOrigin: string }): string {
  const url = new URL(endpoint);
  url.searchParams.set("id_token_hint", input.idToken);
  url.searchParams.set("client_id", input.clientId);
  url.searchParams.set("post_logout_redirect_uri", `${input.appOrigin}${SIGN_IN_PATH}`);
  return url.toString();
}

const idTokenClaim = z.object({ lazarus: z.object({ idToken: z.string().min(1) }) });

/** Where the browser goes once the session cookie is gone: the provider's sign-out, or the sign-in page. */
export async function signOutDestination(input: {
  request: NextRequest;
  auth: AuthConfig;
  oidc: OidcSettings | null;
  appOrigin: string;
}): Promise<string> {
  const { request, auth, oidc, appOrigin } = input;
  if (!auth.endProviderSession || !oidc) return SIGN_IN_PATH;
  const token = await getToken({ req: request, cookieName: authCookieName("sessionToken", isServedOverHttps()) }).catch(() => null);
  const parsed = idTokenClaim.safeParse(token);
  if (!parsed.success) return SIGN_IN_PATH;
  const endpoint = await endSessionEndpoint(oidc.issuer);
  if (!endpoint) return SIGN_IN_PATH;
  return providerSignOutUrl(endpoint, { idToken: parsed.data.lazarus.idToken, clientId: oidc.clientId, appOrigin });
}

/** The session cookie and the chunks next-auth splits a large one into. */
export function sessionCookieNames(present: Iterable<string>, secure = isServedOverHttps()): string[] {
  const name = authCookieName("sessionToken", secure);
  return [...present].filter((cookie) => cookie === name || cookie.startsWith(`${name}.`));
}
