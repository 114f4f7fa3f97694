import { z } from "zod";
import { runDrill } from "@/lib/drills/drill-run";
import { requireService, serviceSegment } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";

const body = z.object({ service: serviceSegment }).strict();

/** Runs a drill now and answers with its report once the scratch table is deleted (docs/DRILLS.md, "On demand"). */
export const POST = route({ permission: "drills:run", body }, async ({ body, user, config, aws }) => {
  const service = requireService(config, body.service);
  const report = await runDrill(aws(), config, service, { trigger: "on-demand", actor: { id: user.id, email: user.email, name: user.name }, role: user.role });
  return json({ report }, 201);
});
