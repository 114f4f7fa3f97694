/**
 * A path on this site to return to after sign-in, or "/". Only same-site paths:
 * "//evil.example" and "/\evil.example" are protocol-relative URLs to a browser.
 */
export function safeCallbackPath(value: string | null | undefined): string {
  if (!value || value.length > 2048) return "/";
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
  if (/[\u0000-\u001f\u007f]/.test(value)) return "/";
  if (value === "/signin" || value.startsWith("/signin?") || value.startsWith("/api/")) return "/";
  return value;
}

/**
 * next-auth's redirect callback on the same rule. The callback URL arrives from a
 * query parameter or from the callback-url cookie, which another port or a sibling
 * subdomain of this host can set: next-auth's default callback throws on a value that
 * is not a URL, which answered 500 on every page until the cookie expired. This one
 * never throws, and next-auth overwrites the cookie with what it returns.
 */
export function safeRedirectUrl({ url, baseUrl }: { url: string; baseUrl: string }): string {
  let path = url;
  if (!url.startsWith("/")) {
    const parsed = URL.canParse(url) ? new URL(url) : null;
    path = parsed && parsed.origin === baseUrl ? `${parsed.pathname}${parsed.search}${parsed.hash}` : "/";
  }
  return `${baseUrl}${safeCallbackPath(path)}`;
}

/**
 * What next-auth accepts as a callback URL at all (a path, or an http(s) URL).
 * next-auth checks the callback-url cookie and the `callbackUrl` query parameter
 * before any callback runs and answers 500 to anything else, so such a value is
 * dropped before the request reaches it.
 */
export function isParsableCallbackUrl(value: string): boolean {
  if (value.startsWith("/")) return true;
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}
