import type { CookiesOptions } from "next-auth";

/**
 * next-auth's cookies under names the browser guards. Over HTTPS every cookie is
 * `__Host-`: Secure, Path=/, no Domain, so neither a sibling subdomain nor a plain-HTTP
 * page on the same host can plant one (next-auth's own default gives `__Host-` to the
 * CSRF token only, and `__Secure-`, which a sibling subdomain over HTTPS can still set,
 * to the rest). Over plain HTTP (local demo) the browser refuses prefixed names, so
 * the plain names stay.
 */

const NAMES = {
  sessionToken: "next-auth.session-token",
  callbackUrl: "next-auth.callback-url",
  csrfToken: "next-auth.csrf-token",
  pkceCodeVerifier: "next-auth.pkce.code_verifier",
  state: "next-auth.state",
  nonce: "next-auth.nonce",
} as const;

/** Short-lived cookies of the OIDC round trip: 15 minutes, as next-auth's own default. */
const ROUND_TRIP_SECONDS = 15 * 60;

/** Over HTTPS when NEXTAUTH_URL is https: the same rule next-auth and getToken apply by default. */
export function isServedOverHttps(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env.NEXTAUTH_URL?.trim().toLowerCase().startsWith("https://") ?? false;
}

export function authCookieName(cookie: keyof typeof NAMES, secure: boolean): string {
  return `${secure ? "__Host-" : ""}${NAMES[cookie]}`;
}

export function authCookies(secure: boolean): CookiesOptions {
  const options = (maxAge?: number) => ({ httpOnly: true, sameSite: "lax" as const, path: "/", secure, ...(maxAge ? { maxAge } : {}) });
  return {
    sessionToken: { name: authCookieName("sessionToken", secure), options: options() },
    callbackUrl: { name: authCookieName("callbackUrl", secure), options: options() },
    csrfToken: { name: authCookieName("csrfToken", secure), options: options() },
    pkceCodeVerifier: { name: authCookieName("pkceCodeVerifier", secure), options: options(ROUND_TRIP_SECONDS) },
    state: { name: authCookieName("state", secure), options: options(ROUND_TRIP_SECONDS) },
    nonce: { name: authCookieName("nonce", secure), options: options() },
  };
}
