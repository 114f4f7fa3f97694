import { readFileSync } from "node:fs";
import { expect, SESSION_HOURS, sessionOf, signInWithSso, SSO_NAME, test, TOKEN_SECONDS } from "./sso-support";

/**
 * Single sign-on against a real OpenID Connect provider (scripts/local-idp): discovery,
 * the authorization code flow with PKCE, ID-token validation and the group-to-role
 * mapping, on consoles configured as deployments are (see e2e/sso-support.ts).
 */

const NO_ROLE = `You signed in with ${SSO_NAME}, but your account is not in any group or email list that gives a Lazarus role`;
const DID_NOT_COMPLETE = `Signing in with ${SSO_NAME} did not complete.`;

// Each sign-in is several round trips through the provider and the console: slow on a busy machine.
test.describe.configure({ timeout: 180_000 });

test.describe("roles from the provider's groups claim", () => {
  for (const [user, email, role] of [
    ["vera", "vera@example.test", "viewer"],
    ["sam", "sam@example.test", "support"],
    ["cora", "cora@example.test", "compliance"],
    ["ada", "ada@example.test", "admin"],
  ] as const) {
    test(`${user} signs in by group as ${role}`, async ({ page, sso }) => {
      await signInWithSso(page, sso.direct, sso.idp, user);
      await expect(page).toHaveURL(`${sso.direct}/`);
      const banner = page.getByRole("banner");
      await expect(banner.getByText(email)).toBeVisible();
      await expect(banner.getByText(`role: ${role}`, { exact: false })).toBeVisible();
      expect((await sessionOf(page, sso.direct)).user).toMatchObject({ email, role });
    });
  }

  test("a user in several mapped groups gets the highest role", async ({ page, sso }) => {
    await signInWithSso(page, sso.direct, sso.idp, "max");
    expect((await sessionOf(page, sso.direct)).user?.role).toBe("admin");
  });

  test("a user in no group gets a role by verified email", async ({ page, sso }) => {
    await signInWithSso(page, sso.direct, sso.idp, "hal");
    expect((await sessionOf(page, sso.direct)).user).toMatchObject({ email: "helpdesk@example.test", role: "support" });
  });
});

test.describe("refusals", () => {
  test("a user in no mapped group is refused with the sign-in page's message and gets no session", async ({ page, sso }) => {
    await signInWithSso(page, sso.direct, sso.idp, "ned");
    await expect(page).toHaveURL(/\/signin\?error=NoRole/);
    await expect(page.getByRole("main").getByRole("alert")).toContainText(NO_ROLE);
    expect(await sessionOf(page, sso.direct)).toEqual({});
    await page.goto(`${sso.direct}/`);
    await expect(page).toHaveURL(/\/signin/);
  });

  test("an email listed in the rules does not count while the provider says it is unverified", async ({ page, sso }) => {
    await signInWithSso(page, sso.direct, sso.idp, "uma");
    await expect(page.getByRole("main").getByRole("alert")).toContainText(NO_ROLE);
    expect(await sessionOf(page, sso.direct)).toEqual({});
  });

  test("without the groups scope, a provider that serves groups from userinfo sends none, and everyone is refused", async ({ page, sso }) => {
    await signInWithSso(page, sso.noScope, sso.idp, "ada");
    await expect(page).toHaveURL(/\/signin\?error=NoRole/);
    await expect(page.getByRole("main").getByRole("alert")).toContainText(NO_ROLE);
    expect(await sessionOf(page, sso.noScope)).toEqual({});
  });

  for (const [fault, what] of [
    ["signature", "a tampered ID token (claims edited, signature kept)"],
    ["issuer", "an ID token from another issuer"],
    ["expired", "an expired ID token"],
    ["audience", "an ID token for another client"],
  ] as const) {
    test(`${what} is refused`, async ({ page, sso }) => {
      await sso.idp.injectFault("vera", fault);
      await signInWithSso(page, sso.direct, sso.idp, "vera");
      await expect(page).toHaveURL(/\/signin\?(.*&)?error=OAuthCallback/);
      await expect(page.getByRole("main").getByRole("alert")).toContainText(DID_NOT_COMPLETE);
      expect(await sessionOf(page, sso.direct)).toEqual({});
    });
  }
});

test.describe("sessions", () => {
  test("the role follows the provider: new groups give a new role at the next sign-in", async ({ page, sso }) => {
    await sso.idp.setGroups("mo", ["lazarus-viewers"]);
    await signInWithSso(page, sso.direct, sso.idp, "mo");
    expect((await sessionOf(page, sso.direct)).user?.role).toBe("viewer");

    await sso.idp.setGroups("mo", ["lazarus-compliance"]);
    await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/signin/);
    // The provider still knows the browser: it answers without asking for a password again.
    await signInWithSso(page, sso.direct, sso.idp, "mo");
    expect((await sessionOf(page, sso.direct)).user?.role).toBe("compliance");

    await sso.idp.setGroups("mo", []);
    await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/signin/);
    await signInWithSso(page, sso.direct, sso.idp, "mo");
    await expect(page.getByRole("main").getByRole("alert")).toContainText(NO_ROLE);
    expect(await sessionOf(page, sso.direct)).toEqual({});
  });

  test("sign-out ends the session", async ({ page, sso }) => {
    await signInWithSso(page, sso.direct, sso.idp, "sam");
    await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/signin/);
    expect(await sessionOf(page, sso.direct)).toEqual({});
    await page.goto(`${sso.direct}/search`);
    await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
  });

  test("sign-in returns to the page that asked for it, and never to another site", async ({ page, sso }) => {
    await page.goto(`${sso.direct}/audit`);
    await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Faudit/);
    await signInWithSso(page, sso.direct, sso.idp, "cora", new URL(page.url()).pathname + new URL(page.url()).search);
    await expect(page).toHaveURL(`${sso.direct}/audit`);

    await page.context().clearCookies();
    await signInWithSso(page, sso.direct, sso.idp, "cora", `/signin?callbackUrl=${encodeURIComponent("https://evil.example/steal")}`);
    await expect(page).toHaveURL(`${sso.direct}/`);
  });

  test(`the session lasts auth.sessionHours (${SESSION_HOURS} h), not the provider's ${TOKEN_SECONDS}-second token lifetime`, async ({ page, sso }) => {
    test.setTimeout(120_000);
    const before = Date.now();
    await signInWithSso(page, sso.direct, sso.idp, "ada");
    const after = Date.now();
    const expires = Date.parse((await sessionOf(page, sso.direct)).expires ?? "");
    const hours = SESSION_HOURS * 3_600_000;
    expect(expires).toBeGreaterThanOrEqual(before + hours - 60_000);
    expect(expires).toBeLessThanOrEqual(after + hours + 60_000);
    const cookie = (await page.context().cookies(sso.direct)).find((c) => c.name === "next-auth.session-token");
    expect(cookie?.expires ?? 0).toBeGreaterThan((before + hours) / 1000 - 60);
    expect(cookie?.expires ?? Infinity).toBeLessThan((after + hours) / 1000 + 60);

    // Past the ID and access tokens' expiry (and openid-client's 10-second tolerance), still signed in.
    await page.waitForTimeout((TOKEN_SECONDS + 12) * 1000);
    await page.goto(`${sso.direct}/search`);
    await expect(page).toHaveURL(`${sso.direct}/search`);
    expect((await sessionOf(page, sso.direct)).user?.role).toBe("admin");
  });
});

test.describe("misconfigured deployments", () => {
  test("a client secret the provider does not know: back on the sign-in page with no session, and the log says why", async ({ page, sso }) => {
    await signInWithSso(page, sso.wrongSecret, sso.idp, "ada");
    await expect(page).toHaveURL(/\/signin\?(.*&)?error=OAuthCallback/);
    await expect(page.getByRole("main").getByRole("alert")).toContainText(DID_NOT_COMPLETE);
    expect(await sessionOf(page, sso.wrongSecret)).toEqual({});
    await expect.poll(() => readFileSync(sso.logFile, "utf8")).toMatch(/\[next-auth\]\[error\]\[OAUTH_CALLBACK_ERROR\].*invalid_client/);
  });

  test("a callback URL the provider does not list: the provider's own error page, and no session", async ({ page, sso }) => {
    await page.goto(`${sso.wrongCallback}/signin`);
    await page.getByRole("button", { name: `Sign in with ${SSO_NAME}` }).click();
    await page.waitForURL((url) => url.origin === sso.idp.issuer);
    await expect(page.getByText(/redirect_uri did not match any of the client's registered redirect_uris/)).toBeVisible();
    expect(await sessionOf(page, sso.wrongCallback)).toEqual({});
  });
});

test.describe("behind a proxy, with Cognito's cognito:groups claim", () => {
  test("the flow completes on the public origin", async ({ page, sso }) => {
    await signInWithSso(page, sso.proxied, sso.idp, "cora", "/signin?callbackUrl=%2Faudit");
    await expect(page).toHaveURL(`${sso.proxied}/audit`);
    await expect(page.getByRole("banner").getByText("cora@example.test")).toBeVisible();
    expect((await sessionOf(page, sso.proxied)).user).toMatchObject({ email: "cora@example.test", role: "compliance" });
  });

  test("with auth.endProviderSession, sign-out also ends the provider's session: the next sign-in asks for a password", async ({ page, sso }) => {
    await signInWithSso(page, sso.proxied, sso.idp, "cora");
    await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
    // The provider's RP-initiated logout, named by the ID token the console kept.
    await page.waitForURL((url) => url.origin === sso.idp.issuer);
    await page.getByRole("button", { name: "Yes, sign me out" }).click();
    await expect(page).toHaveURL(`${sso.proxied}/signin`);
    expect(await sessionOf(page, sso.proxied)).toEqual({});

    await page.getByRole("button", { name: `Sign in with ${SSO_NAME}` }).click();
    await page.waitForURL((url) => url.origin === sso.idp.issuer);
    await expect(page.getByPlaceholder("Enter any login")).toBeVisible();
  });

  test("signed out, a page sends the browser to the public origin's sign-in page", async ({ page, sso }) => {
    await page.goto(`${sso.proxied}/search`);
    await expect(page).toHaveURL(`${sso.proxied}/signin?callbackUrl=%2Fsearch`);
  });

  test("the same-origin check accepts the public origin and refuses a foreign one", async ({ page, sso }) => {
    await signInWithSso(page, sso.proxied, sso.idp, "cora");
    const post = (origin: string) =>
      page.request.post(`${sso.proxied}/api/exports`, { headers: { origin, "content-type": "application/json" }, data: { unexpected: true } });
    const foreign = await post("http://evil.example");
    expect(foreign.status()).toBe(403);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe("cross-site-request");
    // From the public origin the request gets past the origin check to the body's validation.
    const own = await post(sso.proxied);
    expect(own.status()).toBe(400);
  });
});
