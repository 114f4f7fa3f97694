import { requestApprovalIfNeeded } from "@/lib/approvals/approvals";
import { jobParams } from "@/lib/bulk-restore/job-store";
import { startJob } from "@/lib/bulk-restore/jobs";
import { runOptionsSchema } from "@/lib/bulk-restore/job-types";
import { json, route } from "@/lib/http/route";

/**
 * Starts a planned job (audited write-ahead); the runner works in the background and the page polls.
 * Under `approvals.bulkRestore` the answer is instead the approval request (202, `outcome: "approval-requested"`).
 */
export const POST = route({ permission: "bulk-restore", params: jobParams, body: runOptionsSchema }, async ({ params, body, user, config, aws }) => {
  const requested = await requestApprovalIfNeeded(aws(), config, user, { kind: "bulk-restore", input: { jobId: params.jobId, options: body } });
  if (requested) return json(requested, 202);
  return json({ job: await startJob({ ...aws(), config }, params.jobId, body, user) }, 202);
});
