import { withdrawRequest } from "@/lib/approvals/approvals";
import { approvalParams } from "@/lib/approvals/approval-types";
import { json, route } from "@/lib/http/route";

/** The requester takes back a pending request; nothing runs. */
export const POST = route({ permission: "approvals", params: approvalParams }, async ({ params, user, config, aws }) =>
  json({ request: await withdrawRequest(aws(), config, user, params.requestId) }),
);
