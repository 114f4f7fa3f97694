import { encode } from "next-auth/jwt";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { PAGE_PATH_HEADER } from "@/lib/auth/page-path";
import { PAGE_RULES } from "@/lib/http/page-status";
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

  describe("the status of a page the address alone condemns", () => {
    async function statusOf(path: string, role: string): Promise<number> {
      const now = Math.floor(Date.now() / 1000);
      const token = await encode({ token: { sub: "u", lazarus: { uid: "u", email: "u@example.com", name: "U", role, provider: "demo", signedInAt: now } }, secret: SECRET });
      const response = await proxy(new NextRequest(`http://localhost:3000${path}`, { headers: { cookie: `next-auth.session-token=${token}` } }));
      expect(response.headers.get("location"), path).toBeNull();
      // Next renders the page as usual (its panel says why) and sends it with this status.
      expect(response.headers.get("x-middleware-next"), path).toBe("1");
      return response.status;
    }

    it("403 for a role the page does not allow", async () => {
      for (const path of ["/dlq", "/erasure", "/bulk-restore", "/bulk-restore/20240101T000000Z-abcdef", "/pitr", "/audit", "/reports"]) expect(await statusOf(path, "viewer"), path).toBe(403);
      expect(await statusOf("/dlq", "support")).toBe(403);
      expect(await statusOf("/audit", "compliance")).toBe(200);
      expect(await statusOf("/dlq", "admin")).toBe(200);
      expect(await statusOf("/incidents", "support")).toBe(403);
      expect(await statusOf("/incidents", "compliance")).toBe(200);
    });

    it("404 for a service that is not configured", async () => {
      for (const path of ["/services/nope-svc", "/services/nope-svc/days/2024-01-15", "/services/nope-svc/record?key=x", "/protection/nope-svc"]) {
        expect(await statusOf(path, "viewer"), path).toBe(404);
      }
      expect(await statusOf("/services/usr-contact-svc", "viewer")).toBe(200);
    });

    it("400 for parameters the page refuses", async () => {
      const bad = [
        "/services/usr-contact-svc?year=next",
        "/services/usr-contact-svc?month=13",
        "/services/usr-contact-svc/days/2024-02-30",
        "/services/usr-contact-svc/days/2024-01-15?type=deleted",
        "/services/usr-contact-svc/record?key=",
        "/services/usr-contact-svc/record?key=unt-svc/2024/01/15/a.json",
        "/services/usr-contact-svc/record?key=a&key=b",
        "/search?match=fuzzy&q=x",
        "/search?q=x&service=nope-svc",
        "/services/usr-contact-svc/days/2024-01-15?who=order-cleanup-job&whoMatch=like",
        "/services/usr-contact-svc/days/2024-01-15?who=a&who=b",
        "/search?q=x&who=nina&whoMatch=like",
        "/services/%E0%A4%A/days/2024-01-15",
      ];
      for (const path of bad) expect(await statusOf(path, "viewer"), path).toBe(400);
      expect(await statusOf("/audit?from=2024-03-01&to=2024-02-01", "admin")).toBe(400);
      expect(await statusOf("/reports?range=custom&from=2024-03-01&to=2024-02-01", "compliance")).toBe(400);
      expect(await statusOf("/reports?service=nope-svc", "compliance")).toBe(400);
      expect(await statusOf("/reports?range=last7&service=usr-contact-svc", "compliance")).toBe(200);
      expect(await statusOf("/reports?range=last7&service=usr-contact-svc&who=x&whoMatch=like", "compliance")).toBe(400);
      expect(await statusOf("/services/usr-contact-svc/days/2024-01-15?who=order-cleanup-job&whoMatch=equals", "viewer")).toBe(200);
      expect(await statusOf("/search?q=x&who=nina", "viewer")).toBe(200);
      expect(await statusOf("/incidents?from=2024-01-15T10:45&to=2024-01-15T10:30", "compliance")).toBe(400);
      expect(await statusOf("/incidents?from=2024-01-15T10:30&to=2024-01-15T10:45&who=role:order-cleanup-job", "compliance")).toBe(200);
      expect(await statusOf("/services/usr-contact-svc/days/2024-01-15?type=ttl&prefix=USER", "viewer")).toBe(200);
      expect(await statusOf("/search?q=USER%231&service=usr-contact-svc", "viewer")).toBe(200);
      expect(await statusOf(`/services/usr-contact-svc/record?key=${encodeURIComponent("usr-contact-svc/2024/01/15/USER#1_PROFILE.json")}`, "viewer")).toBe(200);
    });

    it("leaves the bare record route at 200: the router prefetches it for every record link", async () => {
      expect(await statusOf("/services/usr-contact-svc/record?key=", "viewer")).toBe(400);
      expect(await statusOf("/services/usr-contact-svc/record", "viewer")).toBe(200);
    });

    it("leaves names with '..' segments to the page, which asks the bucket whether such an object exists", async () => {
      expect(await statusOf(`/services/usr-contact-svc/record?key=${encodeURIComponent("usr-contact-svc/2024/01/15/ORG/../42_MEMBER.json")}`, "viewer")).toBe(200);
    });
  });

  it("asks for the same permission as each page on disk", () => {
    const pages = (readdirSync("app", { recursive: true }) as string[])
      .map((file) => `app/${file}`)
      .filter((file) => file.endsWith("/page.tsx") && !file.includes("/signin/") && !file.startsWith("app/api/"));
    expect(pages.length).toBeGreaterThanOrEqual(15);
    for (const file of pages) {
      const route = `/${file.replace(/^app\//, "").replace(/(^|\/)page\.tsx$/, "").replace(/\([^)]+\)\/?/g, "").replace(/\[[^\]]+\]/g, "x")}`.replace(/\/$/, "") || "/";
      const asked = [...readFileSync(file, "utf8").matchAll(/requirePageUser\("([^"]+)"\)/g)].map((m) => m[1]);
      const rule = PAGE_RULES.find((r) => r.pattern.test(route));
      expect(rule, `${file} (${route}) has no rule in lib/http/page-status.ts`).toBeDefined();
      expect(new Set(asked), file).toEqual(new Set([rule!.permission]));
    }
  });
});
