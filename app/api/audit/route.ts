import { ArchiveInputError, parseDay } from "@/lib/archive/archive-reader";
import { auditBrowserQuerySchema, MAX_AUDIT_RANGE_DAYS, resolveAuditQuery } from "@/lib/audit/audit-filter";
import { listAuditEntries, queryAuditEntries } from "@/lib/audit/audit-log";
import { json, route } from "@/lib/http/route";
import { rangeDayCount } from "@/lib/reports/report-range";

/**
 * The audit log, read-only (there is no route that changes or removes an entry).
 * `?date=` alone pages through one UTC day as before; `from`/`to` and the filters
 * (actor, action, service, outcome) read only the days in range that have entries.
 */
export const GET = route({ permission: "audit:read", query: auditBrowserQuerySchema }, async ({ query, config, aws }) => {
  const filtered = query.from || query.to || query.actor || query.action || query.service || query.outcome || query.key;
  if (query.date && !filtered) {
    return json(
      await listAuditEntries(aws().s3, config, {
        day: parseDay(query.date),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
      }),
    );
  }
  const { from, to, filter } = resolveAuditQuery(query, new Date().toISOString().slice(0, 10));
  parseDay(from);
  parseDay(to);
  if (rangeDayCount({ from, to }) > MAX_AUDIT_RANGE_DAYS) throw new ArchiveInputError(`the range covers more than ${MAX_AUDIT_RANGE_DAYS} days`);
  return json(
    await queryAuditEntries(aws().s3, config, {
      from,
      to,
      filter,
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
    }),
  );
});
