import { ApiError } from "@/components/query/api-client";
import type { ApprovalRequestedResponse } from "@/lib/approvals/approval-types";
import type { ErasureResponse } from "@/lib/erasure/erasure-request";

/** The server refused the erasure as a whole; nothing was changed. */
export class ErasureRefusal extends Error {
  constructor(
    message: string,
    readonly reasons: string[],
    readonly auditId: string | undefined,
  ) {
    super(message);
  }
}

/** The erasure's outcome, or the approval request it became (docs/APPROVALS.md). */
export async function postErasure(body: unknown): Promise<ErasureResponse | ApprovalRequestedResponse> {
  const response = await fetch("/api/erasure", {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  const json = (await response.json().catch(() => undefined)) as
    | ((ErasureResponse | ApprovalRequestedResponse) & { error?: undefined })
    | { error: { code: string; message: string; reasons?: string[]; auditId?: string } }
    | undefined;
  if (!response.ok) {
    if (json && "error" in json && json.error) throw new ErasureRefusal(json.error.message, json.error.reasons ?? [], json.error.auditId);
    throw new ApiError(response.status, "http-error", `The server answered ${response.status}`);
  }
  return json as ErasureResponse | ApprovalRequestedResponse;
}
