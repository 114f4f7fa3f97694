import { z } from "zod";

/**
 * The sign-in settings that come from the environment (secrets and per-deployment
 * values; role mapping and session length live in lazarus.config.json). Read once,
 * and a bad value fails with the variable's name.
 */

export const MIN_SECRET_LENGTH = 32;
export const MIN_DEMO_PASSWORD_LENGTH = 8;
const BASE_SCOPES = ["openid", "email", "profile"];

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  name: string;
}

export interface AuthEnv {
  secret: string;
  oidc: OidcSettings | null;
  demo: { password: string } | null;
  /** Bearer token that lets a monitoring system read the routes that allow it (the protection report). */
  monitoringToken: string | null;
}

export const MIN_MONITORING_TOKEN_LENGTH = 32;

export class AuthEnvError extends Error {
  override name = "AuthEnvError";
}

/** Empty strings count as unset: `FOO=` in an env file means "not configured". */
const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const isLoopback = (url: URL) => url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";

/** zod runs every refinement even after z.url() fails, so they must not assume a URL. */
function urlOrNull(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

const issuerUrl = z
  .url("must be a URL such as https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123")
  .refine((v) => {
    const url = urlOrNull(v);
    return !url || url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url));
  }, "must use https (http only for localhost)")
  .refine((v) => !urlOrNull(v)?.search && !urlOrNull(v)?.hash, "must not have a query or fragment")
  .transform((v) => v.replace(/\/+$/, ""));

const scopeList = z
  .string()
  .transform((v) => v.split(/[\s,]+/).filter(Boolean))
  .refine((scopes) => scopes.every((s) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)), "must be scope names separated by spaces or commas");

const envSchema = z.object({
  NEXTAUTH_SECRET: z
    .string({ error: `is required: a random string of at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`)` })
    .trim()
    .min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`),
  NEXTAUTH_URL: optional.pipe(
    z
      .url("must be the console's URL, e.g. https://lazarus.example.com")
      .refine((v) => /^https?:$/.test(urlOrNull(v)?.protocol ?? "https:"), "must be an http or https URL")
      .optional(),
  ),
  LAZARUS_OIDC_ISSUER: optional.pipe(issuerUrl.optional()),
  LAZARUS_OIDC_CLIENT_ID: optional,
  LAZARUS_OIDC_CLIENT_SECRET: optional,
  LAZARUS_OIDC_SCOPES: optional.pipe(scopeList.optional()),
  LAZARUS_OIDC_NAME: optional.pipe(z.string().max(60, "must be at most 60 characters").optional()),
  LAZARUS_DEMO_USERS: optional.pipe(z.enum(["true", "false"], { error: 'must be "true" or "false"' }).optional()),
  LAZARUS_DEMO_PASSWORD: z.string().optional(),
  LAZARUS_MONITORING_TOKEN: optional.pipe(
    z
      .string()
      .min(MIN_MONITORING_TOKEN_LENGTH, `must be at least ${MIN_MONITORING_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`)
      .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces: it is sent in an Authorization header")
      .optional(),
  ),
});

const OIDC_REQUIRED = ["LAZARUS_OIDC_ISSUER", "LAZARUS_OIDC_CLIENT_ID", "LAZARUS_OIDC_CLIENT_SECRET"] as const;

function fail(lines: string[]): never {
  throw new AuthEnvError(`Invalid sign-in settings in the environment:\n${lines.map((l) => `  - ${l}`).join("\n")}`);
}

export function readAuthEnv(env: Readonly<Record<string, string | undefined>> = process.env): AuthEnv {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) fail(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  const e = parsed.data;

  const problems: string[] = [];
  const oidcSet = OIDC_REQUIRED.filter((name) => e[name] !== undefined);
  if (oidcSet.length > 0 && oidcSet.length < OIDC_REQUIRED.length) {
    const missing = OIDC_REQUIRED.filter((name) => e[name] === undefined);
    problems.push(`${missing.join(", ")}: required because ${oidcSet.join(", ")} ${oidcSet.length === 1 ? "is" : "are"} set (OIDC needs all three)`);
  }
  const demoEnabled = e.LAZARUS_DEMO_USERS === "true";
  const demoPassword = e.LAZARUS_DEMO_PASSWORD ?? "";
  if (demoEnabled && demoPassword.length < MIN_DEMO_PASSWORD_LENGTH) {
    problems.push(`LAZARUS_DEMO_PASSWORD: must be at least ${MIN_DEMO_PASSWORD_LENGTH} characters when LAZARUS_DEMO_USERS=true`);
  }
  const { LAZARUS_OIDC_ISSUER: issuer, LAZARUS_OIDC_CLIENT_ID: clientId, LAZARUS_OIDC_CLIENT_SECRET: clientSecret } = e;
  const oidc = issuer && clientId && clientSecret ? { issuer, clientId, clientSecret } : null;
  if (problems.length === 0 && !oidc && !demoEnabled) {
    problems.push(
      "no way to sign in: set LAZARUS_OIDC_ISSUER, LAZARUS_OIDC_CLIENT_ID and LAZARUS_OIDC_CLIENT_SECRET, or LAZARUS_DEMO_USERS=true with LAZARUS_DEMO_PASSWORD for local demo users",
    );
  }
  if (problems.length > 0) fail(problems);

  const extraScopes = e.LAZARUS_OIDC_SCOPES ?? [];
  return {
    secret: e.NEXTAUTH_SECRET,
    oidc: oidc
      ? { ...oidc, scope: [...new Set([...BASE_SCOPES, ...extraScopes])].join(" "), name: e.LAZARUS_OIDC_NAME ?? "Single sign-on" }
      : null,
    demo: demoEnabled ? { password: demoPassword } : null,
    monitoringToken: e.LAZARUS_MONITORING_TOKEN ?? null,
  };
}
