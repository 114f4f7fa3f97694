import NextAuth, { type NextAuthOptions } from "next-auth";
import { describe, expect, it, vi } from "vitest";
import { parseConfig } from "../config/load";
import { safeRedirectUrl } from "./callback-url";
import { readAuthEnv } from "./env";
import { buildAuthOptions } from "./options";
import { getSessionUser } from "./session";

const BASE = "http://localhost:3000";
const PASSWORD = "demo-password";
const browser = vi.hoisted(() => {
  Object.assign(process.env, { NEXTAUTH_URL: "http://localhost:3000", NEXTAUTH_SECRET: "s".repeat(40), LAZARUS_DEMO_USERS: "true", LAZARUS_DEMO_PASSWORD: "demo-password" });
  return { cookies: {} as Record<string, string> };
});
vi.mock("next/headers", () => ({
  headers: async () => new Headers({ host: "localhost:3000" }),
  cookies: async () => ({ getAll: () => Object.entries(browser.cookies).map(([name, value]) => ({ name, value })) }),
}));

const auth = parseConfig({
  region: "eu-west-1",
  archive: { bucket: "my-archive" },
  services: [
    {
      name: "usr-contact-svc",
      table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" } },
      archiver: { functionName: "archiver-usr" },
      onFailure: { type: "sqs", queueName: "usr-dlq" },
    },
  ],
}).auth;

function options(secure = false): NextAuthOptions {
  return buildAuthOptions(readAuthEnv({ NEXTAUTH_SECRET: "s".repeat(40), LAZARUS_DEMO_USERS: "true", LAZARUS_DEMO_PASSWORD: PASSWORD }), auth, secure);
}

/**
 * A request through next-auth's whole handler with the console's options and these
 * cookies in the browser. The Node-style entry point: the App Router one reads
 * next/headers, which needs Next's request scope.
 */
async function nextAuth(path: string, cookies: Record<string, string>, form?: Record<string, string>): Promise<Response> {
  let status = 200;
  const headers = new Headers();
  let body = "";
  const res = {
    status(code: number) {
      status = code;
      return res;
    },
    getHeader: (name: string) => headers.getSetCookie().length > 0 && name.toLowerCase() === "set-cookie" ? headers.getSetCookie() : undefined,
    setHeader(name: string, value: string | string[]) {
      headers.delete(name);
      for (const v of [value].flat()) headers.append(name, v);
    },
    end() {},
    send(data: unknown) {
      body = typeof data === "string" ? data : JSON.stringify(data);
    },
    json(data: unknown) {
      body = JSON.stringify(data);
    },
  };
  const [route, query] = path.split("?");
  const req = {
    method: form ? "POST" : "GET",
    query: { nextauth: route!.split("/"), ...Object.fromEntries(new URLSearchParams(query ?? "")) },
    cookies,
    headers: { host: "localhost:3000" },
    body: form ?? {},
  };
  await (NextAuth as unknown as (req: unknown, res: unknown, options: NextAuthOptions) => Promise<void>)(req, res, options());
  return new Response(status === 302 || status === 204 ? null : body, { status, headers });
}

async function signIn(callbackUrl: string): Promise<string> {
  const csrf = await nextAuth("csrf", {});
  const csrfCookie = cookieSet(csrf, "next-auth.csrf-token")!;
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await nextAuth("callback/demo", { "next-auth.csrf-token": csrfCookie }, { csrfToken, callbackUrl, email: "viewer@demo.lazarus", password: PASSWORD });
  expect(res.status).toBe(302);
  return cookieSet(res, "next-auth.session-token")!;
}

function cookieSet(response: Response, name: string): string | undefined {
  const line = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return line ? decodeURIComponent(line.slice(name.length + 1).split(";")[0]!) : undefined;
}

// What another port or a sibling subdomain of this host can leave in the browser.
const MALFORMED = ["http://[", "not a url", "https://", "%%%", "http://evil.example/steal", "//evil.example"];

describe("the callback URL (cookie or parameter)", () => {
  it("a malformed callback-url cookie does not sign the user out of pages and routes", async () => {
    const sessionToken = await signIn("/");
    for (const value of MALFORMED) {
      browser.cookies = { "next-auth.session-token": sessionToken, "next-auth.callback-url": value };
      expect(await getSessionUser(), value).toMatchObject({ email: "viewer@demo.lazarus", role: "viewer" });
    }
  });

  it("a malformed callbackUrl on the credentials callback signs in and lands on the home page", async () => {
    const csrf = await nextAuth("csrf", {});
    const csrfCookie = cookieSet(csrf, "next-auth.csrf-token")!;
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    for (const callbackUrl of MALFORMED) {
      const res = await nextAuth("callback/demo", { "next-auth.csrf-token": csrfCookie }, { csrfToken, callbackUrl, email: "viewer@demo.lazarus", password: PASSWORD });
      expect(res.status, callbackUrl).toBe(302);
      expect(res.headers.get("location"), callbackUrl).toBe(`${BASE}/`);
      expect(cookieSet(res, "next-auth.session-token"), callbackUrl).toBeTruthy();
    }
  });

  it("a wrong password is answered with 401, which the sign-in throttle counts", async () => {
    const csrf = await nextAuth("csrf", {});
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const cookies = { "next-auth.csrf-token": cookieSet(csrf, "next-auth.csrf-token")! };
    const form = { csrfToken, callbackUrl: "/", email: "viewer@demo.lazarus", password: "wrong" };
    // As the sign-in form's script posts it (json), and as a plain form post.
    const fromScript = await nextAuth("callback/demo", cookies, { ...form, json: "true" });
    expect(fromScript.status).toBe(401);
    expect(cookieSet(fromScript, "next-auth.session-token")).toBeUndefined();
    const plain = await nextAuth("callback/demo", cookies, form);
    expect(new URL(plain.headers.get("location")!).searchParams.get("error")).toBe("CredentialsSignin");
  });

  it("keeps a path on this site, and this site's own absolute URLs", () => {
    expect(safeRedirectUrl({ url: "/services/usr-contact-svc?year=2024", baseUrl: BASE })).toBe(`${BASE}/services/usr-contact-svc?year=2024`);
    expect(safeRedirectUrl({ url: `${BASE}/audit?day=2024-01-02`, baseUrl: BASE })).toBe(`${BASE}/audit?day=2024-01-02`);
    expect(safeRedirectUrl({ url: "http://localhost:3001/audit", baseUrl: BASE })).toBe(`${BASE}/`);
    expect(safeRedirectUrl({ url: `${BASE}//evil.example`, baseUrl: BASE })).toBe(`${BASE}/`);
  });
});

describe("cookie names", () => {
  it("over HTTPS every next-auth cookie is __Host- (Secure, no Domain, Path=/)", () => {
    const cookies = Object.values(options(true).cookies ?? {});
    expect(cookies).toHaveLength(6);
    for (const cookie of cookies) {
      expect(cookie.name).toMatch(/^__Host-next-auth\./);
      expect(cookie.options).toMatchObject({ secure: true, path: "/" });
      expect(cookie.options.domain).toBeUndefined();
    }
  });

  it("over plain HTTP (the local demo) the names carry no prefix, which browsers would refuse", () => {
    for (const cookie of Object.values(options(false).cookies ?? {})) expect(cookie.name).toMatch(/^next-auth\./);
  });
});
