import { startDrillEvidenceExport, evidenceQuerySchema } from "@/lib/drills/drill-evidence";
import { exportHeaders } from "@/lib/exports/deletion-export";
import { requireService } from "@/lib/http/inputs";
import { route } from "@/lib/http/route";

/**
 * A quarter's drill reports as CSV or JSON Lines, streamed, with a manifest. A GET so a
 * plain download link works; like the other exports it only appends to the audit log.
 */
export const GET = route({ permission: "drills", query: evidenceQuerySchema }, async ({ query, user, config, aws }) => {
  const services = query.service ? [requireService(config, query.service).name] : (config.drills?.services.map((d) => d.service) ?? []);
  const started = await startDrillEvidenceExport(aws().s3, config, { quarter: query.quarter, format: query.format, services, actor: user });
  return new Response(started.stream, { status: 200, headers: exportHeaders(started) });
});
