import { isServedOverHttps } from "../auth/cookies";

/**
 * The headers every response carries: pages (set in proxy.ts with a fresh nonce),
 * API routes (lib/http/route.ts) and next-auth's endpoints. Kept free of `server-only`
 * because the proxy imports it.
 *
 * Pages get a nonce-based Content-Security-Policy as Next.js documents it: Next reads
 * the nonce from the request's CSP header and puts it on its own scripts, and
 * 'strict-dynamic' lets those load the rest of the bundle. Style attributes (React's
 * `style`, the charts' SVG) cannot carry a nonce, hence `style-src-attr 'unsafe-inline'`;
 * style elements and sheets still need the nonce or this origin.
 */

export interface SecurityHeaderOptions {
  /** HSTS and upgrade-insecure-requests only make sense over HTTPS. */
  https: boolean;
  /** Development needs eval for React's debugging and inline styles for hot reload. */
  development?: boolean;
}

/** API responses are data, never documents: nothing may load or frame them. */
const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** next-auth's own pages (the sign-out confirmation) are server-rendered HTML with an inline style sheet and a form posting back to it. */
const NEXT_AUTH_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const API_POLICIES = { api: API_POLICY, "next-auth": NEXT_AUTH_POLICY } as const;
export type ApiKind = keyof typeof API_POLICIES;

/** The OIDC provider's origin: a sign-in form's POST is answered with a redirect there, and form-action covers redirects. */
function identityProviderOrigin(env: Readonly<Record<string, string | undefined>>): string | null {
  const issuer = env.LAZARUS_OIDC_ISSUER?.trim();
  return issuer && URL.canParse(issuer) ? new URL(issuer).origin : null;
}

export function pageContentSecurityPolicy(nonce: string, options: SecurityHeaderOptions, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const idp = identityProviderOrigin(env);
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' ${options.development ? "'unsafe-inline'" : `'nonce-${nonce}'`}`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    `form-action 'self'${idp ? ` ${idp}` : ""}`,
    "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** Everything but the CSP, which differs between pages and the API. */
function commonHeaders(options: SecurityHeaderOptions): Record<string, string> {
  return {
    "X-Content-Type-Options": "nosniff",
    // Record URLs carry customer keys: never send them to another site.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()",
    // For browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    ...(options.https ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  };
}

export function pageSecurityHeaders(nonce: string, options: SecurityHeaderOptions): Record<string, string> {
  return { "Content-Security-Policy": pageContentSecurityPolicy(nonce, options), ...commonHeaders(options) };
}

export function apiSecurityHeaders(options: SecurityHeaderOptions, kind: ApiKind = "api"): Record<string, string> {
  return { "Content-Security-Policy": API_POLICIES[kind], ...commonHeaders(options) };
}

/** Over HTTPS when NEXTAUTH_URL says so, or when this request came in over HTTPS. */
export function isHttpsRequest(url: URL): boolean {
  return isServedOverHttps() || url.protocol === "https:";
}

/** Sets the API headers on a response (a fresh one when the original's headers are immutable, as fetch's are). */
export function withApiSecurityHeaders(response: Response, url: URL, kind: ApiKind = "api"): Response {
  const headers = apiSecurityHeaders({ https: isHttpsRequest(url) }, kind);
  try {
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
    return copy;
  }
}
