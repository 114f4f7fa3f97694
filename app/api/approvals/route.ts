import { listApprovals } from "@/lib/approvals/approvals";
import { approvalListQuerySchema } from "@/lib/approvals/approval-types";
import { json, route } from "@/lib/http/route";

/** Approval requests the user asked for or could decide, newest first; `status` filters. */
export const GET = route({ permission: "approvals", query: approvalListQuerySchema }, async ({ query, user, config, aws }) =>
  json({ requests: await listApprovals(aws(), config, user, query.status) }),
);
