import { z } from "zod";
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditAction, type AuditEntry, type AuditOutcome } from "./audit-entry";

/** How the audit log browser narrows entries. Isomorphic: the page's form and the API share it. */
export interface AuditFilter {
  /** Matches the actor's name, email or id, case-insensitively, anywhere in them. */
  actor?: string;
  action?: AuditAction;
  service?: string;
  outcome?: AuditOutcome;
}

export function auditEntryMatches(entry: AuditEntry, filter: AuditFilter): boolean {
  if (filter.action && entry.action !== filter.action) return false;
  if (filter.outcome && entry.outcome !== filter.outcome) return false;
  if (filter.service && entry.service !== filter.service) return false;
  if (filter.actor) {
    const needle = filter.actor.toLowerCase();
    const { id, email, name } = entry.actor;
    if (![id, email, name].some((v) => v.toLowerCase().includes(needle))) return false;
  }
  return true;
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const blankToUndefined = (v: unknown) => (v === "" ? undefined : v);

/** The browser's query string: a single `date` (the old day view) or `from`/`to`, plus filters. */
export const auditBrowserQuerySchema = z
  .strictObject({
    date: z.preprocess(blankToUndefined, z.string().regex(ISO_DAY, "must be a date as YYYY-MM-DD").optional()),
    from: z.preprocess(blankToUndefined, z.string().regex(ISO_DAY, "must be a date as YYYY-MM-DD").optional()),
    to: z.preprocess(blankToUndefined, z.string().regex(ISO_DAY, "must be a date as YYYY-MM-DD").optional()),
    actor: z.preprocess(blankToUndefined, z.string().max(200).optional()),
    action: z.preprocess(blankToUndefined, z.enum(AUDIT_ACTIONS).optional()),
    service: z.preprocess(blankToUndefined, z.string().max(63).optional()),
    outcome: z.preprocess(blankToUndefined, z.enum(AUDIT_OUTCOMES).optional()),
    cursor: z.preprocess(blankToUndefined, z.string().max(8192).optional()),
    limit: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(1000).optional()),
  })
  .refine((q) => !(q.from && q.to) || q.from <= q.to, { message: "from must not be after to", path: ["from"] });
export type AuditBrowserQuery = z.infer<typeof auditBrowserQuerySchema>;

/** A browser range spans at most this many days. */
export const MAX_AUDIT_RANGE_DAYS = 3 * 366;

/** Resolved range and filter: a single `date` wins; otherwise from/to default to today. */
export function resolveAuditQuery(query: AuditBrowserQuery, today: string): { from: string; to: string; filter: AuditFilter } {
  const from = query.date ?? query.from ?? query.to ?? today;
  const to = query.date ?? query.to ?? (query.from ? (query.from > today ? query.from : today) : today);
  const filter: AuditFilter = {
    ...(query.actor ? { actor: query.actor } : {}),
    ...(query.action ? { action: query.action } : {}),
    ...(query.service ? { service: query.service } : {}),
    ...(query.outcome ? { outcome: query.outcome } : {}),
  };
  return { from, to, filter };
}
