import type { AuthConfig } from "../config/schema";
import { highestRole, ROLES, type Role } from "./roles";

/**
 * The role an OIDC user gets, from the ID token's claims and `auth.roles` in the
 * config: every rule the user matches (a group in the groups claim, or their email)
 * gives a role, and the highest wins. No match means no role: the user is refused
 * at sign-in rather than quietly made a viewer, so access is always granted on
 * purpose and an IdP misconfiguration shows up as a clear refusal.
 */

export type RoleMappingConfig = Pick<AuthConfig, "groupsClaim" | "roles">;

export interface RoleMatch {
  role: Role | null;
  groups: string[];
  email: string | null;
}

/** Arrays of strings, or one string (some IdPs send a single group that way). */
export function groupsFromClaims(claims: Record<string, unknown>, claim: string): string[] {
  const value = claims[claim];
  if (typeof value === "string") return value ? [value] : [];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string" && g.length > 0);
  return [];
}

/**
 * An email counts only when the IdP has not said it is unverified (Cognito sends
 * email_verified as the string "false"). Entra ID sends no email_verified at all:
 * map Entra users by group or app role instead (see docs/AUTH.md).
 */
export function verifiedEmailFromClaims(claims: Record<string, unknown>): string | null {
  const email = claims.email;
  if (typeof email !== "string" || !email.includes("@")) return null;
  const verified = claims.email_verified;
  if (verified === false || verified === "false") return null;
  return email.trim().toLowerCase();
}

export function mapRole(claims: unknown, config: RoleMappingConfig): RoleMatch {
  const record = typeof claims === "object" && claims !== null ? (claims as Record<string, unknown>) : {};
  const groups = groupsFromClaims(record, config.groupsClaim);
  const email = verifiedEmailFromClaims(record);
  const granted = ROLES.filter((role) => {
    const rule = config.roles[role];
    if (!rule) return false;
    return rule.groups.some((g) => groups.includes(g)) || (email !== null && rule.emails.includes(email));
  });
  return { role: highestRole(granted), groups, email };
}
