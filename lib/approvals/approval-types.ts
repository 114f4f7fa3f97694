import { z } from "zod";
import { ROLES, type Role } from "../auth/roles";

/**
 * A four-eyes request: the exact input of an action that needs a second person,
 * what the requester saw when asking (the summary), and where it stands.
 * Isomorphic: the Approvals page renders these.
 */

/** Each kind is an action route whose input is stored as it would have run. */
export const APPROVAL_KINDS = ["restore", "bulk-restore", "pitr-copy-back", "erasure", "protection-change", "dlq-discard"] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

/**
 * pending: waiting for a second person. approved: claimed by an approver, running.
 * executed / failed: how the run ended. rejected, withdrawn, expired: never ran.
 * stale: the live state changed since the request, so it must be planned and requested again.
 */
export const APPROVAL_STATUSES = ["pending", "approved", "executed", "failed", "rejected", "withdrawn", "expired", "stale"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const APPROVAL_KIND_LABELS: Record<ApprovalKind, string> = {
  restore: "Restore",
  "bulk-restore": "Bulk restore",
  "pitr-copy-back": "PITR copy-back",
  erasure: "Erasure",
  "protection-change": "Protection change",
  "dlq-discard": "DLQ discard",
};

export const APPROVAL_STATUS_LABELS: Record<ApprovalStatus, string> = {
  pending: "Pending",
  approved: "Approved, running",
  executed: "Executed",
  failed: "Failed",
  rejected: "Rejected",
  withdrawn: "Withdrawn",
  expired: "Expired",
  stale: "Needs a new plan",
};

const ID = /^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{12}$/;
export const approvalIdSchema = z.string().regex(ID, "is not an approval request id");
export const approvalParams = z.strictObject({ requestId: approvalIdSchema });

const person = z.strictObject({ id: z.string().max(512), email: z.string().max(512), name: z.string().max(512), role: z.enum(ROLES) });
export type ApprovalPerson = { id: string; email: string; name: string; role: Role };

/** What the requester saw, in words and numbers; the approver sees exactly this. */
export const approvalSummarySchema = z.strictObject({
  title: z.string().max(500),
  lines: z.array(z.string().max(2000)).max(50),
  counts: z.record(z.string(), z.number()).optional(),
  /** A page with the full plan (a bulk-restore job, a PITR compare). */
  link: z.string().max(1000).optional(),
  service: z.string().max(63).optional(),
  table: z.string().max(255).optional(),
});
export type ApprovalSummary = z.infer<typeof approvalSummarySchema>;

export const approvalResultSchema = z.strictObject({
  outcome: z.enum(["succeeded", "refused", "failed"]),
  message: z.string().max(2000),
  auditId: z.string().max(64).optional(),
});
export type ApprovalResult = z.infer<typeof approvalResultSchema>;

export const storedApprovalSchema = z.strictObject({
  schemaVersion: z.literal(1),
  id: approvalIdSchema,
  kind: z.enum(APPROVAL_KINDS),
  status: z.enum(APPROVAL_STATUSES),
  /** The action's input as its route parsed it; parsed again with the kind's schema before it runs. */
  input: z.unknown(),
  summary: approvalSummarySchema,
  /** The live state the plan saw; a different one at approval means a re-plan. */
  fingerprint: z.string().max(128),
  requestedBy: person,
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  decidedBy: person.optional(),
  decidedAt: z.iso.datetime().optional(),
  reason: z.string().max(2000).optional(),
  finishedAt: z.iso.datetime().optional(),
  result: approvalResultSchema.optional(),
});
export type ApprovalRequest = z.infer<typeof storedApprovalSchema>;

/** What a gated action route answers (202) instead of running. */
export interface ApprovalRequestedResponse {
  outcome: "approval-requested";
  request: { id: string; kind: ApprovalKind; expiresAt: string; url: string };
  message: string;
}

export const rejectBodySchema = z.strictObject({ reason: z.string().trim().min(1, "say why").max(2000) });

export const approvalListQuerySchema = z.strictObject({ status: z.enum(APPROVAL_STATUSES).optional() });

export function approvalUrl(id: string): string {
  return `/approvals/${id}`;
}

/** Pending past its expiry counts as expired, whether or not anyone wrote that down yet. */
export function effectiveStatus(request: Pick<ApprovalRequest, "status" | "expiresAt">, now: Date): ApprovalStatus {
  return request.status === "pending" && Date.parse(request.expiresAt) <= now.getTime() ? "expired" : request.status;
}

export function isApprovalRequested(value: unknown): value is ApprovalRequestedResponse {
  return typeof value === "object" && value !== null && (value as { outcome?: unknown }).outcome === "approval-requested";
}
