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
