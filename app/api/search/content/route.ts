import { auditedOperation } from "@/lib/audit/audited-operation";
import { toUserFacingError } from "@/lib/http/error-response";
import { consoleAthenaClient } from "@/lib/http/clients";
import { route } from "@/lib/http/route";
import { searchWithAthena } from "@/lib/search/athena-engine";
import { contentSearchSchema, type ContentSearch } from "@/lib/search/content-query";
import { resolveServices, type SearchEvent } from "@/lib/search/local-engine";
import { searchWithAttribution } from "@/lib/search/match-attribution";
import { contentSearchAudit } from "@/lib/search/search-audit";

/**
 * A content search, streamed as NDJSON: one SearchEvent per line (progress, match,
 * problem) and a last `done` line, or an `error` line when the scan fails midway. The
 * search is audited before anything is read; closing the connection cancels the scan.
 * With search.engine "athena", sealed days run as an Athena query (docs/SEARCH.md).
 */
export const POST = route({ permission: "archive:read", body: contentSearchSchema }, async ({ request, user, body, config, aws }) => {
  resolveServices(config, body.services);
  const s3 = aws().s3;
  const audit = auditedOperation(s3, config, contentSearchAudit(user, body));
  await audit.start();
  const encoder = new TextEncoder();
  const athena = config.search.engine === "athena" ? await consoleAthenaClient(config) : undefined;
  const events = searchWithAttribution(s3, config, body, {
    signal: request.signal,
    ...(athena ? { engine: (query: ContentSearch) => searchWithAthena(s3, athena, config, query, { signal: request.signal }) } : {}),
  });
  // A reader that goes away (a tab navigated elsewhere) cancels while a read is under way;
  // that read's answer then has nowhere to go, and the audit already says "cancelled".
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await events.next();
        if (cancelled) return;
        if (next.done) {
          controller.close();
          return;
        }
        const event: SearchEvent = next.value;
        controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
        if (event.type === "done") {
          await audit.finish("succeeded", `${event.outcome}: ${event.progress.matches} matches`, {
            outcome: event.outcome,
            matches: event.progress.matches,
            bytesScanned: event.progress.bytesScanned,
            ...(event.progress.athena ? { athenaBytesScanned: event.progress.athena.bytesScanned, athenaCostUsd: event.progress.athena.costUsd } : {}),
          });
        }
      } catch (error) {
        if (cancelled) return;
        const facing = toUserFacingError(error);
        await audit.finish("failed", facing.message);
        controller.enqueue(encoder.encode(`${JSON.stringify({ type: "error", status: facing.status, message: facing.message })}\n`));
        controller.close();
      }
    },
    async cancel() {
      cancelled = true;
      await events.return(undefined);
      await audit.finish("succeeded", "cancelled by the user", { outcome: "cancelled" });
    },
  });
  return new Response(stream, { status: 200, headers: { "Content-Type": "application/x-ndjson; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no" } });
});
