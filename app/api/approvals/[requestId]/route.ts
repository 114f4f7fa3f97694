import { getApproval } from "@/lib/approvals/approvals";
import { approvalParams } from "@/lib/approvals/approval-types";
import { json, route } from "@/lib/http/route";

/** One request: the stored input's summary exactly as the requester saw it, and where it stands. */
export const GET = route({ permission: "approvals", params: approvalParams }, async ({ params, user, config, aws }) =>
  json({ request: await getApproval(aws(), config, user, params.requestId) }),
);
