import { requestApprovalIfNeeded } from "@/lib/approvals/approvals";
import { dlqClients } from "@/lib/dlq/clients";
import { discard } from "@/lib/dlq/dlq-service";
import { dlqDiscardBodySchema } from "@/lib/dlq/discard";
import { json, route } from "@/lib/http/route";

/**
 * Discards a failed batch that can never be archived, with a reason; audited as
 * "dlq-discard". Under `approvals.dlqDiscard` the answer is the approval request (202).
 */
export const POST = route({ permission: "dlq", body: dlqDiscardBodySchema }, async ({ body, user, config, aws }) => {
  const requested = await requestApprovalIfNeeded(aws(), config, user, { kind: "dlq-discard", input: body });
  if (requested) return json(requested, 202);
  return json(await discard(dlqClients(config), config, body, user));
});
