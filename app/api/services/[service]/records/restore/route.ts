import type { RestoreResponse } from "@/lib/http/api-types";
import { requireService, serviceParams } from "@/lib/http/inputs";
import { json, requirePermission, route } from "@/lib/http/route";
import { restoreRecord, RestoreRefusedError } from "@/lib/restore/restore-record";
import { restoreRequestBodySchema } from "@/lib/restore/restore-request";

/** Puts one archived item back. Overwriting a live item and writing to another table each need more than restore. */
export const POST = route(
  { permission: "record:restore", params: serviceParams, body: restoreRequestBodySchema },
  async ({ params, body, user, config, aws }) => {
    const service = requireService(config, params.service);
    if (body.mode === "overwrite") requirePermission(user, "record:restore-overwrite");
    const targetTable = body.targetTable !== undefined && body.targetTable !== service.table.name ? body.targetTable : undefined;
    if (targetTable !== undefined) requirePermission(user, "record:restore-other-table");

    const result = await restoreRecord(aws(), config, {
      service,
      archiveKey: body.archiveKey,
      mode: body.mode,
      ...(body.expectedLiveFingerprint !== undefined ? { expectedLiveFingerprint: body.expectedLiveFingerprint } : {}),
      ttl: body.ttl,
      ...(targetTable !== undefined ? { targetTable } : {}),
      actor: user,
    });
    if (result.outcome === "refused") throw new RestoreRefusedError(result);
    return json({ outcome: "restored", table: result.table, auditId: result.auditId } satisfies RestoreResponse);
  },
);
