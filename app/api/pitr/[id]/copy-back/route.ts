import { requestApprovalIfNeeded } from "@/lib/approvals/approvals";
import { json, route } from "@/lib/http/route";
import { copyBackFromLatestCompare } from "@/lib/pitr/pitr-copy-back";
import { copyBackBodySchema, pitrJobParams } from "@/lib/pitr/pitr-types";

/** Copies chosen items of a finished compare back into the live table, with conditional writes (or asks for approval: 202). */
export const POST = route({ permission: "pitr", params: pitrJobParams, body: copyBackBodySchema }, async ({ params, body, user, config, aws }) => {
  const requested = await requestApprovalIfNeeded(aws(), config, user, { kind: "pitr-copy-back", input: { pitrId: params.id, body } });
  if (requested) return json(requested, 202);
  return json({ result: await copyBackFromLatestCompare(aws(), config, params.id, body, user) });
});
