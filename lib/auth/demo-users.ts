import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { MIN_DEMO_PASSWORD_LENGTH } from "./env";
import { ROLE_LABELS, ROLES, type Role, type SessionUser } from "./roles";

/**
 * One local user per role for the demo and the browser tests. Off unless
 * LAZARUS_DEMO_USERS=true and LAZARUS_DEMO_PASSWORD is set; all four share that
 * password, which never appears in the page or the bundle.
 */

export const DEMO_PROVIDER_ID = "demo";
export const DEMO_EMAIL_DOMAIN = "demo.lazarus";

export type DemoUser = SessionUser;

/** Roles with a second demo user, so that a four-eyes approval can be asked by one and given by another (docs/APPROVALS.md). */
export const SECOND_DEMO_ROLES = ["compliance", "admin"] as const satisfies readonly Role[];

export const DEMO_USERS: readonly DemoUser[] = [
  ...ROLES.map((role) => ({
    id: `demo:${role}`,
    email: `${role}@${DEMO_EMAIL_DOMAIN}`,
    name: `Demo ${ROLE_LABELS[role].toLowerCase()}`,
    role,
  })),
  ...SECOND_DEMO_ROLES.map((role) => ({
    id: `demo:${role}-2`,
    email: `${role}2@${DEMO_EMAIL_DOMAIN}`,
    name: `Demo second ${ROLE_LABELS[role].toLowerCase()}`,
    role,
  })),
];

/** How the sign-in page names a demo user's button: "admin", or "second admin". */
export function demoUserLabel(user: DemoUser): string {
  return user.id.endsWith("-2") ? `second ${user.role}` : user.role;
}

export function areDemoUsersEnabled(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env.LAZARUS_DEMO_USERS?.trim() === "true" && (env.LAZARUS_DEMO_PASSWORD ?? "").length >= MIN_DEMO_PASSWORD_LENGTH;
}

/** The demo users when they are enabled, else none: for the sign-in page and the demo script. */
export function demoUsers(env: Readonly<Record<string, string | undefined>> = process.env): DemoUser[] {
  return areDemoUsersEnabled(env) ? DEMO_USERS.map((u) => ({ ...u })) : [];
}

export function findDemoUser(id: string): DemoUser | null {
  const user = DEMO_USERS.find((u) => u.id === id);
  return user ? { ...user } : null;
}

export function findDemoUserByEmail(email: string): DemoUser | null {
  const user = DEMO_USERS.find((u) => u.email === email.trim().toLowerCase());
  return user ? { ...user } : null;
}

const credentialsSchema = z.object({ email: z.string().max(320), password: z.string().max(1024) });

/** Digests first so the comparison takes the same time whatever the lengths. */
function passwordsMatch(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

export function authorizeDemoUser(credentials: unknown, password: string): DemoUser | null {
  const parsed = credentialsSchema.safeParse(credentials);
  if (!parsed.success) return null;
  const user = findDemoUserByEmail(parsed.data.email);
  const matches = passwordsMatch(parsed.data.password, password);
  return user && matches ? user : null;
}
