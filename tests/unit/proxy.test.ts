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

  it("leaves the API, next-auth, the sign-in page and static files alone", () => {
    const pattern = new RegExp(`^${config.matcher[0]!}$`);
    for (const path of ["/api/audit", "/api/auth/session", "/signin", "/_next/static/chunk.js", "/favicon.ico"]) expect(pattern.test(path), path).toBe(false);
    for (const path of ["/", "/search", "/services/usr-contact-svc/days/2024-01-01", "/audit"]) expect(pattern.test(path), path).toBe(true);
  });
});
