import { exportHeaders } from "@/lib/exports/deletion-export";
import { searchExportRequestSchema } from "@/lib/exports/export-format";
import { startSearchExport } from "@/lib/exports/search-export";
import { route } from "@/lib/http/route";

/**
 * Streams the matches of a content search as CSV or JSON Lines. The search is run
 * again from the body (validated like POST /api/search/content), never taken from a
 * list the browser sends; audited and given a manifest like a report export.
 */
export const POST = route({ permission: "report:export", body: searchExportRequestSchema }, async ({ body, user, config, aws }) => {
  const started = await startSearchExport(aws().s3, config, { ...body, actor: user });
  return new Response(started.stream, { status: 200, headers: exportHeaders(started) });
});
