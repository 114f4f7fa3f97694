import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { parseArgs } from "node:util";
import Provider, { type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { z } from "zod";
import { LOCAL_IDP_USERS, type LocalIdpUser } from "./users";
import { ID_TOKEN_FAULTS, localIdpClientSchema, type IdTokenFault } from "./protocol";

/**
 * A standards-compliant OpenID Connect provider (panva's oidc-provider) on loopback,
 * for the demo's `--sso` mode and the browser tests. Authorization code with PKCE,
 * discovery, JWKS, userinfo, RP-initiated logout: what Cognito, Okta, Entra ID and
 * Google serve. Its login page takes any password.
 *
 * Besides the protocol it answers two loopback-only test hooks under /__idp/:
 *   PUT  /__idp/users/{id}/groups   {"groups": [...]}   a user's groups from the next sign-in on
 *   POST /__idp/faults              {"user": id, "fault": "signature" | "issuer" | "audience" | "expired"}
 *        the next ID token issued to that user is damaged that way (once)
 *
 * Usage: tsx scripts/local-idp/server.ts --port <n> [--id-token-seconds <n>]
 * with the relying parties in LAZARUS_IDP_CLIENTS (JSON array). Prints "ready <issuer>".
 */

const { values } = parseArgs({
  options: { port: { type: "string" }, "id-token-seconds": { type: "string", default: "600" } },
  strict: true,
});
const port = z.coerce.number().int().min(1).max(65_535).parse(values.port);
const idTokenSeconds = z.coerce.number().int().min(1).parse(values["id-token-seconds"]);
const clients = z.array(localIdpClientSchema).min(1).parse(JSON.parse(process.env.LAZARUS_IDP_CLIENTS ?? "[]"));
const issuer = `http://127.0.0.1:${port}`;

const users = new Map<string, LocalIdpUser>(LOCAL_IDP_USERS.map((u) => [u.id, { ...u, groups: [...u.groups] }]));
const pendingFaults = new Map<string, IdTokenFault>();

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: "jwk" }), kid: "local-idp-1", alg: "RS256", use: "sig" };

const configuration: Configuration = {
  clients: clients.map((c) => ({
    client_id: c.clientId,
    client_secret: c.clientSecret,
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  })),
  jwks: { keys: [signingJwk as never] },
  pkce: { required: () => true },
  // Cognito puts its groups in every ID token; standard claims follow their scopes.
  claims: {
    openid: ["sub", "cognito:groups"],
    email: ["email", "email_verified"],
    profile: ["name", "preferred_username"],
    groups: ["groups"],
  },
  scopes: ["openid", "email", "profile", "groups"],
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  ttl: { IdToken: idTokenSeconds, AccessToken: idTokenSeconds, Session: 8 * 3600, Interaction: 600, Grant: 8 * 3600 },
  cookies: { keys: ["local-idp-cookie-key"] },
  async findAccount(_ctx, id) {
    const user = users.get(id);
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        const current = users.get(id) ?? user;
        return {
          sub: id,
          email: current.email,
          email_verified: current.emailVerified,
          name: current.name,
          preferred_username: id,
          groups: [...current.groups],
          "cognito:groups": [...current.groups],
        };
      },
    };
  },
  // First-party relying parties: what they ask for is granted without a consent screen, as a company's SSO does.
  async loadExistingGrant(ctx) {
    const { Grant } = ctx.oidc.provider;
    const accountId = ctx.oidc.session?.accountId;
    const clientId = ctx.oidc.client?.clientId;
    if (!accountId || !clientId) return undefined;
    const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(clientId);
    const grant = (grantId ? await Grant.find(grantId) : undefined) ?? new Grant({ accountId, clientId });
    const requested = ctx.oidc.params?.scope;
    if (typeof requested === "string") grant.addOIDCScope(requested);
    await grant.save();
    return grant;
  },
};

const provider = new Provider(issuer, configuration);

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

const signingKey: KeyObject = createPrivateKey({ key: signingJwk as never, format: "jwk" });

function damage(idToken: string, fault: IdTokenFault): string {
  const [header = "", payload = "", signature = ""] = idToken.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  if (fault === "signature") {
    // The holder's own edit, left with the provider's signature: what an attacker can do without the key.
    return [header, base64url(JSON.stringify({ ...claims, groups: ["lazarus-admins"], "cognito:groups": ["lazarus-admins"] })), signature].join(".");
  }
  const now = Math.floor(Date.now() / 1000);
  const changed =
    fault === "issuer"
      ? { ...claims, iss: `${issuer}/another-issuer` }
      : fault === "audience"
        ? { ...claims, aud: "another-client" }
        : { ...claims, iat: now - 7_200, exp: now - 3_600 };
  // Signed with the provider's own key: only the claim is wrong.
  const input = `${header}.${base64url(JSON.stringify(changed))}`;
  return `${input}.${base64url(sign("sha256", Buffer.from(input), signingKey))}`;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
}

const groupsBody = z.object({ groups: z.array(z.string().min(1)) }).strict();
const faultBody = z.object({ user: z.string().min(1), fault: z.enum(ID_TOKEN_FAULTS) }).strict();

provider.use(async (ctx: KoaContextWithOIDC, next) => {
  const groupsPath = /^\/__idp\/users\/([^/]+)\/groups$/.exec(ctx.path);
  if (groupsPath && ctx.method === "PUT") {
    const user = users.get(decodeURIComponent(groupsPath[1] ?? ""));
    const body = groupsBody.safeParse(await readJson(ctx.req));
    if (!user || !body.success) {
      ctx.status = user ? 400 : 404;
      return;
    }
    user.groups = body.data.groups;
    ctx.body = { id: user.id, groups: user.groups };
    return;
  }
  if (ctx.path === "/__idp/faults" && ctx.method === "POST") {
    const body = faultBody.safeParse(await readJson(ctx.req));
    if (!body.success || !users.has(body.data.user)) {
      ctx.status = 400;
      return;
    }
    pendingFaults.set(body.data.user, body.data.fault);
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === "/token" && ctx.status === 200 && ctx.body && typeof ctx.body === "object" && "id_token" in ctx.body) {
    const body = ctx.body as { id_token: string };
    const sub = (JSON.parse(Buffer.from(body.id_token.split(".")[1] ?? "", "base64url").toString("utf8")) as { sub?: string }).sub;
    const fault = sub ? pendingFaults.get(sub) : undefined;
    if (sub && fault) {
      pendingFaults.delete(sub);
      ctx.body = { ...body, id_token: damage(body.id_token, fault) };
    }
  }
});

const server = provider.listen(port, "127.0.0.1" as never, () => {
  console.log(`ready ${issuer}`);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
