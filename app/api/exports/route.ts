import { exportHeaders, startDeletionExport } from "@/lib/exports/deletion-export";
import { exportRequestSchema } from "@/lib/exports/export-format";
import { route } from "@/lib/http/route";
import { principalFromParams } from "@/lib/attribution/principal-filter";
import { resolveReportScope } from "@/lib/reports/report-scope";

/**
 * Streams a deletion report's records as CSV or JSON Lines. POST: it writes to the
 * audit log and the manifest store. The manifest is fetched afterwards from
 * /api/exports/{id}/manifest (the id is in the X-Lazarus-Export-Id header).
 */
export const POST = route({ permission: "report:export", body: exportRequestSchema }, async ({ body, user, config, aws }) => {
  const now = new Date();
  const { services, range } = resolveReportScope(config, body, now);
  const principal = principalFromParams(body);
  const started = await startDeletionExport(aws().s3, config, { services, range, format: body.format, columns: body.columns, items: body.items, principal, actor: user }, now);
  return new Response(started.stream, { status: 200, headers: exportHeaders(started) });
});
