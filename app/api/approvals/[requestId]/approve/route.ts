import { approveRequest } from "@/lib/approvals/approvals";
import { approvalParams } from "@/lib/approvals/approval-types";
import { json, route } from "@/lib/http/route";

/** Approves a pending request of someone else and runs its stored input; refusals are 403 / 409 with the reason. */
export const POST = route({ permission: "approvals", params: approvalParams }, async ({ params, user, config, aws }) =>
  json(await approveRequest(aws(), config, user, params.requestId)),
);
