import "server-only";
import type { NextRequest } from "next/server";
import type { z } from "zod";
import { checkMonitoringToken, MONITORING_PRINCIPAL } from "../auth/monitoring-token";
import { getAuthEnv } from "../auth/options";
import { can, forbiddenMessage, type Permission, type SessionUser } from "../auth/roles";
import { getSessionUser } from "../auth/session";
import { loadConfig } from "../config/load";
import type { LazarusConfig } from "../config/schema";
import { consoleClients, type ConsoleClients } from "./clients";
import { errorResponse, formatZodIssues, HttpError, jsonError } from "./error-response";
import { readJsonBody } from "./request-body";
import { checkSameOrigin, configuredAppOrigin } from "./same-origin";
import { withApiSecurityHeaders } from "./security-headers";

/**
 * The one wrapper every route handler goes through, in this order: session (401),
 * role (403), same-origin for state-changing methods (403), params / query / body
 * parsed with zod (400), then the handler; anything thrown goes through the one
 * error mapping. The wrapped function carries its permission under ROUTE_PERMISSION
 * so a test can list every handler and what it needs. A route with `monitoring: true`
 * (GET only) also accepts the monitoring bearer token in place of a session.
 */

export const ROUTE_PERMISSION: unique symbol = Symbol.for("lazarus.route-permission");

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export interface RouteContext<P, Q, B> {
  request: NextRequest;
  user: SessionUser;
  params: P;
  query: Q;
  body: B;
  config: LazarusConfig;
  /** Created on first use, shared by the process. */
  aws: () => ConsoleClients;
}

export interface RouteOptions<P, Q, B> {
  permission: Permission;
  /** Also reachable with `Authorization: Bearer $LAZARUS_MONITORING_TOKEN`, as a viewer. For read-only GETs. */
  monitoring?: boolean;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
}

/** Next passes dynamic segments as a promise; assignable from every route's own param map. */
export interface NextRouteContext {
  params: Promise<Record<string, string | string[] | undefined>>;
}

export type RouteHandler = ((request: NextRequest, context: NextRouteContext) => Promise<Response>) & {
  readonly [ROUTE_PERMISSION]: Permission;
};

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, "invalid-input", `Invalid ${where}: ${formatZodIssues(result.error)}`);
  return result.data;
}

/** Unknown fields are refused: a misspelt option silently ignored is how a restore does something else than asked. */
function parseQuery<Q>(schema: z.ZodType<Q> | undefined, request: NextRequest): Q {
  const fields = Object.fromEntries(request.nextUrl.searchParams);
  if (schema) return parseOrThrow(schema, fields, "query");
  const unknown = Object.keys(fields);
  if (unknown.length > 0) throw new HttpError(400, "invalid-input", `Invalid query: this request takes no query parameters (${unknown.slice(0, 5).join(", ")}).`);
  return undefined as Q;
}

async function parseBody<B>(schema: z.ZodType<B> | undefined, request: NextRequest): Promise<B> {
  const method = request.method.toUpperCase();
  if (!STATE_CHANGING.has(method)) return undefined as B;
  const body = await readJsonBody(request);
  if (schema) {
    if (body === undefined) throw new HttpError(400, "invalid-input", "The request needs a JSON body.");
    return parseOrThrow(schema, body, "body");
  }
  const isEmptyObject = typeof body === "object" && body !== null && !Array.isArray(body) && Object.keys(body).length === 0;
  if (body !== undefined && !isEmptyObject) {
    const fields = typeof body === "object" && body !== null && !Array.isArray(body) ? ` (${Object.keys(body).slice(0, 5).join(", ")})` : "";
    throw new HttpError(400, "invalid-input", `Invalid body: this request takes no body${fields}.`);
  }
  return undefined as B;
}

/** The session's user; for a monitoring route, the monitoring principal when the request carries the token. */
async function authenticate(request: NextRequest, monitoring: boolean): Promise<SessionUser | "invalid-token" | null> {
  const readOnly = request.method === "GET" || request.method === "HEAD";
  if (monitoring && readOnly && request.headers.has("authorization")) {
    const token = checkMonitoringToken(request.headers, getAuthEnv().monitoringToken);
    if (token === "valid") return MONITORING_PRINCIPAL;
    if (token === "invalid") return "invalid-token";
  }
  return getSessionUser();
}

/** For checks that depend on the input (an overwrite restore needs more than a plain one). */
export function requirePermission(user: SessionUser, permission: Permission): void {
  if (!can(user.role, permission)) throw new HttpError(403, "forbidden", forbiddenMessage(user.role, permission));
}

export function route<P = undefined, Q = undefined, B = undefined>(
  options: RouteOptions<P, Q, B>,
  handler: (context: RouteContext<P, Q, B>) => Promise<Response>,
): RouteHandler {
  const wrapped = async (request: NextRequest, context: NextRouteContext): Promise<Response> =>
    withApiSecurityHeaders(await respond(request, context), request.nextUrl);
  const respond = async (request: NextRequest, context: NextRouteContext): Promise<Response> => {
    try {
      const user = await authenticate(request, options.monitoring === true);
      if (user === "invalid-token") return jsonError(401, "invalid-token", "The bearer token is not this console's monitoring token (LAZARUS_MONITORING_TOKEN).");
      if (!user) return jsonError(401, "unauthenticated", "Sign in to use Lazarus.");
      if (!can(user.role, options.permission)) return jsonError(403, "forbidden", forbiddenMessage(user.role, options.permission));
      if (STATE_CHANGING.has(request.method.toUpperCase())) {
        const origin = checkSameOrigin(request.headers, configuredAppOrigin());
        if (!origin.ok) return jsonError(403, "cross-site-request", origin.message);
      }
      const params = (options.params ? parseOrThrow(options.params, await context.params, "path") : undefined) as P;
      const query = parseQuery(options.query, request);
      const body = await parseBody(options.body, request);
      const config = loadConfig();
      return await handler({ request, user, params, query, body, config, aws: () => consoleClients(config) });
    } catch (error) {
      return errorResponse(error);
    }
  };
  return Object.assign(wrapped, { [ROUTE_PERMISSION]: options.permission } as const);
}

export function permissionOf(handler: unknown): Permission | undefined {
  return typeof handler === "function" ? (handler as Partial<Record<typeof ROUTE_PERMISSION, Permission>>)[ROUTE_PERMISSION] : undefined;
}

/** JSON that is never cached: every answer depends on the user and on live AWS state. */
export function json(data: unknown, status = 200): Response {
  return Response.json(data, { status, headers: { "Cache-Control": "no-store" } });
}
