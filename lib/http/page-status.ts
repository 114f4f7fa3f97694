import { parseDay, UnsafeArchiveKeyError, validateArchiveKey } from "../archive/archive-input";
import { approvalIdSchema } from "../approvals/approval-types";
import { readAuditPageQuery } from "../audit/audit-filter";
import { can, type Permission, type Role } from "../auth/roles";
import { findService } from "../config/load";
import { readReportPage } from "../reports/report-scope";
import { readIncidentPage } from "../incidents/incident-params";
import type { LazarusConfig } from "../config/schema";
import { calendarParamsSchema, dayFilterSchema, parseParams, recordParamsSchema, searchParamsSchema } from "../../components/routing/search-params";

/**
 * The HTTP status of a page request, decided from the URL and the role alone, before
 * the page renders. A page streams its HTML (skeletons first), and once streaming has
 * begun the status is fixed at 200; so what the address alone decides (a role that may
 * not open the page, an unknown service, a malformed parameter) is decided here, and
 * the page still renders the panel that explains it. What needs the archive (a record
 * that does not exist) the page decides itself before it streams.
 *
 * The checks are the pages' own: the same schemas and validators, called the same way.
 */

export type PageSearchParams = Record<string, string | string[] | undefined>;

interface PageRule {
  pattern: RegExp;
  permission: Permission;
  /** 400 or 404 for what the page will refuse; undefined when the page decides. */
  check?: (params: string[], query: PageSearchParams, config: LazarusConfig) => 400 | 404 | undefined;
}

const SEGMENT = "([^/]+)";

function knownService(config: LazarusConfig, name: string | undefined) {
  return name !== undefined ? findService(config, name) : undefined;
}

function isValid(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch {
    return false;
  }
}

export const PAGE_RULES: readonly PageRule[] = [
  { pattern: /^\/$/, permission: "archive:read" },
  { pattern: /^\/search$/, permission: "archive:read", check: (_, query, config) => searchStatus(query, config) },
  { pattern: /^\/audit$/, permission: "audit:read", check: (_, query) => (readAuditPageQuery(query, new Date().toISOString().slice(0, 10)).problem ? 400 : undefined) },
  { pattern: /^\/reports$/, permission: "report:export", check: (_, query, config) => (readReportPage(config, query, new Date()).problem ? 400 : undefined) },
  { pattern: /^\/incidents$/, permission: "incidents", check: (_, query) => (readIncidentPage(query).problem ? 400 : undefined) },
  { pattern: /^\/dlq$/, permission: "dlq" },
  { pattern: /^\/erasure$/, permission: "erasure" },
  { pattern: /^\/bulk-restore$/, permission: "bulk-restore" },
  { pattern: new RegExp(`^/bulk-restore/${SEGMENT}$`), permission: "bulk-restore" },
  { pattern: /^\/pitr$/, permission: "pitr" },
  { pattern: /^\/approvals$/, permission: "approvals" },
  { pattern: /^\/drills$/, permission: "drills" },
  { pattern: new RegExp(`^/approvals/${SEGMENT}$`), permission: "approvals", check: ([id]) => (approvalIdSchema.safeParse(id).success ? undefined : 404) },
  { pattern: new RegExp(`^/pitr/${SEGMENT}$`), permission: "pitr" },
  { pattern: /^\/protection$/, permission: "archive:read" },
  { pattern: new RegExp(`^/protection/${SEGMENT}$`), permission: "archive:read", check: ([name], _, config) => (knownService(config, name) ? undefined : 404) },
  {
    pattern: new RegExp(`^/services/${SEGMENT}$`),
    permission: "archive:read",
    check: ([name], query, config) => (!knownService(config, name) ? 404 : parseParams(calendarParamsSchema, query).ok ? undefined : 400),
  },
  {
    pattern: new RegExp(`^/services/${SEGMENT}/days/${SEGMENT}$`),
    permission: "archive:read",
    check: ([name, date], query, config) => {
      if (!knownService(config, name)) return 404;
      return isValid(() => parseDay(date ?? "")) && parseParams(dayFilterSchema, query).ok ? undefined : 400;
    },
  },
  {
    pattern: new RegExp(`^/services/${SEGMENT}/record$`),
    permission: "archive:read",
    check: ([name], query, config) => {
      const service = knownService(config, name);
      if (!service) return 404;
      // The bare route is what the client router prefetches for every record link (it drops the
      // query); refusing it fails each prefetch. The page itself still shows what is missing.
      if (Object.keys(query).length === 0) return undefined;
      const parsed = parseParams(recordParamsSchema, query);
      if (!parsed.ok) return 400;
      try {
        validateArchiveKey(config, service, parsed.data.key);
        return undefined;
      } catch (error) {
        // Such a name may be a legacy object's own: the page asks the bucket.
        return error instanceof UnsafeArchiveKeyError ? undefined : 400;
      }
    },
  },
];

function searchStatus(query: PageSearchParams, config: LazarusConfig): 400 | undefined {
  const parsed = parseParams(searchParamsSchema, query);
  if (!parsed.ok) return 400;
  return parsed.data.service === "all" || knownService(config, parsed.data.service) ? undefined : 400;
}

/** Search params as a page receives them: a repeated name becomes an array. */
export function pageSearchParams(search: URLSearchParams): PageSearchParams {
  const query: PageSearchParams = {};
  for (const [name, value] of search) {
    const seen = query[name];
    query[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return query;
}

/**
 * 403, 404 or 400 for a page request the page will refuse; undefined when the page
 * answers 200 or decides itself. A path no page serves is left to Next (its 404).
 */
export function pageStatus(pathname: string, search: URLSearchParams, role: Role, config: LazarusConfig): 400 | 403 | 404 | undefined {
  const path = pathname.length > 1 ? pathname.replace(/\/$/, "") : pathname;
  for (const rule of PAGE_RULES) {
    const match = rule.pattern.exec(path);
    if (!match) continue;
    if (!can(role, rule.permission)) return 403;
    let params: string[];
    try {
      params = match.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      return 400;
    }
    return rule.check?.(params, pageSearchParams(search), config);
  }
  return undefined;
}
