import { z } from "zod";
import { requireService, serviceSegment } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";
import { restorableWindow } from "@/lib/pitr/pitr-restore";
import { suggestTargetName } from "@/lib/pitr/pitr-types";

/** A service table's restorable window and a suggested target name, for the start form. */
export const GET = route({ permission: "pitr", query: z.strictObject({ service: serviceSegment }) }, async ({ query, config, aws }) => {
  const service = requireService(config, query.service);
  const window = await restorableWindow(aws().dynamodb, service.table.name);
  return json({
    service: service.name,
    table: service.table.name,
    enabled: window.enabled,
    earliest: window.earliest?.toISOString() ?? null,
    latest: window.latest?.toISOString() ?? null,
    suggestedTarget: suggestTargetName(service.table.name, new Date()),
  });
});
