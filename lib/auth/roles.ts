/**
 * Who may do what. Isomorphic: the server enforces it (lib/http/route.ts,
 * lib/http/action.ts, lib/auth/page.ts) and the UI uses the same table to hide
 * what a role cannot do.
 */

/** Lowest to highest: when a user maps to several roles, the last one wins. */
export const ROLES = ["viewer", "support", "compliance", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  "archive:read",
  "glacier:retrieve",
  "record:restore",
  "record:restore-overwrite",
  "record:restore-other-table",
  "audit:read",
  "report:export",
  "erasure",
  "bulk-restore",
  "pitr",
  "dlq",
  "protection:change",
  "approvals",
  "incidents",
  "drills",
  "drills:run",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  viewer: new Set(["archive:read"]),
  support: new Set(["archive:read", "glacier:retrieve", "record:restore"]),
  compliance: new Set(["archive:read", "glacier:retrieve", "audit:read", "report:export", "erasure", "approvals", "incidents", "drills"]),
  admin: new Set(PERMISSIONS),
};

/** For messages: "Your role cannot <description>." */
export const PERMISSION_DESCRIPTIONS: Record<Permission, string> = {
  "archive:read": "browse the archive",
  "glacier:retrieve": "request retrievals of archived records from Glacier",
  "record:restore": "restore records",
  "record:restore-overwrite": "overwrite a live item when restoring",
  "record:restore-other-table": "restore into another table",
  "audit:read": "read the audit log",
  "report:export": "export deletion reports",
  erasure: "erase archived records",
  "bulk-restore": "run bulk restores",
  pitr: "start point-in-time restores",
  dlq: "replay dead-letter queues",
  "protection:change": "change table protection settings",
  approvals: "see or act on approval requests",
  incidents: "open the incident view",
  drills: "see restore drills and download their evidence",
  "drills:run": "run restore drills",
};

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** False for a missing or unknown role: a session without a role can do nothing. */
export function can(role: Role | null | undefined, permission: Permission): boolean {
  if (!isRole(role)) return false;
  return GRANTS[role].has(permission);
}

export function rolesWith(permission: Permission): Role[] {
  return ROLES.filter((role) => can(role, permission));
}

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/** The highest of several roles, or null for none. */
export function highestRole(roles: Iterable<Role>): Role | null {
  let best: Role | null = null;
  for (const role of roles) if (best === null || roleRank(role) > roleRank(best)) best = role;
  return best;
}

/** Why a role is refused, in words a person can act on. */
export function forbiddenMessage(role: Role, permission: Permission): string {
  const allowed = rolesWith(permission).map((r) => ROLE_LABELS[r].toLowerCase());
  return `Your role (${ROLE_LABELS[role].toLowerCase()}) cannot ${PERMISSION_DESCRIPTIONS[permission]}; that needs ${allowed.join(" or ")}.`;
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export const ROLE_LABELS: Record<Role, string> = {
  viewer: "Viewer",
  support: "Support",
  compliance: "Compliance",
  admin: "Admin",
};
