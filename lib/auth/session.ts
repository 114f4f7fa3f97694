import "server-only";
import { getServerSession } from "next-auth";
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
 */
export async function getSessionUser(): Promise<SessionUser | null> {
  const session = await getServerSession(getAuthOptions());
  const parsed = sessionUserSchema.safeParse(session?.user);
  return parsed.success ? parsed.data : null;
}
