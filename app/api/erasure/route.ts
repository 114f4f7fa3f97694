import { requestApprovalIfNeeded } from "@/lib/approvals/approvals";
import { erasureRequestFrom, eraseSubject } from "@/lib/erasure/erase";
import { erasureRequestSchema, type ErasureResponse } from "@/lib/erasure/erasure-request";
import { jsonError } from "@/lib/http/error-response";
import { json, route } from "@/lib/http/route";

/**
 * Erases or redacts a subject's archived records. The typed confirmation is
 * checked by eraseSubject (400 when it does not match); a lock or anything else
 * that stops the erasure as a whole is 409 with the reasons and the audit id.
 * Under `approvals.erasure` the answer is the approval request (202).
 */
export const POST = route({ permission: "erasure", body: erasureRequestSchema }, async ({ body, user, config, aws }) => {
  const requested = await requestApprovalIfNeeded(aws(), config, user, { kind: "erasure", input: body });
  if (requested) return json(requested, 202);
  const result = await eraseSubject(aws().s3, config, erasureRequestFrom(body, user));
  if (result.outcome === "refused") return jsonError(409, result.code, result.message, { auditId: result.auditId, reasons: result.reasons });
  return json({ outcome: result.outcome, auditId: result.auditId, message: result.message, summary: result.summary } satisfies ErasureResponse);
});
