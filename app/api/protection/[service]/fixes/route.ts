import { requestApprovalIfNeeded } from "@/lib/approvals/approvals";
import { HttpError } from "@/lib/http/error-response";
import { requireService } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";
import { protectionFixBody, protectionServiceParams } from "@/lib/protection/protection-api";
import { applyProtectionFix } from "@/lib/protection/protection-fixes";
import { protectionClients } from "@/lib/protection/protection-clients";
import { protectionCache } from "@/lib/protection/protection-report";

export const dynamic = "force-dynamic";

/** Enables PITR or deletion protection on a service's table (audited as "protection-change"), or asks for approval (202). */
export const POST = route({ permission: "protection:change", params: protectionServiceParams, body: protectionFixBody }, async ({ params, body, config, user, aws }) => {
  const service = requireService(config, params.service);
  if (body.confirmTable !== service.table.name) {
    throw new HttpError(400, "confirmation-mismatch", `Type the table name "${service.table.name}" to confirm; "${body.confirmTable}" does not match.`);
  }
  const requested = await requestApprovalIfNeeded(aws(), config, user, { kind: "protection-change", input: { service: service.name, fix: body.fix } });
  if (requested) return json(requested, 202);
  const clients = protectionClients(config);
  return json(await applyProtectionFix(clients, config, service, body.fix, user, protectionCache()));
});
