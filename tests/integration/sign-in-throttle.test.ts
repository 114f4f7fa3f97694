import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { NextRequest } from "next/server";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { listAuditEntries, type AuditEntry } from "@/lib/audit/audit-log";
import { authorizeDemoUser } from "@/lib/auth/demo-users";
import { throttledPasswordSignIn } from "@/lib/auth/sign-in-guard";
import { resetSignInThrottle, SIGN_IN_LIMITS } from "@/lib/auth/sign-in-throttle";
import { createS3Client } from "@/lib/aws/clients";
import { loadConfig, parseConfig } from "@/lib/config/load";
import { uniqueName, motoEnv } from "../support/aws";

/**
 * Password sign-in under the throttle, as the browser's sign-in form posts it, with the
 * audit log in moto's S3 as the witness. next-auth itself stands behind `signIn`: it
 * answers a wrong password with 401 (lib/auth/sign-in-cookies.test.ts pins that).
 */

const PASSWORD = "demo-password";

/** next-auth's credentials callback, reduced to what the throttle sees of it. */
async function nextAuthCallback(request: NextRequest): Promise<Response> {
  const form = await request.formData();
  const user = authorizeDemoUser({ email: form.get("email"), password: form.get("password") }, PASSWORD);
  const session = { "Set-Cookie": "next-auth.session-token=token; Path=/; HttpOnly; SameSite=Lax" };
  return user ? Response.json({ url: "http://localhost:3000/" }, { headers: session }) : Response.json({ url: "http://localhost:3000/signin?error=CredentialsSignin" }, { status: 401 });
}

function attempt(email: string, password: string, client: string, json = true): Promise<Response> {
  const body = new URLSearchParams({ email, password, csrfToken: "t", callbackUrl: "/", ...(json ? { json: "true" } : {}) });
  const request = new NextRequest("http://localhost:3000/api/auth/callback/demo", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": `203.0.113.250, ${client}` },
    body: body.toString(),
  });
  return throttledPasswordSignIn(request, nextAuthCallback);
}

async function signInAudit(): Promise<AuditEntry[]> {
  const config = loadConfig();
  const now = new Date();
  const day = { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() };
  const page = await listAuditEntries(createS3Client({ region: config.region }), config, { day, limit: 1000 });
  return page.entries.filter((e) => e.action === "sign-in");
}

beforeAll(async () => {
  const { region } = motoEnv();
  const bucket = uniqueName("sign-in-throttle");
  await createS3Client({ region }).send(new CreateBucketCommand({ Bucket: bucket }));
  const raw = {
    region,
    archive: { bucket },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" } },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), "lazarus-sign-in-throttle-"));
  writeFileSync(join(dir, "lazarus.config.json"), JSON.stringify(raw));
  process.env.LAZARUS_CONFIG = join(dir, "lazarus.config.json");
  parseConfig(raw);
});

beforeEach(() => {
  resetSignInThrottle();
});

describe("password sign-in throttling", () => {
  it("pauses an account after five wrong passwords, from any address, with Retry-After, and audits it", async () => {
    const before = (await signInAudit()).length;
    for (let i = 0; i < SIGN_IN_LIMITS.account.failures; i++) expect((await attempt("admin@demo.lazarus", "guess", "198.51.100.1")).status).toBe(401);

    // The right password does not help, nor does another address.
    for (const client of ["198.51.100.1", "198.51.100.2"]) {
      const refused = await attempt("admin@demo.lazarus", PASSWORD, client);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(SIGN_IN_LIMITS.account.windowSeconds - 60);
      expect(retryAfter).toBeLessThanOrEqual(SIGN_IN_LIMITS.account.windowSeconds);
      const body = (await refused.json()) as { url: string; error: { message: string } };
      expect(body.error.message).toMatch(/^Too many failed sign-ins for this account: sign-in is paused for 15 minutes\.$/);
      expect(new URL(body.url).searchParams.get("error")).toBe("TooManyAttempts");
    }
    // Other accounts are not affected.
    expect((await attempt("viewer@demo.lazarus", PASSWORD, "198.51.100.1")).status).toBe(200);

    const entries = (await signInAudit()).slice(before);
    expect(entries.map((e) => e.outcome)).toEqual(["failed", "failed", "failed", "failed", "failed", "refused"]);
    expect(entries.every((e) => e.actor.email === "admin@demo.lazarus" && e.role === "admin")).toBe(true);
    expect(entries[0]!.details).toEqual({ client: "198.51.100.1" });
    expect(entries[4]!.message).toBe("Wrong password. Too many failed sign-ins for this account: sign-in is paused for 15 minutes.");
    expect(entries[5]!.details).toMatchObject({ pausedFor: "account", client: "198.51.100.1" });
  });

  it("pauses an address that tries many accounts", async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.client.failures; i++) expect((await attempt(`nobody-${i}@example.com`, "guess", "198.51.100.7")).status).toBe(401);
    const refused = await attempt("viewer@demo.lazarus", PASSWORD, "198.51.100.7");
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/for this address/);
    expect((await attempt("viewer@demo.lazarus", PASSWORD, "198.51.100.8")).status).toBe(200);
    const unknown = (await signInAudit()).find((e) => e.actor.email === "nobody-0@example.com");
    expect(unknown).toMatchObject({ outcome: "failed", actor: { id: "unknown-account" } });
    expect(unknown?.role).toBeUndefined();
  });

  it("a right password clears the account's count; a request that signs nobody in does not", async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.account.failures - 1; i++) await attempt("support@demo.lazarus", "guess", "198.51.100.9");
    expect((await attempt("support@demo.lazarus", PASSWORD, "198.51.100.9")).status).toBe(200);
    for (let i = 0; i < SIGN_IN_LIMITS.account.failures - 1; i++) await attempt("support@demo.lazarus", "guess", "198.51.100.9");
    expect((await attempt("support@demo.lazarus", PASSWORD, "198.51.100.9")).status).toBe(200);

    for (let i = 0; i < SIGN_IN_LIMITS.account.failures - 1; i++) await attempt("viewer@demo.lazarus", "guess", "198.51.100.11");
    const noSession = new NextRequest("http://localhost:3000/api/auth/callback/demo", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": "198.51.100.11" },
      body: new URLSearchParams({ email: "viewer@demo.lazarus", password: "x", json: "true" }).toString(),
    });
    // What next-auth answers to a bad CSRF token: a redirect, no session.
    await throttledPasswordSignIn(noSession, async () => Response.json({ url: "http://localhost:3000/signin?csrf=true" }));
    await attempt("viewer@demo.lazarus", "guess", "198.51.100.11");
    expect((await attempt("viewer@demo.lazarus", PASSWORD, "198.51.100.11")).status).toBe(429);
  });

  it("sends a plain form post back to the sign-in page, which says when to try again", async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.account.failures; i++) await attempt("compliance@demo.lazarus", "guess", "198.51.100.10");
    const refused = await attempt("compliance@demo.lazarus", PASSWORD, "198.51.100.10", false);
    expect(refused.status).toBe(303);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    const location = new URL(refused.headers.get("location")!);
    expect(location.pathname).toBe("/signin");
    expect(location.searchParams.get("error")).toBe("TooManyAttempts");
  });
});
