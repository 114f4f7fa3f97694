import { z } from "zod";

/**
 * The incident view's query, as the page's URL and the API carry it. Isomorphic: the
 * form builds it, the page, the API route and the page-status rules parse it.
 *
 * Times are UTC to the minute ("2026-11-24T10:30"); the window holds every deletion from
 * the first second of `from` to the last second of `to`, so "10:30 to 10:45" includes
 * 10:45:59. `who` is "role:{role name}" (every session of the role) or
 * "principal:{label}" (one caller as the record page names it: "role/session",
 * "user/name", "root").
 */

/** Each day of the window costs a LIST of its attribution folder per service: kept to a week. */
export const MAX_INCIDENT_DAYS = 7;

const minuteText = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "must be YYYY-MM-DDTHH:MM (UTC)");

export const whoSchema = z
  .string()
  .max(600)
  .regex(/^(role|principal):.+$/, 'must be "role:{name}" or "principal:{label}"');

export const incidentQuerySchema = z
  .strictObject({
    from: minuteText,
    to: minuteText,
    who: whoSchema.optional(),
  })
  .superRefine((value, ctx) => {
    const from = minuteDate(value.from);
    const to = minuteDate(value.to);
    if (Number.isNaN(from.getTime())) ctx.addIssue({ code: "custom", path: ["from"], message: "is not a date and time" });
    if (Number.isNaN(to.getTime())) ctx.addIssue({ code: "custom", path: ["to"], message: "is not a date and time" });
    if (to < from) ctx.addIssue({ code: "custom", path: ["to"], message: "is before from" });
    if (to.getTime() - from.getTime() >= MAX_INCIDENT_DAYS * 86_400_000) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `a window spans at most ${MAX_INCIDENT_DAYS} days` });
    }
  });
export type IncidentQuery = z.infer<typeof incidentQuerySchema>;

export type Who = { kind: "role"; role: string } | { kind: "principal"; label: string };

export function minuteDate(text: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(text);
  if (!m) return new Date(Number.NaN);
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi));
  // Date.UTC rolls 25:00 over into the next day; a typed time that does not exist is refused.
  return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && date.getUTCHours() === h && date.getUTCMinutes() === mi ? date : new Date(Number.NaN);
}

/** The window as instants: from the first millisecond of `from` to the last of `to`. */
export function incidentWindow(query: Pick<IncidentQuery, "from" | "to">): { start: Date; end: Date } {
  return { start: minuteDate(query.from), end: new Date(minuteDate(query.to).getTime() + 59_999) };
}

export function parseWho(text: string | undefined): Who | undefined {
  if (!text) return undefined;
  const colon = text.indexOf(":");
  const kind = text.slice(0, colon);
  const value = text.slice(colon + 1);
  if (!value) return undefined;
  if (kind === "role") return { kind: "role", role: roleNameOf(value) };
  if (kind === "principal") return { kind: "principal", label: value };
  return undefined;
}

export function whoText(who: Who): string {
  return who.kind === "role" ? `role:${who.role}` : `principal:${who.label}`;
}

/**
 * A role named by name or by ARN ("arn:aws:iam::111122223333:role/path/name" or an
 * assumed-role ARN): the role's name, which is what the caller's label starts with.
 */
export function roleNameOf(value: string): string {
  const role = /:role\/(?:.*\/)?([^/]+)$/.exec(value);
  if (role) return role[1]!;
  const assumed = /:assumed-role\/([^/]+)\//.exec(value);
  return assumed ? assumed[1]! : value;
}

/** The role of a caller's label ("role/session"), or undefined for users, root and services. */
export function roleOfLabel(label: string): string | undefined {
  const slash = label.indexOf("/");
  if (slash <= 0) return undefined;
  const role = label.slice(0, slash);
  return role === "user" ? undefined : role;
}

export function matchesWho(label: string, who: Who): boolean {
  return who.kind === "principal" ? label === who.label : roleOfLabel(label) === who.role;
}

/** One archived deletion the incident view lists. */
export interface IncidentRecord {
  service: string;
  table: string;
  archiveKey: string;
  partitionKey: string | null;
  sortKey: string | null;
  deletedAt: string;
  principal: string;
  api: string;
  confidence: "exact" | "inferred";
}

export interface IncidentPrincipal {
  label: string;
  role?: string;
  /** Calls recorded in the window (one per deleted key named). */
  calls: number;
}

export interface IncidentResult {
  window: { start: string; end: string };
  /** Every caller seen in the window, across services, most calls first. */
  principals: IncidentPrincipal[];
  /** Roles among them, with how many sessions each. */
  roles: { role: string; sessions: number; calls: number }[];
  who?: Who;
  records: IncidentRecord[];
  /** Deletions per UTC minute and table, minutes in order; only minutes with deletions. */
  perMinute: { minute: string; counts: Record<string, number> }[];
  tables: string[];
  /** Services whose days held more matching deletions than one view lists. */
  truncated: boolean;
}

/**
 * The page's URL read as a query: nothing given is the empty form (no problem); anything
 * given must parse. Shared by the page and its page-status rule.
 */
export function readIncidentPage(params: Record<string, string | string[] | undefined>): { query?: IncidentQuery; problem?: string } {
  const fields = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== ""));
  if (Object.keys(fields).length === 0) return {};
  const parsed = incidentQuerySchema.safeParse(fields);
  if (parsed.success) return { query: parsed.data };
  return { problem: parsed.error.issues.map((i) => `${i.path.join(".") || "query"} ${i.message}`).join("; ") };
}
