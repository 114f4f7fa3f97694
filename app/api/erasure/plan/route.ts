import { planErasure, planFindings } from "@/lib/erasure/erasure-plan";
import { erasureQuerySchema, type ErasurePlanResponse } from "@/lib/erasure/erasure-request";
import { json, route } from "@/lib/http/route";

/** What an erasure of a subject would touch. Reads only; POST so the key never sits in a URL or an access log. */
export const POST = route({ permission: "erasure", body: erasureQuerySchema }, async ({ body, config, aws }) => {
  const plan = await planErasure(aws().s3, config, body);
  return json({ services: plan.services.map((s) => s.name), ...planFindings(plan), blockers: plan.blockers } satisfies ErasurePlanResponse);
});
