import { describe, expect, it, vi } from "vitest";
import type { NextAuthOptions } from "next-auth";
import type { JWT } from "next-auth/jwt";
import { parseConfig } from "../config/load";
import { authorizeDemoUser, demoUsers } from "./demo-users";
import { readAuthEnv } from "./env";
import { buildAuthOptions, identityClaims, NO_ROLE_ERROR } from "./options";

const SECRET = "s".repeat(40);
const OIDC = {
  LAZARUS_OIDC_ISSUER: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/",
  LAZARUS_OIDC_CLIENT_ID: "client-id",
  LAZARUS_OIDC_CLIENT_SECRET: "client-secret",
};
const DEMO = { LAZARUS_DEMO_USERS: "true", LAZARUS_DEMO_PASSWORD: "demo-password" };

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
  auth: { sessionHours: 4, groupsClaim: "cognito:groups", roles: { support: { groups: ["helpdesk"] }, admin: { groups: ["ops"] } } },
}).auth;

function options(env: Record<string, string>): NextAuthOptions {
  return buildAuthOptions(readAuthEnv({ NEXTAUTH_SECRET: SECRET, ...env }), auth);
}

type Callbacks = Required<NonNullable<NextAuthOptions["callbacks"]>>;
const callbacks = (o: NextAuthOptions) => o.callbacks as Callbacks;
const oidcAccount = { provider: "oidc", type: "oauth" as const, providerAccountId: "u-1" };
const demoAccount = { provider: "demo", type: "credentials" as const, providerAccountId: "demo:support" };

async function signInWithOidc(o: NextAuthOptions, claims: Record<string, unknown>): Promise<JWT> {
  const jwt = callbacks(o).jwt as (p: unknown) => Promise<JWT>;
  return jwt({ token: { sub: "u-1" }, user: { id: "u-1", name: "Ada", email: "ada@example.com" }, account: oidcAccount, profile: claims });
}

describe("readAuthEnv", () => {
  it("names the missing or bad variable", () => {
    expect(() => readAuthEnv({ ...DEMO })).toThrow(/NEXTAUTH_SECRET: is required/);
    expect(() => readAuthEnv({ NEXTAUTH_SECRET: "short", ...DEMO })).toThrow(/NEXTAUTH_SECRET: must be at least 32 characters/);
    expect(() => readAuthEnv({ NEXTAUTH_SECRET: SECRET, LAZARUS_OIDC_ISSUER: OIDC.LAZARUS_OIDC_ISSUER })).toThrow(
      /LAZARUS_OIDC_CLIENT_ID, LAZARUS_OIDC_CLIENT_SECRET: required because LAZARUS_OIDC_ISSUER is set/,
    );
    expect(() => readAuthEnv({ NEXTAUTH_SECRET: SECRET, ...OIDC, LAZARUS_OIDC_ISSUER: "http://idp.example.com" })).toThrow(/LAZARUS_OIDC_ISSUER: must use https/);
    expect(() => readAuthEnv({ NEXTAUTH_SECRET: SECRET, LAZARUS_DEMO_USERS: "true" })).toThrow(/LAZARUS_DEMO_PASSWORD: must be at least 8 characters/);
    expect(() => readAuthEnv({ NEXTAUTH_SECRET: SECRET, LAZARUS_DEMO_USERS: "true", LAZARUS_DEMO_PASSWORD: "short" })).toThrow(/LAZARUS_DEMO_PASSWORD/);
    expect(() => readAuthEnv({ NEXTAUTH_SECRET: SECRET, LAZARUS_DEMO_USERS: "yes", LAZARUS_DEMO_PASSWORD: "demo-password" })).toThrow(/LAZARUS_DEMO_USERS: must be "true" or "false"/);
    expect(() => readAuthEnv({ NEXTAUTH_SECRET: SECRET, NEXTAUTH_URL: "not a url", ...DEMO })).toThrow(/NEXTAUTH_URL/);
    expect(() => readAuthEnv({ NEXTAUTH_SECRET: SECRET, ...DEMO, LAZARUS_MONITORING_TOKEN: "too-short" })).toThrow(/LAZARUS_MONITORING_TOKEN: must be at least 32 characters/);
    expect(() => readAuthEnv({ NEXTAUTH_SECRET: SECRET, ...DEMO, LAZARUS_MONITORING_TOKEN: `${"x".repeat(32)} y` })).toThrow(/LAZARUS_MONITORING_TOKEN: must be printable ASCII without spaces/);
    expect(readAuthEnv({ NEXTAUTH_SECRET: SECRET, ...DEMO, LAZARUS_MONITORING_TOKEN: "t".repeat(40) }).monitoringToken).toBe("t".repeat(40));
    expect(readAuthEnv({ NEXTAUTH_SECRET: SECRET, ...DEMO }).monitoringToken).toBeNull();
  });

  it("refuses to start with no way to sign in", () => {
    expect(() => readAuthEnv({ NEXTAUTH_SECRET: SECRET })).toThrow(/no way to sign in/);
    expect(() => readAuthEnv({ NEXTAUTH_SECRET: SECRET, LAZARUS_DEMO_PASSWORD: "demo-password" })).toThrow(/no way to sign in/);
  });

  it("never puts a secret in its messages", () => {
    try {
      readAuthEnv({ NEXTAUTH_SECRET: "tiny-secret-value", LAZARUS_OIDC_CLIENT_SECRET: "oidc-secret-value" });
    } catch (e) {
      expect(String(e)).not.toContain("tiny-secret-value");
      expect(String(e)).not.toContain("oidc-secret-value");
    }
  });
});

describe("providers", () => {
  it("has no demo provider unless LAZARUS_DEMO_USERS=true and a password are both set", () => {
    // next-auth merges a provider's `options` over its defaults when it starts.
    const ids = (env: Record<string, string>) => options(env).providers.map((p) => (p.options as { id?: string } | undefined)?.id ?? p.id);
    expect(ids({ ...OIDC })).toEqual(["oidc"]);
    expect(ids({ ...OIDC, LAZARUS_DEMO_PASSWORD: "demo-password" })).toEqual(["oidc"]);
    expect(ids({ ...OIDC, LAZARUS_DEMO_USERS: "false", LAZARUS_DEMO_PASSWORD: "demo-password" })).toEqual(["oidc"]);
    expect(ids({ ...OIDC, ...DEMO })).toEqual(["oidc", "demo"]);
    expect(ids({ ...DEMO })).toEqual(["demo"]);
  });

  it("lists demo users only when they are enabled", () => {
    expect(demoUsers({})).toEqual([]);
    expect(demoUsers({ LAZARUS_DEMO_USERS: "true" })).toEqual([]);
    expect(demoUsers({ LAZARUS_DEMO_PASSWORD: "demo-password" })).toEqual([]);
    expect(demoUsers(DEMO).map((u) => [u.email, u.role])).toEqual([
      ["viewer@demo.lazarus", "viewer"],
      ["support@demo.lazarus", "support"],
      ["compliance@demo.lazarus", "compliance"],
      ["admin@demo.lazarus", "admin"],
      ["compliance2@demo.lazarus", "compliance"],
      ["admin2@demo.lazarus", "admin"],
    ]);
  });

  it("configures a generic OIDC provider from the issuer's discovery document", () => {
    const provider = options({ ...OIDC, LAZARUS_OIDC_SCOPES: "offline_access, openid", LAZARUS_OIDC_NAME: "Corporate SSO" }).providers[0] as unknown as Record<string, unknown>;
    expect(provider).toMatchObject({
      id: "oidc",
      name: "Corporate SSO",
      type: "oauth",
      wellKnown: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/openid-configuration",
      clientId: "client-id",
      clientSecret: "client-secret",
      idToken: true,
      checks: ["pkce", "state"],
      authorization: { params: { scope: "openid email profile offline_access" } },
    });
    expect(options({ ...OIDC }).providers[0]!.name).toBe("Single sign-on");
    const profile = (provider.profile as (c: Record<string, unknown>) => unknown)({ sub: "abc", "cognito:username": "ada", email: "ada@example.com" });
    expect(profile).toEqual({ id: "abc", name: "ada", email: "ada@example.com", image: null });
  });

  it("checks demo passwords", () => {
    expect(authorizeDemoUser({ email: "support@demo.lazarus", password: "demo-password" }, "demo-password")).toMatchObject({ id: "demo:support", role: "support" });
    expect(authorizeDemoUser({ email: "SUPPORT@demo.lazarus", password: "demo-password" }, "demo-password")?.role).toBe("support");
    expect(authorizeDemoUser({ email: "support@demo.lazarus", password: "demo-passwore" }, "demo-password")).toBeNull();
    expect(authorizeDemoUser({ email: "support@demo.lazarus", password: "" }, "demo-password")).toBeNull();
    expect(authorizeDemoUser({ email: "root@demo.lazarus", password: "demo-password" }, "demo-password")).toBeNull();
    expect(authorizeDemoUser(undefined, "demo-password")).toBeNull();
  });
});

describe("sessions", () => {
  it("are JWTs that last auth.sessionHours, not next-auth's 30 days", () => {
    const o = options({ ...DEMO });
    expect(o.session).toMatchObject({ strategy: "jwt", maxAge: 4 * 3600 });
    expect(o.jwt?.maxAge).toBe(4 * 3600);
    expect(o.pages).toMatchObject({ signIn: "/signin" });
    expect(o.secret).toBe(SECRET);
  });

  it("refuses an OIDC user who maps to no role, with a message for the sign-in page", async () => {
    const o = options({ ...OIDC });
    const signIn = callbacks(o).signIn as (p: unknown) => Promise<string | boolean>;
    expect(await signIn({ user: { id: "u-1" }, account: oidcAccount, profile: { sub: "u-1", "cognito:groups": ["marketing"] } })).toBe(`/signin?error=${NO_ROLE_ERROR}`);
    expect(await signIn({ user: { id: "u-1" }, account: oidcAccount, profile: { sub: "u-1", "cognito:groups": ["helpdesk"] } })).toBe(true);
  });

  it("carries the mapped role in the JWT and the session", async () => {
    const o = options({ ...OIDC });
    const token = await signInWithOidc(o, { sub: "u-1", "cognito:groups": ["helpdesk", "ops"], email: "ada@example.com" });
    expect(token.lazarus).toMatchObject({ uid: "oidc:u-1", role: "admin", email: "ada@example.com", provider: "oidc" });
    const session = (await (callbacks(o).session as (p: unknown) => Promise<unknown>)({
      session: { user: {}, expires: new Date(Date.now() + 3600_000).toISOString() },
      token,
    })) as { user: unknown; expires: string };
    expect(session.user).toEqual({ id: "oidc:u-1", email: "ada@example.com", name: "Ada", role: "admin" });
  });

  it("keeps the provider's ID token in the session only when sign-out must end the provider's session", async () => {
    const jwtOf = (o: NextAuthOptions) =>
      (callbacks(o).jwt as (p: unknown) => Promise<JWT>)({
        token: { sub: "u-1" },
        user: { id: "u-1", name: "Ada", email: "ada@example.com" },
        account: { ...oidcAccount, id_token: "header.payload.signature" },
        profile: { sub: "u-1", "cognito:groups": ["ops"] },
      });
    expect((await jwtOf(options({ ...OIDC }))).lazarus).not.toHaveProperty("idToken");
    const ending = buildAuthOptions(readAuthEnv({ NEXTAUTH_SECRET: SECRET, ...OIDC }), { ...auth, endProviderSession: true });
    expect((await jwtOf(ending)).lazarus).toMatchObject({ idToken: "header.payload.signature", role: "admin" });
  });

  it("ends a session sessionHours after sign-in, however active the user is", async () => {
    vi.useFakeTimers();
    try {
      const o = options({ ...OIDC });
      vi.setSystemTime(new Date("2026-01-01T08:00:00Z"));
      const token = await signInWithOidc(o, { sub: "u-1", "cognito:groups": ["helpdesk"] });
      const jwt = callbacks(o).jwt as (p: unknown) => Promise<JWT>;
      vi.setSystemTime(new Date("2026-01-01T11:59:00Z"));
      await expect(jwt({ token })).resolves.toBe(token);
      vi.setSystemTime(new Date("2026-01-01T12:00:00Z"));
      await expect(jwt({ token })).rejects.toThrow(/older than auth\.sessionHours/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("ends demo sessions once demo users are switched off", async () => {
    const enabled = options({ ...OIDC, ...DEMO });
    const jwt = callbacks(enabled).jwt as (p: unknown) => Promise<JWT>;
    const token = await jwt({ token: {}, user: { id: "demo:support", email: "support@demo.lazarus" }, account: demoAccount });
    expect(token.lazarus).toMatchObject({ role: "support", provider: "demo" });
    const disabled = options({ ...OIDC });
    await expect((callbacks(disabled).jwt as (p: unknown) => Promise<JWT>)({ token })).rejects.toThrow(/demo users have been disabled/);
  });

  it("treats a token without a valid role as no session", async () => {
    const o = options({ ...DEMO });
    const jwt = callbacks(o).jwt as (p: unknown) => Promise<JWT>;
    await expect(jwt({ token: { sub: "x" } })).rejects.toThrow();
    await expect(jwt({ token: { lazarus: { uid: "x", email: "", name: "", role: "root", provider: "demo", signedInAt: 1 } } })).rejects.toThrow();
  });
});

describe("identityClaims", () => {
  const idToken = { sub: "u-1", email: "ID@example.com", "cognito:groups": ["ops"] };
  const tokens = (accessToken?: string) => ({ access_token: accessToken, claims: () => ({ ...idToken }) });
  const client = (userinfo: () => Promise<Record<string, unknown>>, endpoint: string | null = "https://idp.example/userinfo") =>
    ({ issuer: { metadata: { userinfo_endpoint: endpoint ?? undefined } }, userinfo: vi.fn(userinfo) }) as never;

  it("completes the ID token's claims with userinfo's, the ID token's winning", async () => {
    const claims = await identityClaims({ tokens: tokens("at") as never, client: client(async () => ({ sub: "u-1", email: "other@example.com", groups: ["lazarus-admins"] })) });
    expect(claims).toEqual({ ...idToken, groups: ["lazarus-admins"] });
  });

  it("refuses userinfo about another subject", async () => {
    await expect(identityClaims({ tokens: tokens("at") as never, client: client(async () => ({ sub: "u-2", groups: ["lazarus-admins"] })) })).rejects.toThrow(/another subject/);
  });

  it("keeps the ID token's claims alone when userinfo fails or is not offered", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const failing = client(async () => {
      throw new Error("invalid_token");
    });
    expect(await identityClaims({ tokens: tokens("at") as never, client: failing })).toEqual(idToken);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("invalid_token"));
    warn.mockRestore();
    expect(await identityClaims({ tokens: tokens("at") as never, client: client(async () => ({ sub: "u-1", groups: ["x"] }), null) })).toEqual(idToken);
    expect(await identityClaims({ tokens: tokens() as never, client: client(async () => ({ sub: "u-1", groups: ["x"] })) })).toEqual(idToken);
  });
});
