import { randomBytes } from "node:crypto";
import { LOCAL_STACK_MAPPINGS_ENV } from "../../lib/protection/local-stack-mapping";

/**
 * The environment of a console served against the local stack: its endpoint, dummy
 * credentials, next-auth, and the ways to sign in (demo users, an OIDC provider, or both).
 */
export interface LocalConsoleSettings {
  region: string;
  endpoint: string;
  /** NEXTAUTH_URL: the address people open, which behind a proxy is not the one Next listens on. */
  publicUrl: string;
  configFile: string;
  demoPassword?: string;
  oidc?: { issuer: string; clientId: string; clientSecret: string; scopes?: string; name?: string };
}

export function localConsoleEnvironment(settings: LocalConsoleSettings, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    AWS_ENDPOINT_URL: settings.endpoint,
    AWS_REGION: settings.region,
    AWS_DEFAULT_REGION: settings.region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    NEXTAUTH_URL: settings.publicUrl,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    LAZARUS_DEMO_USERS: settings.demoPassword ? "true" : "false",
    LAZARUS_DEMO_PASSWORD: settings.demoPassword ?? "",
    LAZARUS_OIDC_ISSUER: settings.oidc?.issuer ?? "",
    LAZARUS_OIDC_CLIENT_ID: settings.oidc?.clientId ?? "",
    LAZARUS_OIDC_CLIENT_SECRET: settings.oidc?.clientSecret ?? "",
    LAZARUS_OIDC_SCOPES: settings.oidc?.scopes ?? "",
    LAZARUS_OIDC_NAME: settings.oidc?.name ?? "",
    LAZARUS_CONFIG: settings.configFile,
    NEXT_TELEMETRY_DISABLED: "1",
    // The local stack runs stream mappings itself; the protection report describes those.
    [LOCAL_STACK_MAPPINGS_ENV]: "1",
  };
  // Real credentials have no business with a local endpoint.
  for (const name of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CONTAINER_CREDENTIALS_FULL_URI"]) delete env[name];
  return env;
}
