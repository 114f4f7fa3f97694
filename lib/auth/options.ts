import "server-only";
import type { NextAuthOptions, Session } from "next-auth";
import type { JWT } from "next-auth/jwt";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig, Provider } from "next-auth/providers/index";
import type { UserinfoEndpointHandler } from "next-auth/providers/oauth";
import { z } from "zod";
import { loadConfig } from "../config/load";
import type { AuthConfig } from "../config/schema";
import { safeRedirectUrl } from "./callback-url";
import { authCookies, isServedOverHttps } from "./cookies";
import { authorizeDemoUser, DEMO_PROVIDER_ID, demoUsers, findDemoUser, type DemoUser } from "./demo-users";
import { readAuthEnv, type AuthEnv } from "./env";
import { mapRole } from "./role-mapping";
import { ROLES, type SessionUser } from "./roles";

export { demoUsers, type DemoUser };

export const OIDC_PROVIDER_ID = "oidc";
export const SIGN_IN_PATH = "/signin";
/** The sign-in page's `?error=` for an OIDC user who maps to no role. */
export const NO_ROLE_ERROR = "NoRole";

/** What Lazarus keeps in the (encrypted) session JWT besides next-auth's own claims. */
const lazarusClaims = z.object({
  uid: z.string().min(1),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  provider: z.string().min(1),
  /** Epoch seconds: the session ends sessionHours after this, however active the user is. */
  signedInAt: z.number().int().positive(),
  /** The provider's ID token, kept only when sign-out must end the provider's session (its id_token_hint). */
  idToken: z.string().min(1).optional(),
});
type LazarusClaims = z.infer<typeof lazarusClaims>;

const tokenSchema = z.object({ lazarus: lazarusClaims });

/** Thrown from the jwt callback: next-auth then clears the cookie and the user is signed out. */
class SessionEndedError extends Error {
  override name = "SessionEndedError";
}

/**
 * The claims role mapping reads: the validated ID token's, completed by userinfo's.
 * A standards-compliant provider returns the claims of the `email`, `profile` and
 * custom scopes (such as Okta's `groups`) from userinfo, not in the ID token, when the
 * flow also issues an access token (OpenID Connect Core 5.4); Cognito and Entra ID put
 * theirs in the ID token. The ID token's values win; userinfo must name the same
 * subject (openid-client checks). Without userinfo (no endpoint, or it refuses the
 * access token, as Entra's does for a token meant for another API) the ID token stands alone.
 */
type UserinfoContext = Parameters<NonNullable<UserinfoEndpointHandler["request"]>>[0];

/** next-auth hands over openid-client's TokenSet, whose claims() are the ID token's, validated; its type names only the fields. */
function idTokenClaims(tokens: object): Record<string, unknown> {
  const claims: unknown = "claims" in tokens && typeof tokens.claims === "function" ? (tokens.claims as () => unknown).call(tokens) : null;
  if (typeof claims !== "object" || claims === null) throw new Error("the identity provider's token response has no ID token");
  return claims as Record<string, unknown>;
}

export async function identityClaims({ tokens, client }: Pick<UserinfoContext, "tokens" | "client">): Promise<Record<string, unknown>> {
  const fromIdToken = idTokenClaims(tokens);
  if (!client.issuer.metadata.userinfo_endpoint || !tokens.access_token) return fromIdToken;
  let fromUserinfo: Record<string, unknown>;
  try {
    fromUserinfo = (await client.userinfo(tokens.access_token)) as Record<string, unknown>;
  } catch (error) {
    console.warn(`[lazarus] the identity provider's userinfo endpoint failed; using the ID token's claims alone: ${error instanceof Error ? `${error.name}: ${error.message}` : "unknown error"}`);
    return fromIdToken;
  }
  // Claims about someone else must never complete this user's (OpenID Connect Core 5.3.2).
  if (fromUserinfo.sub !== fromIdToken.sub) throw new Error("the identity provider's userinfo names another subject than the ID token");
  return { ...fromUserinfo, ...fromIdToken };
}

function oidcProvider(oidc: NonNullable<AuthEnv["oidc"]>): OAuthConfig<Record<string, unknown>> {
  return {
    id: OIDC_PROVIDER_ID,
    name: oidc.name,
    type: "oauth",
    wellKnown: `${oidc.issuer}/.well-known/openid-configuration`,
    clientId: oidc.clientId,
    clientSecret: oidc.clientSecret,
    authorization: { params: { scope: oidc.scope } },
    idToken: true,
    checks: ["pkce", "state"],
    userinfo: { request: identityClaims },
    profile(claims) {
      const text = (key: string) => {
        const value = claims[key];
        return typeof value === "string" && value ? value : undefined;
      };
      const sub = text("sub");
      if (!sub) throw new Error("the identity provider's ID token has no sub claim");
      const email = text("email") ?? null;
      return {
        id: sub,
        email,
        name: text("name") ?? text("preferred_username") ?? text("cognito:username") ?? email ?? sub,
        image: null,
      };
    },
  };
}

function demoProvider(password: string): Provider {
  return CredentialsProvider({
    id: DEMO_PROVIDER_ID,
    name: "Demo users",
    credentials: {
      email: { label: "Email", type: "email" },
      password: { label: "Password", type: "password" },
    },
    async authorize(credentials) {
      return authorizeDemoUser(credentials, password);
    },
  });
}

function claimsAtSignIn(
  input: { user: { id: string; email?: string | null; name?: string | null }; account: { provider: string; id_token?: string }; profile?: unknown },
  env: AuthEnv,
  auth: AuthConfig,
  now: number,
): LazarusClaims {
  const { user, account } = input;
  if (account.provider === DEMO_PROVIDER_ID) {
    const demo = env.demo ? findDemoUser(user.id) : null;
    if (!demo) throw new SessionEndedError("demo users are not enabled");
    return { uid: demo.id, email: demo.email, name: demo.name, role: demo.role, provider: DEMO_PROVIDER_ID, signedInAt: now };
  }
  const { role, email } = mapRole(input.profile, auth);
  if (!role) throw new SessionEndedError("the user maps to no Lazarus role");
  return {
    uid: `${OIDC_PROVIDER_ID}:${user.id}`,
    email: email ?? user.email ?? "",
    name: user.name ?? email ?? user.id,
    role,
    provider: account.provider,
    signedInAt: now,
    ...(auth.endProviderSession && account.id_token ? { idToken: account.id_token } : {}),
  };
}

/** The claims of a session that is still valid, or a SessionEndedError. */
function checkSessionClaims(token: unknown, env: AuthEnv, auth: AuthConfig, now: number): LazarusClaims {
  const parsed = tokenSchema.safeParse(token);
  if (!parsed.success) throw new SessionEndedError("the session token does not carry a Lazarus role");
  const claims = parsed.data.lazarus;
  if (now - claims.signedInAt >= auth.sessionHours * 3600) throw new SessionEndedError("the session is older than auth.sessionHours");
  if (claims.provider === DEMO_PROVIDER_ID && !env.demo) throw new SessionEndedError("demo users have been disabled");
  if (claims.provider !== DEMO_PROVIDER_ID && claims.provider !== OIDC_PROVIDER_ID) throw new SessionEndedError("unknown sign-in provider");
  return claims;
}

export function buildAuthOptions(env: AuthEnv, auth: AuthConfig, secure = isServedOverHttps()): NextAuthOptions {
  const maxAge = Math.round(auth.sessionHours * 3600);
  const providers: Provider[] = [];
  if (env.oidc) providers.push(oidcProvider(env.oidc));
  if (env.demo) providers.push(demoProvider(env.demo.password));
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  return {
    secret: env.secret,
    providers,
    session: { strategy: "jwt", maxAge },
    jwt: { maxAge },
    pages: { signIn: SIGN_IN_PATH, error: SIGN_IN_PATH },
    useSecureCookies: secure,
    cookies: authCookies(secure),
    callbacks: {
      async redirect(params) {
        return safeRedirectUrl(params);
      },
      async signIn({ account, profile }) {
        if (account?.provider === OIDC_PROVIDER_ID && !mapRole(profile, auth).role) return `${SIGN_IN_PATH}?error=${NO_ROLE_ERROR}`;
        return true;
      },
      async jwt({ token, user, account, profile }): Promise<JWT> {
        if (account && user) return { ...token, lazarus: claimsAtSignIn({ user, account, profile }, env, auth, nowSeconds()) };
        checkSessionClaims(token, env, auth, nowSeconds());
        return token;
      },
      async session({ session, token }): Promise<Session> {
        const claims = checkSessionClaims(token, env, auth, nowSeconds());
        const user: SessionUser = { id: claims.uid, email: claims.email, name: claims.name, role: claims.role };
        const endsAt = new Date((claims.signedInAt + maxAge) * 1000);
        const expires = new Date(session.expires) < endsAt ? session.expires : endsAt.toISOString();
        return { expires, user };
      },
    },
    logger: {
      error(code, metadata) {
        // An expired or revoked session is routine, not an error worth a stack trace.
        if (code === "JWT_SESSION_ERROR" && metadata instanceof SessionEndedError) return;
        // Name and message only: OAuth error metadata can carry tokens.
        const error = metadata instanceof Error ? metadata : metadata.error;
        console.error(`[next-auth][error][${code}]`, error?.name, error?.message);
      },
      warn(code) {
        console.warn(`[next-auth][warn][${code}]`);
      },
      debug() {},
    },
  };
}

let cached: NextAuthOptions | undefined;

/** The options for this process, from the environment and lazarus.config.json, validated once. */
export function getAuthOptions(): NextAuthOptions {
  cached ??= buildAuthOptions(getAuthEnv(), loadConfig().auth);
  return cached;
}

let cachedEnv: AuthEnv | undefined;
export function getAuthEnv(): AuthEnv {
  cachedEnv ??= readAuthEnv();
  return cachedEnv;
}

/** What the sign-in page may show: names only, never secrets. */
export function signInMethods(): { oidc: { id: string; name: string } | null; demoUsers: DemoUser[] } {
  const env = getAuthEnv();
  return { oidc: env.oidc ? { id: OIDC_PROVIDER_ID, name: env.oidc.name } : null, demoUsers: env.demo ? demoUsers() : [] };
}
