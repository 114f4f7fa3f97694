import { encode } from "next-auth/jwt";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAGE_PATH_HEADER } from "@/lib/auth/page-path";
import { config, proxy } from "@/proxy";

const SECRET = "p".repeat(40);
const saved = { secret: process.env.NEXTAUTH_SECRET, url: process.env.NEXTAUTH_URL };

beforeAll(() => {
  process.env.NEXTAUTH_SECRET = SECRET;
  delete process.env.NEXTAUTH_URL;
});
afterAll(() => {
  if (saved.secret === undefined) delete process.env.NEXTAUTH_SECRET;
  else process.env.NEXTAUTH_SECRET = saved.secret;
  if (saved.url !== undefined) process.env.NEXTAUTH_URL = saved.url;
});

describe("proxy", () => {
  it("sends a signed-out page request to /signin and back afterwards", async () => {
    const response = await proxy(new NextRequest("http://localhost:3000/services/usr-contact-svc?year=2024"));
    expect(response.status).toBe(307);
    const location = new URL(response.headers.get("location")!);
    expect(location.pathname).toBe("/signin");
    expect(location.searchParams.get("callbackUrl")).toBe("/services/usr-contact-svc?year=2024");
  });

  it("lets a signed-in request through, telling the page where it is", async () => {
    const token = await encode({ token: { sub: "u" }, secret: SECRET });
    const response = await proxy(new NextRequest("http://localhost:3000/search?q=x", { headers: { cookie: `next-auth.session-token=${token}` } }));
    expect(response.headers.get("location")).toBeNull();
    expect(response.headers.get(`x-middleware-request-${PAGE_PATH_HEADER}`)).toBe("/search?q=x");
  });

  it("treats a forged cookie as signed out", async () => {
    const response = await proxy(new NextRequest("http://localhost:3000/", { headers: { cookie: "next-auth.session-token=forged" } }));
    expect(response.status).toBe(307);
  });

  it("leaves the API (which sets its own headers), next-auth and static files alone", () => {
    const pattern = new RegExp(`^${config.matcher[0]!}$`);
    for (const path of ["/api/audit", "/api/auth/session", "/_next/static/chunk.js", "/favicon.ico"]) expect(pattern.test(path), path).toBe(false);
    for (const path of ["/", "/signin", "/search", "/services/usr-contact-svc/days/2024-01-01", "/audit"]) expect(pattern.test(path), path).toBe(true);
  });

  it("lets the sign-in page through signed out", async () => {
    const response = await proxy(new NextRequest("http://localhost:3000/signin?callbackUrl=%2Faudit"));
    expect(response.headers.get("location")).toBeNull();
  });

  it("gives every page, redirects included, a nonce-based CSP that forbids framing, and the other security headers", async () => {
    const token = await encode({ token: { sub: "u" }, secret: SECRET });
    const responses = [
      await proxy(new NextRequest("http://localhost:3000/search?q=x", { headers: { cookie: `next-auth.session-token=${token}` } })),
      await proxy(new NextRequest("http://localhost:3000/signin")),
      await proxy(new NextRequest("http://localhost:3000/audit")),
    ];
    const nonces = new Set<string>();
    for (const response of responses) {
      const csp = response.headers.get("content-security-policy") ?? "";
      const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)' 'strict-dynamic'/.exec(csp)?.[1];
      expect(nonce, csp).toBeDefined();
      nonces.add(nonce!);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("referrer-policy")).toBe("same-origin");
      expect(response.headers.get("permissions-policy")).toContain("camera=()");
      // Plain HTTP: HSTS would be ignored, and upgrading would break the local demo.
      expect(response.headers.get("strict-transport-security")).toBeNull();
      expect(csp).not.toContain("upgrade-insecure-requests");
    }
    expect(nonces.size, "a fresh nonce per request").toBe(responses.length);
    // Next reads the nonce from the request's CSP header and puts it on its scripts.
    expect(responses[0]!.headers.get("x-middleware-request-content-security-policy")).toBe(responses[0]!.headers.get("content-security-policy"));
  });

  it("adds HSTS over HTTPS", async () => {
    const response = await proxy(new NextRequest("https://lazarus.example.com/signin"));
    expect(response.headers.get("strict-transport-security")).toMatch(/^max-age=\d{8,}/);
    expect(response.headers.get("content-security-policy")).toContain("upgrade-insecure-requests");
  });
});
