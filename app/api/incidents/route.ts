import { incidentQuerySchema } from "@/lib/incidents/incident-params";
import { queryIncident } from "@/lib/incidents/incident-query";
import { json, route } from "@/lib/http/route";

/** Who deleted what in a window across services: the callers seen, and the chosen caller's deletions (docs/ATTRIBUTION.md, "Incident view"). */
export const GET = route({ permission: "incidents", query: incidentQuerySchema }, async ({ query, config, aws }) => {
  return json(await queryIncident(aws().s3, config, query));
});
