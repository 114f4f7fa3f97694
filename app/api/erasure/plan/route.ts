import { planErasure, planFindings } from "@/lib/erasure/erasure-plan";
import { erasureScope, planJobState } from "@/lib/erasure/job-state";
import { erasureQuerySchema, type ErasurePlanResponse } from "@/lib/erasure/erasure-request";
import { json, route } from "@/lib/http/route";

/** What an erasure of a subject would touch. Reads only; POST so the key never sits in a URL or an access log. */
export const POST = route({ permission: "erasure", body: erasureQuerySchema }, async ({ body, config, aws }) => {
  const { s3 } = aws();
  const plan = await planErasure(s3, config, body);
  const jobState = await planJobState(s3, erasureScope(config, body, plan.services, new Set(plan.records.map((r) => r.deletion.archiveKey))), "erase", []);
  return json({
    services: plan.services.map((s) => s.name),
    ...planFindings(plan),
    jobFiles: jobState.rewrites.length,
    blockers: [...plan.blockers, ...jobState.blockers],
  } satisfies ErasurePlanResponse);
});
