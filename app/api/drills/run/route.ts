import { z } from "zod";
import type { DrillRunState, DrillStarted } from "@/lib/drills/drill-report";
import { drillSettings, startDrill } from "@/lib/drills/drill-run";
import { getDrillReport } from "@/lib/drills/drill-store";
import { requireService, serviceSegment } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";

const body = z.object({ service: serviceSegment }).strict();
const drillRef = z.object({ service: serviceSegment, id: z.uuid(), startedAt: z.iso.datetime() }).strict();

/** A drill that has written no report this long after its start stopped without one (its process ended): the audit log has the rest. */
const REPORT_GRACE_MINUTES = 15;

/**
 * Starts a drill and answers 202 once its write-ahead audit entry is written; the drill
 * runs on in this process and the page polls GET for its report (docs/DRILLS.md, "On demand").
 */
export const POST = route({ permission: "drills:run", body }, async ({ body, user, config, aws }) => {
  const service = requireService(config, body.service);
  const drill = await startDrill(aws(), config, service, { trigger: "on-demand", actor: { id: user.id, email: user.email, name: user.name }, role: user.role });
  void drill.finished.catch((error: unknown) => console.error(JSON.stringify({ message: "on-demand drill stopped", drillId: drill.id, error: error instanceof Error ? error.name : "error" })));
  const ref = { service: drill.service, id: drill.id, startedAt: drill.startedAt };
  return json({ drill: ref, statusUrl: `/api/drills/run?${new URLSearchParams(ref).toString()}` } satisfies DrillStarted, 202);
});

/** A started drill's state: its report once stored, "running" until then, "missing" when it stopped without one. */
export const GET = route({ permission: "drills:run", query: drillRef }, async ({ query, config, aws }) => {
  const service = requireService(config, query.service);
  const { settings } = drillSettings(config, service.name);
  const report = await getDrillReport(aws().s3, config, { service: service.name, id: query.id, startedAt: query.startedAt });
  if (report) return json({ state: "finished", report } satisfies DrillRunState);
  const giveUpAt = Date.parse(query.startedAt) + (settings.maxRtoMinutes + REPORT_GRACE_MINUTES) * 60_000;
  if (Date.now() < giveUpAt) return json({ state: "running" } satisfies DrillRunState);
  return json({ state: "missing", message: `The drill stopped without a report. The audit log has its entries (operation ${query.id}).` } satisfies DrillRunState);
});
