import { ArchiveInputError, parseDay } from "@/lib/archive/archive-reader";
import { auditBrowserQuerySchema, MAX_AUDIT_RANGE_DAYS, resolveAuditQuery } from "@/lib/audit/audit-filter";
import { startAuditExport } from "@/lib/exports/audit-export";
import { exportHeaders } from "@/lib/exports/deletion-export";
import { route } from "@/lib/http/route";
import { rangeDayCount } from "@/lib/reports/report-range";

/**
 * The filtered audit log as CSV, streamed. A GET, so the browser's plain download
 * link works; it appends "export" entries to the log and writes a manifest, both
 * harmless if another site triggers it, and the bytes never reach that site.
 */
export const GET = route({ permission: "audit:read", query: auditBrowserQuerySchema }, async ({ query, user, config, aws }) => {
  const { from, to, filter } = resolveAuditQuery(query, new Date().toISOString().slice(0, 10));
  parseDay(from);
  parseDay(to);
  if (rangeDayCount({ from, to }) > MAX_AUDIT_RANGE_DAYS) throw new ArchiveInputError(`the range covers more than ${MAX_AUDIT_RANGE_DAYS} days`);
  const started = await startAuditExport(aws().s3, config, { range: { from, to }, filter, actor: user });
  return new Response(started.stream, { status: 200, headers: exportHeaders(started) });
});
