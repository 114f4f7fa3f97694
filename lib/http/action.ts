import "server-only";
import { headers } from "next/headers";
import { unstable_rethrow } from "next/navigation";
import type { z } from "zod";
import { can, forbiddenMessage, type Permission, type SessionUser } from "../auth/roles";
import { getSessionUser } from "../auth/session";
import { loadConfig } from "../config/load";
import type { LazarusConfig } from "../config/schema";
import { consoleClients, type ConsoleClients } from "./clients";
import { toUserFacingError } from "./error-response";
import { checkSameOrigin, configuredAppOrigin } from "./same-origin";

/**
 * Server actions get the same checks as route handlers, in the same order:
 * session, role, same origin (Next lets an action through when the request has no
 * Origin header), input parsed with zod. Expected failures come back as values the
 * form can show (with field errors for bad input); nothing is thrown to the client.
 */

export const ACTION_PERMISSION: unique symbol = Symbol.for("lazarus.action-permission");

export type ActionResult<T> =
  | { ok: true; data: T }
  | { ok: false; status: number; error: { code: string; message: string }; fieldErrors?: Record<string, string[]> };

export interface ActionContext {
  user: SessionUser;
  config: LazarusConfig;
  aws: () => ConsoleClients;
}

export type ServerAction<T> = ((...args: unknown[]) => Promise<ActionResult<T>>) & { readonly [ACTION_PERMISSION]: Permission };

function failure(status: number, code: string, message: string, fieldErrors?: Record<string, string[]>): ActionResult<never> {
  return { ok: false, status, error: { code, message }, ...(fieldErrors ? { fieldErrors } : {}) };
}

/** FormData (Next's internal $ACTION_ fields dropped) or a plain value. */
function inputOf(value: unknown): unknown {
  if (typeof FormData !== "undefined" && value instanceof FormData) {
    return Object.fromEntries([...value.entries()].filter(([key]) => !key.startsWith("$ACTION")));
  }
  return value;
}

/**
 * `action(permission, schema, fn)`. The input is the last argument, so the action
 * works both when called directly and through useActionState (prevState, formData).
 */
export function action<S extends z.ZodType, T>(
  permission: Permission,
  schema: S,
  fn: (input: z.output<S>, context: ActionContext) => Promise<T>,
): ServerAction<T> {
  const wrapped = async (...args: unknown[]): Promise<ActionResult<T>> => {
    try {
      const user = await getSessionUser();
      if (!user) return failure(401, "unauthenticated", "Sign in to use Lazarus.");
      if (!can(user.role, permission)) return failure(403, "forbidden", forbiddenMessage(user.role, permission));
      const origin = checkSameOrigin(await headers(), configuredAppOrigin());
      if (!origin.ok) return failure(403, "cross-site-request", origin.message);
      const parsed = schema.safeParse(inputOf(args.at(-1)));
      if (!parsed.success) {
        const fieldErrors: Record<string, string[]> = {};
        for (const issue of parsed.error.issues) (fieldErrors[issue.path.join(".") || "_"] ??= []).push(issue.message);
        return failure(400, "invalid-input", "Some fields are not valid.", fieldErrors);
      }
      const config = loadConfig();
      return { ok: true, data: await fn(parsed.data, { user, config, aws: () => consoleClients(config) }) };
    } catch (error) {
      // redirect() and notFound() inside an action are control flow, not failures.
      unstable_rethrow(error);
      const { status, code, message } = toUserFacingError(error);
      return failure(status, code, message);
    }
  };
  return Object.assign(wrapped, { [ACTION_PERMISSION]: permission } as const);
}

export function actionPermissionOf(fn: unknown): Permission | undefined {
  return typeof fn === "function" ? (fn as Partial<Record<typeof ACTION_PERMISSION, Permission>>)[ACTION_PERMISSION] : undefined;
}
