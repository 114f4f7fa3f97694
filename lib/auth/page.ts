import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { forbiddenMessage, can, type Permission, type SessionUser } from "./roles";
import { getSessionUser } from "./session";
import { safeCallbackPath } from "./callback-url";
import { PAGE_PATH_HEADER } from "./page-path";

export type PageAccess =
  | { ok: true; user: SessionUser }
  | { ok: false; status: 403; user: SessionUser; permission: Permission; message: string };

/**
 * For server components. Signed out: redirects to /signin (and back here after).
 * Signed in without the permission: returns { ok: false, status: 403, message } for
 * the page to render as a 403 panel. A value, not next's forbidden(), which still
 * needs an experimental flag; the page decides what the panel shows.
 */
export async function requirePageUser(): Promise<{ ok: true; user: SessionUser }>;
export async function requirePageUser(permission: Permission, options?: { callbackUrl?: string }): Promise<PageAccess>;
export async function requirePageUser(permission?: Permission, options: { callbackUrl?: string } = {}): Promise<PageAccess> {
  const user = await getSessionUser();
  if (!user) {
    const back = safeCallbackPath(options.callbackUrl ?? (await headers()).get(PAGE_PATH_HEADER));
    redirect(`/signin?callbackUrl=${encodeURIComponent(back)}`);
  }
  if (permission && !can(user.role, permission)) {
    return { ok: false, status: 403, user, permission, message: forbiddenMessage(user.role, permission) };
  }
  return { ok: true, user };
}
