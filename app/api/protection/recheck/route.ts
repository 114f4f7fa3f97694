import { requireService } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";
import { protectionRecheckBody } from "@/lib/protection/protection-api";
import { forgetAnswers } from "@/lib/protection/protection-report";

export const dynamic = "force-dynamic";

/**
 * "Check again": whoever may read the protection report may have its next reading ask AWS
 * afresh, for one service or the fleet, instead of waiting out the 30-second reuse.
 */
export const POST = route({ permission: "archive:read", body: protectionRecheckBody }, async ({ body, config }) => {
  const service = body.service === undefined ? undefined : requireService(config, body.service);
  forgetAnswers(service ? { service } : "fleet");
  return json({ forgotten: service ? service.name : "fleet" });
});
