import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { actionPermissionOf } from "@/lib/http/action";
import { permissionOf } from "@/lib/http/route";
import { can, ROLES, type Role, type SessionUser } from "@/lib/auth/roles";
import { getSessionUser } from "@/lib/auth/session";
import { loadConfig } from "@/lib/config/load";

/**
 * Every route handler and server action in the app must go through the one
 * wrapper, and the wrapper must answer 401 / 403 as the role table says. New
 * routes and actions are found on disk, so forgetting the wrapper fails here.
 */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
vi.mock("next/headers", () => ({
  headers: async () => new Headers({ "sec-fetch-site": "same-origin", origin: "http://localhost:3000", host: "localhost:3000" }),
  cookies: async () => ({ get: () => undefined, getAll: () => [] }),
}));
// No handler may reach AWS from a unit test: every command fails the same way.
vi.mock("@/lib/aws/clients", () => {
  const failing = () => ({
    send: async () => {
      throw Object.assign(new Error("AWS is not available in unit tests"), { name: "UnitTestAwsStub" });
    },
    destroy: () => {},
  });
  return {
    awsEndpoint: () => undefined,
    createS3Client: failing,
    createDynamoDBClient: failing,
    createDynamoDBStreamsClient: failing,
    createSqsClient: failing,
    createLambdaClient: failing,
    createIamClient: failing,
    createSnsClient: failing,
  };
});

const ROOT = join(import.meta.dirname, "..", "..");
const HTTP_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"] as const;
/** next-auth's own endpoints make the session; they are the one route outside the wrapper. */
const EXEMPT_ROUTES = new Set([join("app", "api", "auth", "[...nextauth]", "route.ts")]);

function walk(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    if (name === "node_modules" || name.startsWith(".")) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const sourceFiles = ["app", "lib", "components"].flatMap((d) => walk(join(ROOT, d))).filter((f) => /\.(ts|tsx)$/.test(f) && !/\.test\.tsx?$/.test(f));
const routeFiles = sourceFiles
  .filter((f) => f.startsWith(join(ROOT, "app") + sep) && /(^|[/\\])route\.ts$/.test(f))
  .map((f) => relative(ROOT, f))
  .filter((f) => !EXEMPT_ROUTES.has(f))
  .sort();

/** A file whose first statement is the "use server" directive (comments before it allowed). */
function isServerActionFile(path: string): boolean {
  const text = readFileSync(path, "utf8").replace(/^(?:\s+|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*/, "");
  return /^["']use server["']/.test(text);
}
const actionFiles = sourceFiles.filter(isServerActionFile).map((f) => relative(ROOT, f)).sort();

const config = loadConfig();
const firstService = config.services[0]!.name;

/** Well-formed values for the dynamic segments, so a request gets past the path to its query and body. */
const SAMPLE_PARAMS: Record<string, string> = {
  date: "2024-01-15",
  jobId: "20240115T101500.000Z-0123456789ab",
  requestId: "20240115T101500.000Z-0123456789ab",
  exportId: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
  id: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
  category: "changed",
};

/** Fills a route's dynamic segments with values that pass the wrapper's parsing where possible. */
function paramsFor(file: string): { url: string; params: Record<string, string | string[]> } {
  const segments = file.split(sep).slice(1, -1);
  const params: Record<string, string | string[]> = {};
  const path = segments.map((segment) => {
    const catchAll = /^\[\.\.\.(.+)\]$/.exec(segment);
    if (catchAll) {
      params[catchAll[1]!] = ["x"];
      return "x";
    }
    const dynamic = /^\[(.+)\]$/.exec(segment);
    if (!dynamic) return segment;
    const name = dynamic[1]!;
    const value = SAMPLE_PARAMS[name] ?? (name === "service" ? firstService : "x");
    params[name] = value;
    return value;
  });
  return { url: `http://localhost:3000/${path.join("/")}`, params };
}

function userWith(role: Role): SessionUser {
  return { id: `test:${role}`, email: `${role}@example.com`, name: `Test ${role}`, role };
}

const session = vi.mocked(getSessionUser);

async function respond(file: string, method: string, handler: unknown, headers: Record<string, string> = {}, input: { search?: string; body?: string } = {}): Promise<Response> {
  const { url, params } = paramsFor(file);
  const request = new NextRequest(`${url}${input.search ?? ""}`, {
    method,
    headers: { "sec-fetch-site": "same-origin", origin: "http://localhost:3000", host: "localhost:3000", ...headers },
    ...(input.body !== undefined ? { body: input.body } : {}),
  });
  return (handler as (r: NextRequest, c: { params: Promise<typeof params> }) => Promise<Response>)(request, { params: Promise.resolve(params) });
}

async function call(file: string, method: string, handler: unknown, headers: Record<string, string> = {}): Promise<number> {
  return (await respond(file, method, handler, headers)).status;
}

beforeAll(() => {
  // Handlers that get past the checks fail on the AWS stub and log it; that is expected here.
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterAll(() => {
  vi.restoreAllMocks();
});

describe("route handlers", () => {
  it("finds the API routes on disk", () => {
    expect(routeFiles).toEqual(
      expect.arrayContaining([
        join("app", "api", "audit", "route.ts"),
        join("app", "api", "search", "route.ts"),
        join("app", "api", "services", "[service]", "days", "[date]", "records", "route.ts"),
        join("app", "api", "services", "[service]", "records", "compare", "route.ts"),
        join("app", "api", "services", "[service]", "records", "restore", "route.ts"),
        join("app", "api", "services", "[service]", "records", "retrieval", "route.ts"),
      ]),
    );
  });

  // The feature behind each route decides who reaches it; a route rewired to a weaker
  // permission would still answer 401/403 consistently, so the permission itself is pinned.
  const FEATURE_PERMISSIONS: [prefix: string, permission: string][] = [
    [join("app", "api", "reports"), "report:export"],
    [join("app", "api", "exports"), "report:export"],
    [join("app", "api", "audit"), "audit:read"],
    [join("app", "api", "erasure"), "erasure"],
    [join("app", "api", "bulk-restore"), "bulk-restore"],
    [join("app", "api", "pitr"), "pitr"],
    [join("app", "api", "dlq"), "dlq"],
    [join("app", "api", "protection", "[service]", "fixes"), "protection:change"],
    [join("app", "api", "protection", "recheck"), "archive:read"],
    [join("app", "api", "approvals"), "approvals"],
    [join("app", "api", "incidents"), "incidents"],
    [join("app", "api", "drills", "evidence"), "drills"],
    [join("app", "api", "drills", "run"), "drills:run"],
  ];

  it.each(FEATURE_PERMISSIONS)("every route under %s needs %s", async (prefix, expected) => {
    const files = routeFiles.filter((f) => f.startsWith(prefix + sep));
    expect(files.length, `no routes under ${prefix}`).toBeGreaterThan(0);
    for (const file of files) {
      const routeModule = (await import(/* @vite-ignore */ join(ROOT, file))) as Record<string, unknown>;
      for (const method of HTTP_METHODS.filter((m) => m in routeModule)) expect(permissionOf(routeModule[method]), `${file} ${method}`).toBe(expected);
    }
  });

  describe.each(routeFiles)("%s", (file) => {
    it("exports only wrapped HTTP handlers, each answering 401 / 403 by role", async () => {
      const routeModule = (await import(/* @vite-ignore */ join(ROOT, file))) as Record<string, unknown>;
      const methods = HTTP_METHODS.filter((m) => m in routeModule);
      expect(methods.length, `${file} exports no HTTP method`).toBeGreaterThan(0);
      for (const method of methods) {
        const handler = routeModule[method];
        const permission = permissionOf(handler);
        expect(permission, `${file} ${method} is not wrapped with route() from lib/http/route.ts`).toBeDefined();

        session.mockResolvedValue(null);
        expect(await call(file, method, handler), `${file} ${method} signed out`).toBe(401);

        for (const role of ROLES) {
          session.mockResolvedValue(userWith(role));
          const status = await call(file, method, handler);
          if (can(role, permission!)) {
            expect([401, 403], `${file} ${method} as ${role} (allowed ${permission}) answered ${status}`).not.toContain(status);
          } else {
            expect(status, `${file} ${method} as ${role} (lacks ${permission})`).toBe(403);
          }
        }
      }
    });
  });
});

describe("every route refuses what it does not know, and answers with the security headers", () => {
  const UNKNOWN = "lazarus_unknown_field";
  const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

  function expectSecurityHeaders(response: Response, what: string): void {
    expect(response.headers.get("content-security-policy"), what).toMatch(/frame-ancestors 'none'/);
    expect(response.headers.get("x-content-type-options"), what).toBe("nosniff");
    expect(response.headers.get("referrer-policy"), what).toBe("same-origin");
    expect(response.headers.get("permissions-policy"), what).toMatch(/camera=\(\)/);
  }

  it.each(routeFiles)("%s", async (file) => {
    const routeModule = (await import(/* @vite-ignore */ join(ROOT, file))) as Record<string, unknown>;
    for (const method of HTTP_METHODS.filter((m) => m in routeModule)) {
      session.mockResolvedValue(null);
      expectSecurityHeaders(await respond(file, method, routeModule[method]), `${file} ${method} signed out`);

      // As admin, so the unknown field is the only reason to refuse.
      session.mockResolvedValue(userWith("admin"));
      const attempts = [{ where: "query", search: `?${UNKNOWN}=1` }];
      if (STATE_CHANGING.has(method)) attempts.push({ where: "body", body: JSON.stringify({ [UNKNOWN]: 1 }) } as never);
      for (const attempt of attempts) {
        const response = await respond(file, method, routeModule[method], {}, attempt);
        const what = `${file} ${method} with an unknown ${attempt.where} field`;
        expect(response.status, what).toBe(400);
        expect(((await response.json()) as { error: { message: string } }).error.message, what).toContain(UNKNOWN);
        expectSecurityHeaders(response, what);
      }
    }
  });
});

describe("the monitoring token", () => {
  const TOKEN = "monitoring-token-for-the-route-authorization-test";
  /** The only handlers a monitoring system may reach without a session. */
  const MONITORING_ROUTES = new Set([`${join("app", "api", "protection", "route.ts")} GET`]);

  beforeAll(() => {
    vi.stubEnv("NEXTAUTH_SECRET", "a-secret-of-at-least-thirty-two-characters");
    vi.stubEnv("LAZARUS_DEMO_USERS", "true");
    vi.stubEnv("LAZARUS_DEMO_PASSWORD", "demo-password");
    vi.stubEnv("LAZARUS_MONITORING_TOKEN", TOKEN);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it.each(routeFiles)("%s: reached with the token only where monitoring is allowed", async (file) => {
    const routeModule = (await import(/* @vite-ignore */ join(ROOT, file))) as Record<string, unknown>;
    session.mockResolvedValue(null);
    for (const method of HTTP_METHODS.filter((m) => m in routeModule)) {
      const status = await call(file, method, routeModule[method], { authorization: `Bearer ${TOKEN}` });
      if (MONITORING_ROUTES.has(`${file} ${method}`)) {
        expect([401, 403], `${file} ${method} with the token answered ${status}`).not.toContain(status);
      } else {
        expect(status, `${file} ${method} must ignore the monitoring token`).toBe(401);
      }
    }
  });

  it("answers a wrong token with 401 invalid-token, not with the session's sign-in message", async () => {
    const file = join("app", "api", "protection", "route.ts");
    const routeModule = (await import(/* @vite-ignore */ join(ROOT, file))) as Record<string, unknown>;
    session.mockResolvedValue(null);
    for (const header of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, "Basic dXNlcjpwYXNz", `Bearer`]) {
      const response = await respond(file, "GET", routeModule.GET, { authorization: header });
      expect(response.status, header).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code, header).toBe("invalid-token");
    }
  });
});

describe("server actions", () => {
  it.each(actionFiles.length > 0 ? actionFiles : ["(none yet)"])("%s", async (file) => {
    if (file === "(none yet)") return;
    const routeModule = (await import(/* @vite-ignore */ join(ROOT, file))) as Record<string, unknown>;
    const exported = Object.entries(routeModule).filter(([, value]) => typeof value === "function");
    expect(exported.length, `${file} exports no action`).toBeGreaterThan(0);
    for (const [name, fn] of exported) {
      const permission = actionPermissionOf(fn);
      expect(permission, `${file} ${name} is not wrapped with action() from lib/http/action.ts`).toBeDefined();
      const run = fn as (input: unknown) => Promise<{ ok: boolean; status?: number }>;

      session.mockResolvedValue(null);
      expect((await run({})).status, `${file} ${name} signed out`).toBe(401);
      for (const role of ROLES) {
        session.mockResolvedValue(userWith(role));
        const result = await run({});
        if (can(role, permission!)) {
          expect([401, 403], `${file} ${name} as ${role}`).not.toContain(result.ok ? 200 : result.status);
        } else {
          expect(result.status, `${file} ${name} as ${role} (lacks ${permission})`).toBe(403);
        }
      }
    }
  });
});
