import { z } from "zod";
import { keyValueText } from "../archive/attribute-value";
import { isCalendarDay, rangeDayCount } from "../reports/report-range";
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditAction, type AuditEntry, type AuditOutcome } from "./audit-entry";

/** How the audit log browser narrows entries. Isomorphic: the page's form and the API share it. */
export interface AuditFilter {
  /** Matches the actor's name, email or id, case-insensitively, anywhere in them. */
  actor?: string;
  /** One action, or any of several. */
  action?: AuditAction | readonly AuditAction[];
  service?: string;
  outcome?: AuditOutcome;
  /** Matches any of the entry's key values or its archive object name, case-insensitively, anywhere in them. */
  key?: string;
}

/** The filter's actions as a list; empty means any action. */
export function filterActions(filter: AuditFilter): readonly AuditAction[] {
  return filter.action === undefined ? [] : typeof filter.action === "string" ? [filter.action] : filter.action;
}

export function auditEntryMatches(entry: AuditEntry, filter: AuditFilter): boolean {
  const actions = filterActions(filter);
  if (actions.length > 0 && !actions.includes(entry.action)) return false;
  if (filter.outcome && entry.outcome !== filter.outcome) return false;
  if (filter.service && entry.service !== filter.service) return false;
  if (filter.actor) {
    const needle = filter.actor.toLowerCase();
    const { id, email, name } = entry.actor;
    if (![id, email, name].some((v) => v.toLowerCase().includes(needle))) return false;
  }
  if (filter.key) {
    const needle = filter.key.toLowerCase();
    const texts = [...Object.values(entry.key ?? {}).map(keyValueText), ...(entry.archiveKey ? [entry.archiveKey] : [])];
    if (!texts.some((v) => v.toLowerCase().includes(needle))) return false;
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
    // Several actions as repeated parameters (the page's checkboxes) or comma-separated (the API).
    action: z.preprocess(
      (v) => {
        const list = (Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : [v]).filter((a) => a !== "" && a !== undefined);
        return list.length === 0 ? undefined : list;
      },
      z.array(z.enum(AUDIT_ACTIONS)).max(AUDIT_ACTIONS.length).optional(),
    ),
    key: z.preprocess(blankToUndefined, z.string().max(2048).optional()),
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
    ...(query.action ? { action: [...new Set(query.action)] } : {}),
    ...(query.key ? { key: query.key } : {}),
    ...(query.service ? { service: query.service } : {}),
    ...(query.outcome ? { outcome: query.outcome } : {}),
  };
  return { from, to, filter };
}

export interface AuditPageQuery {
  /** Why the address cannot be shown, as a sentence; the page answers 400 with it. */
  problem?: string;
  from: string;
  to: string;
  filter: AuditFilter;
  cursor?: string;
}

/** The audit page's search params, read once for the page and for its status (lib/http/page-status.ts). */
export function readAuditPageQuery(query: Record<string, string | string[] | undefined>, today: string): AuditPageQuery {
  // Actions are a multi-select (repeated parameters); every other parameter counts once.
  const raw = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) && k !== "action" ? v[0] : v]));
  const parsed = auditBrowserQuerySchema.safeParse(raw);
  if (!parsed.success) {
    return { problem: parsed.error.issues.map((i) => `${i.path.join(".") || "query"} ${i.message}`).join("; "), from: today, to: today, filter: {} };
  }
  const resolved = resolveAuditQuery(parsed.data, today);
  const cursor = parsed.data.cursor !== undefined ? { cursor: parsed.data.cursor } : {};
  if (!isCalendarDay(resolved.from) || !isCalendarDay(resolved.to)) return { problem: "from and to must be calendar dates.", ...resolved, ...cursor };
  if (resolved.from > resolved.to) return { problem: "from must not be after to.", ...resolved, ...cursor };
  if (rangeDayCount(resolved) > MAX_AUDIT_RANGE_DAYS) return { problem: `the range covers more than ${MAX_AUDIT_RANGE_DAYS} days.`, ...resolved, ...cursor };
  return { ...resolved, ...cursor };
}
