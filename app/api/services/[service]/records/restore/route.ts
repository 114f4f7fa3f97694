import { requestApprovalIfNeeded } from "@/lib/approvals/approvals";
import { requireService, serviceParams } from "@/lib/http/inputs";
import { json, requirePermission, route } from "@/lib/http/route";
import { restoreRequestBodySchema } from "@/lib/restore/restore-request";
import { otherTargetTable, runRestore } from "@/lib/restore/run-restore";

/**
 * Puts one archived item back. Overwriting a live item and writing to another table each need more
 * than restore, and, when `approvals` names them, a second person: then the answer is 202 with the request.
 */
export const POST = route(
  { permission: "record:restore", params: serviceParams, body: restoreRequestBodySchema },
  async ({ params, body, user, config, aws }) => {
    const service = requireService(config, params.service);
    if (body.mode === "overwrite") requirePermission(user, "record:restore-overwrite");
    if (otherTargetTable(service, body) !== undefined) requirePermission(user, "record:restore-other-table");
    const requested = await requestApprovalIfNeeded(aws(), config, user, { kind: "restore", input: { service: service.name, body } });
    if (requested) return json(requested, 202);
    return json(await runRestore(aws(), config, service, body, user));
  },
);
