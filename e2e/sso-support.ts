import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import { join, resolve } from "node:path";
import type { Page } from "@playwright/test";
import { expect, test as base } from "./fixtures";
import { localConsoleEnvironment } from "../scripts/demo/console-env";
import { startConsole, type ConsoleServer } from "../scripts/demo/next-server";
import { startLocalIdp, type LocalIdp } from "../scripts/local-idp/local-idp";

/**
 * Consoles that sign in through the local OpenID Connect provider, served from the
 * build the demo made, against the demo's moto_server:
 * - `direct`: groups in the standard `groups` claim (a scope of its own, served from
 *   userinfo as a standards-compliant provider does), roles by group and by email;
 * - `proxied`: Cognito's `cognito:groups` claim, behind an HTTP proxy that serves it
 *   under another origin (http://127.0.0.2:…, an address Node resolves as well as
 *   Chromium), as a load balancer does;
 * - `noScope`: the `groups` claim without asking for the `groups` scope, the most
 *   common misconfiguration, to show what its users see;
 * - `wrongSecret` and `wrongCallback`: two more misconfigurations, a client secret the
 *   provider does not know and a redirect URI the provider does not list.
 * The proxied console also ends the provider's session on sign-out (auth.endProviderSession).
 */

const e2ePort = Number(process.env.LAZARUS_E2E_PORT ?? "3100");
const PORTS = {
  direct: e2ePort + 50,
  idp: e2ePort + 51,
  proxy: e2ePort + 52,
  proxied: e2ePort + 53,
  noScope: e2ePort + 54,
  wrongSecret: e2ePort + 55,
  wrongCallback: e2ePort + 56,
};

export const SSO_NAME = "Example SSO";
const PROXY_HOST = "127.0.0.2";
/** The direct console's session length, far longer than the provider's token lifetime. */
export const SESSION_HOURS = 2;
/** The provider's ID and access token lifetime in these tests. */
export const TOKEN_SECONDS = 5;

const CLIENTS = {
  direct: { clientId: "lazarus-direct", clientSecret: "direct-client-secret-0123456789" },
  proxied: { clientId: "lazarus-proxied", clientSecret: "proxied-client-secret-0123456789" },
  noScope: { clientId: "lazarus-no-scope", clientSecret: "no-scope-client-secret-0123456789" },
  wrongSecret: { clientId: "lazarus-wrong-secret", clientSecret: "registered-client-secret-0123456789" },
  wrongCallback: { clientId: "lazarus-wrong-callback", clientSecret: "wrong-callback-client-secret-0123456789" },
};

export interface SsoWorld {
  idp: LocalIdp;
  /** The console as people open it. */
  direct: string;
  /** The public origin of the console behind the proxy. */
  proxied: string;
  /** The console that does not ask for the groups scope. */
  noScope: string;
  /** A console whose client secret is not the one the provider has. */
  wrongSecret: string;
  /** A console whose callback URL the provider does not list. */
  wrongCallback: string;
  /** Every console's and the provider's output. */
  logFile: string;
}

function writeConfig(name: string, auth: unknown): { file: string; region: string } {
  const source = resolve(process.env.LAZARUS_CONFIG ?? "lazarus.config.json");
  const config = { ...(JSON.parse(readFileSync(source, "utf8")) as { region: string }), auth };
  const dir = join("test-results", "sso");
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, `${name}.config.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { file, region: config.region };
}

const groupRoles = {
  viewer: { groups: ["lazarus-viewers"] },
  support: { groups: ["lazarus-support"], emails: ["helpdesk@example.test"] },
  compliance: { groups: ["lazarus-compliance"], emails: ["auditor@example.test"] },
  admin: { groups: ["lazarus-admins"] },
};

/** An HTTP proxy that serves `upstream` under its own origin, with the forwarded headers a load balancer adds. */
function startForwardingProxy(port: number, upstreamPort: number): Promise<Server> {
  const server = createServer((req, res) => {
    const upstream = httpRequest(
      {
        host: "127.0.0.1",
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          host: `127.0.0.1:${upstreamPort}`,
          "x-forwarded-host": req.headers.host ?? "",
          "x-forwarded-proto": "http",
          "x-forwarded-for": req.socket.remoteAddress ?? "",
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  return new Promise((done) => server.listen(port, PROXY_HOST, () => done(server)));
}

export const test = base.extend<object, { sso: SsoWorld }>({
  sso: [
    async ({}, provide) => {
      const motoPort = process.env.LAZARUS_E2E_MOTO_PORT;
      if (!motoPort) throw new Error("LAZARUS_E2E_MOTO_PORT is not set: playwright.config.ts sets it for the demo it starts");
      const endpoint = `http://127.0.0.1:${motoPort}`;
      const direct = `http://localhost:${PORTS.direct}`;
      const proxied = `http://${PROXY_HOST}:${PORTS.proxy}`;
      const noScope = `http://localhost:${PORTS.noScope}`;
      const wrongSecret = `http://localhost:${PORTS.wrongSecret}`;
      const wrongCallback = `http://localhost:${PORTS.wrongCallback}`;
      // The consoles' and the provider's output, to read why a sign-in was refused.
      mkdirSync(join("test-results", "sso"), { recursive: true });
      const logFile = resolve("test-results", "sso", "servers.log");
      const write = (line: string) => appendFileSync(logFile, `${line}\n`);
      const idp = await startLocalIdp({
        port: PORTS.idp,
        idTokenSeconds: TOKEN_SECONDS,
        write,
        clients: [
          { ...CLIENTS.direct, redirectUris: [`${direct}/api/auth/callback/oidc`] },
          { ...CLIENTS.proxied, redirectUris: [`${proxied}/api/auth/callback/oidc`], postLogoutRedirectUris: [`${proxied}/signin`] },
          { ...CLIENTS.noScope, redirectUris: [`${noScope}/api/auth/callback/oidc`] },
          { ...CLIENTS.wrongSecret, redirectUris: [`${wrongSecret}/api/auth/callback/oidc`] },
          // Registered for the console's old address: a deployment moved without updating the provider.
          { ...CLIENTS.wrongCallback, redirectUris: [`http://localhost:${PORTS.wrongCallback + 100}/api/auth/callback/oidc`] },
        ],
      });
      const servers: ConsoleServer[] = [];
      let proxy: Server | undefined;
      try {
        const directConfig = writeConfig("direct", { sessionHours: SESSION_HOURS, groupsClaim: "groups", roles: groupRoles });
        const proxiedConfig = writeConfig("proxied", { sessionHours: SESSION_HOURS, groupsClaim: "cognito:groups", roles: groupRoles, endProviderSession: true });
        const directEnv = localConsoleEnvironment({
          region: directConfig.region,
          endpoint,
          publicUrl: direct,
          configFile: directConfig.file,
          oidc: { issuer: idp.issuer, ...CLIENTS.direct, scopes: "groups", name: SSO_NAME },
        });
        const proxiedEnv = localConsoleEnvironment({
          region: proxiedConfig.region,
          endpoint,
          publicUrl: proxied,
          configFile: proxiedConfig.file,
          oidc: { issuer: idp.issuer, ...CLIENTS.proxied, name: SSO_NAME },
        });
        const noScopeEnv = localConsoleEnvironment({
          region: directConfig.region,
          endpoint,
          publicUrl: noScope,
          configFile: directConfig.file,
          oidc: { issuer: idp.issuer, ...CLIENTS.noScope, name: SSO_NAME },
        });
        const misconfigured = (publicUrl: string, client: { clientId: string; clientSecret: string }) =>
          localConsoleEnvironment({ region: directConfig.region, endpoint, publicUrl, configFile: directConfig.file, oidc: { issuer: idp.issuer, ...client, scopes: "groups", name: SSO_NAME } });
        const wrongSecretEnv = misconfigured(wrongSecret, { ...CLIENTS.wrongSecret, clientSecret: "not-the-registered-secret-0123456789" });
        const wrongCallbackEnv = misconfigured(wrongCallback, CLIENTS.wrongCallback);
        const cwd = process.cwd();
        const start = (env: NodeJS.ProcessEnv, port: number) => startConsole({ cwd, env, host: "127.0.0.1", port, write, timeoutMs: 180_000 });
        // Started side by side: each mostly waits for its own process to come up.
        const started = await Promise.allSettled([
          start(directEnv, PORTS.direct),
          start(proxiedEnv, PORTS.proxied),
          start(noScopeEnv, PORTS.noScope),
          start(wrongSecretEnv, PORTS.wrongSecret),
          start(wrongCallbackEnv, PORTS.wrongCallback),
        ]);
        for (const outcome of started) if (outcome.status === "fulfilled") servers.push(outcome.value);
        const failed = started.find((outcome) => outcome.status === "rejected");
        if (failed) throw failed.reason;
        proxy = await startForwardingProxy(PORTS.proxy, PORTS.proxied);
        await provide({ idp, direct, proxied, noScope, wrongSecret, wrongCallback, logFile });
      } finally {
        await new Promise<void>((done) => (proxy ? proxy.close(() => done()) : done()));
        for (const server of servers) await server.stop();
        await idp.stop();
      }
    },
    { scope: "worker", timeout: 600_000 },
  ],
});

export { expect };

/**
 * Signs in through the provider from the console's sign-in page. The provider's login
 * page appears unless the browser still has a session there (then it answers at once).
 */
export async function signInWithSso(page: Page, console: string, idp: LocalIdp, user: string, path = "/signin"): Promise<void> {
  const origin = new URL(console).origin;
  // Back on the console: anywhere but the sign-in page, or the sign-in page with an error.
  const isBack = (url: URL) => url.origin === origin && !url.pathname.startsWith("/api/") && (!url.pathname.startsWith("/signin") || url.searchParams.has("error"));
  await page.goto(`${console}${path}`);
  await page.getByRole("button", { name: `Sign in with ${SSO_NAME}` }).click();
  await page.waitForURL((url) => url.origin === idp.issuer || isBack(url), { timeout: 30_000 });
  if (new URL(page.url()).origin === idp.issuer) {
    await page.getByPlaceholder("Enter any login").fill(user);
    await page.getByPlaceholder("and password").fill("any password");
    await page.getByRole("button", { name: "Sign-in" }).click();
    await page.waitForURL(isBack, { timeout: 30_000 });
  }
}

/** The session as next-auth reports it to the browser; `{}` when there is none. */
export async function sessionOf(page: Page, console: string): Promise<{ user?: { email: string; role: string }; expires?: string }> {
  const res = await page.request.get(`${console}/api/auth/session`);
  expect(res.status()).toBe(200);
  return (await res.json()) as { user?: { email: string; role: string }; expires?: string };
}
