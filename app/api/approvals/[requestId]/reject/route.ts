import { rejectRequest } from "@/lib/approvals/approvals";
import { approvalParams, rejectBodySchema } from "@/lib/approvals/approval-types";
import { json, route } from "@/lib/http/route";

/** Rejects a pending request of someone else, with a reason; nothing runs. */
export const POST = route({ permission: "approvals", params: approvalParams, body: rejectBodySchema }, async ({ params, body, user, config, aws }) =>
  json({ request: await rejectRequest(aws(), config, user, params.requestId, body.reason) }),
);
