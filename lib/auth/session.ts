import "server-only";
import { getServerSession } from "next-auth";
import { cookies, headers } from "next/headers";
import { z } from "zod";
import { getAuthOptions } from "./options";
import { ROLES, type SessionUser } from "./roles";

const sessionUserSchema = z.object({
  id: z.string().min(1),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
});

/**
 * The signed-in user, or null. Parsed, not trusted: a session without a valid
 * role is no session, so every check downstream fails closed.
 *
 * Reading a session needs the session cookie only. The callback-url cookie is left
 * out: a page on another port or a sibling subdomain can plant a malformed one, and
 * next-auth refuses the whole request over it, which made every page answer 500.
 */
export async function getSessionUser(): Promise<SessionUser | null> {
  const options = getAuthOptions();
  const callbackCookie = options.cookies?.callbackUrl?.name;
  const [headerList, jar] = await Promise.all([headers(), cookies()]);
  const request = {
    headers: Object.fromEntries(headerList),
    cookies: Object.fromEntries(jar.getAll().flatMap((c) => (c.name === callbackCookie ? [] : [[c.name, c.value]]))),
  };
  // Nothing to set: the session is only read here, as getServerSession does in a server component.
  const response = { getHeader() {}, setCookie() {}, setHeader() {} };
  const session = await getServerSession(request as never, response as never, options);
  const parsed = sessionUserSchema.safeParse(session?.user);
  return parsed.success ? parsed.data : null;
}
