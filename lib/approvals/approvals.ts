import "server-only";
import { alertInBackground } from "../alerts/alerts";
import { alertApprovalRequested } from "../alerts/event-alerts";
import { appendAuditEntry } from "../audit/audit-log";
import { auditErrorText } from "../audit/audited-operation";
import { can, forbiddenMessage, type SessionUser } from "../auth/roles";
import type { LazarusConfig } from "../config/schema";
import { DomainError } from "../errors/domain-error";
import type { ConsoleClients } from "../http/clients";
import { actionKind, type GatedAction } from "./approval-actions";
import { ApprovalStore, newApprovalId } from "./approval-store";
import {
  APPROVAL_KIND_LABELS,
  approvalUrl,
  effectiveStatus,
  type ApprovalPerson,
  type ApprovalRequest,
  type ApprovalRequestedResponse,
  type ApprovalResult,
  type ApprovalStatus,
} from "./approval-types";

/**
 * The life of a four-eyes request (docs/APPROVALS.md): an action route asks
 * `requestApprovalIfNeeded` before it runs; a request is approved, rejected or
 * withdrawn here, expires after `approvals.expiryHours`, and an approval runs the
 * stored input through the kind's own run function. Each step is written to the
 * audit log as action "approval", with the requester and, once someone decided,
 * the approver or rejecter.
 */

type Clients = ConsoleClients;

export class ApprovalRefusedError extends DomainError {
  override name = "ApprovalRefusedError";
}

const personOf = (user: SessionUser): ApprovalPerson => ({ id: user.id, email: user.email, name: user.name, role: user.role });

type Step = "requested" | "approved" | "rejected" | "withdrawn" | "expired" | "stale" | "executed" | "refused";

async function audit(clients: Clients, config: LazarusConfig, request: ApprovalRequest, actor: SessionUser | ApprovalPerson, step: Step, outcome: "succeeded" | "refused" | "failed", message: string, extra: Record<string, unknown> = {}): Promise<void> {
  await appendAuditEntry(clients.s3, config, {
    operationId: request.id,
    actor: { id: actor.id, email: actor.email, name: actor.name },
    role: actor.role,
    action: "approval",
    outcome,
    ...(request.summary.service ? { service: request.summary.service } : {}),
    ...(request.summary.table ? { table: request.summary.table } : {}),
    message: `${APPROVAL_KIND_LABELS[request.kind]}: ${message}`,
    details: {
      step,
      requestId: request.id,
      kind: request.kind,
      requestedBy: request.requestedBy.email,
      ...(request.decidedBy ? { decidedBy: request.decidedBy.email } : {}),
      ...extra,
    },
  });
}

function requestedResponse(request: ApprovalRequest): ApprovalRequestedResponse {
  return {
    outcome: "approval-requested",
    request: { id: request.id, kind: request.kind, expiresAt: request.expiresAt, url: approvalUrl(request.id) },
    message: `Sent for approval: a second person with a role allowed to do this must approve it before ${request.expiresAt}.`,
  };
}

/**
 * Null when the action may run now (no `approvals` config, or this action is not named
 * in it); otherwise the request it became, stored and audited, which the route answers
 * with 202 instead of running.
 */
export async function requestApprovalIfNeeded(clients: Clients, config: LazarusConfig, user: SessionUser, action: GatedAction, now = new Date()): Promise<ApprovalRequestedResponse | null> {
  const approvals = config.approvals;
  if (!approvals) return null;
  const kind = actionKind(action.kind);
  const input = kind.input.parse(action.input);
  if (!(await kind.needsApproval(approvals, input, clients, config))) return null;
  const planned = await kind.plan(clients, config, input);
  const request: ApprovalRequest = {
    schemaVersion: 1,
    id: newApprovalId(now),
    kind: action.kind,
    status: "pending",
    input,
    summary: planned.summary,
    fingerprint: planned.fingerprint,
    requestedBy: personOf(user),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + approvals.expiryHours * 3_600_000).toISOString(),
  };
  // Audited before it exists: a request nobody can trace is worse than a failed one.
  await audit(clients, config, request, user, "requested", "succeeded", `requested: ${planned.summary.title}`, { expiresAt: request.expiresAt });
  await new ApprovalStore(clients.s3, config).create(request);
  alertInBackground("approval requested", () => alertApprovalRequested({ s3: clients.s3, config }, request));
  return requestedResponse(request);
}

/** Whether the user may see the request: its requester, or someone who could approve it. */
export function canSee(config: LazarusConfig, user: SessionUser, request: ApprovalRequest): boolean {
  if (request.requestedBy.id === user.id) return true;
  return missingPermission(config, user, request) === null;
}

/** Whether the user could approve or reject the request now: pending, someone else's, and theirs to run. */
export function canDecide(config: LazarusConfig, user: SessionUser, request: ApprovalRequest): boolean {
  return request.status === "pending" && request.requestedBy.id !== user.id && missingPermission(config, user, request) === null;
}

function missingPermission(config: LazarusConfig, user: SessionUser, request: ApprovalRequest) {
  const kind = actionKind(request.kind);
  const input = kind.input.safeParse(request.input);
  if (!input.success) return "erasure" as const;
  for (const permission of kind.permissions(config, input.data)) if (!can(user.role, permission)) return permission;
  return null;
}

export async function listApprovals(clients: Clients, config: LazarusConfig, user: SessionUser, status: ApprovalStatus | undefined, now = new Date(), limit = 200): Promise<ApprovalRequest[]> {
  const requests = await new ApprovalStore(clients.s3, config).recent(limit);
  return requests
    .filter((r) => canSee(config, user, r))
    .map((r) => ({ ...r, status: effectiveStatus(r, now) }))
    .filter((r) => status === undefined || r.status === status);
}

export async function getApproval(clients: Clients, config: LazarusConfig, user: SessionUser, id: string, now = new Date()): Promise<ApprovalRequest> {
  const { value } = await new ApprovalStore(clients.s3, config).get(id);
  if (!canSee(config, user, value)) throw new ApprovalRefusedError(403, "forbidden", "Only the requester and people whose role may run this action can see this request.");
  return { ...value, status: effectiveStatus(value, now) };
}

const NOT_PENDING: Partial<Record<ApprovalStatus, string>> = {
  approved: "it has already been approved and is running",
  executed: "it has already been approved and has run",
  failed: "it has already been approved (its run failed)",
  rejected: "it was rejected",
  withdrawn: "it was withdrawn by its requester",
  expired: "it expired",
  stale: "the live state changed since it was planned; plan it again and send a new request",
};

/**
 * A request still pending, with the ETag every change must match; an expired one is
 * written down as expired (once, by whoever gets there first) and refused.
 */
async function pendingOrRefuse(clients: Clients, config: LazarusConfig, store: ApprovalStore, user: SessionUser, id: string, verb: string, now: Date) {
  const { value, etag } = await store.get(id);
  const status = effectiveStatus(value, now);
  if (status === "expired" && value.status === "pending") {
    const expired: ApprovalRequest = { ...value, status: "expired", finishedAt: now.toISOString() };
    try {
      await store.replace(expired, etag);
      await audit(clients, config, expired, user, "expired", "succeeded", `expired unapproved at ${value.expiresAt}`);
    } catch (error) {
      if (!(error instanceof DomainError && error.code === "approval-not-pending")) throw error;
    }
  }
  if (status !== "pending") {
    await audit(clients, config, value, user, "refused", "refused", `cannot be ${verb}: ${NOT_PENDING[status] ?? status}`, { attempted: verb });
    throw new ApprovalRefusedError(409, status === "expired" ? "approval-expired" : "approval-not-pending", `This request cannot be ${verb}: ${NOT_PENDING[status] ?? status}.`);
  }
  return { value, etag };
}

async function refuse(clients: Clients, config: LazarusConfig, request: ApprovalRequest, user: SessionUser, verb: string, status: number, code: string, message: string): Promise<never> {
  await audit(clients, config, request, user, "refused", "refused", message, { attempted: verb });
  throw new ApprovalRefusedError(status, code, message);
}

/**
 * Approves and runs a request. Refused: self-approval, a role that may not run the
 * action, anything not pending (a second approval, an expired or withdrawn request),
 * and a plan the live state no longer matches (the request turns stale). Of two
 * approvals at once, the conditional write lets one through; the other is refused.
 */
export async function approveRequest(clients: Clients, config: LazarusConfig, user: SessionUser, id: string, now = new Date()): Promise<{ request: ApprovalRequest; response?: unknown }> {
  const store = new ApprovalStore(clients.s3, config);
  const { value, etag } = await pendingOrRefuse(clients, config, store, user, id, "approved", now);
  if (value.requestedBy.id === user.id || value.requestedBy.email.toLowerCase() === user.email.toLowerCase()) {
    await refuse(clients, config, value, user, "approved", 403, "self-approval", "You asked for this action; a different person must approve it.");
  }
  const missing = missingPermission(config, user, value);
  if (missing !== null) await refuse(clients, config, value, user, "approved", 403, "forbidden", forbiddenMessage(user.role, missing));

  const kind = actionKind(value.kind);
  const input = kind.input.parse(value.input);
  const current = await kind.currentFingerprint(clients, config, input);
  if (current !== value.fingerprint) {
    const stale: ApprovalRequest = { ...value, status: "stale", decidedBy: personOf(user), decidedAt: now.toISOString(), finishedAt: now.toISOString() };
    await store.replace(stale, etag);
    await audit(clients, config, stale, user, "stale", "refused", "the live state changed since the request was planned; it must be planned and requested again");
    throw new ApprovalRefusedError(409, "replan-needed", "The live state changed since this request was made (its plan no longer matches). It cannot be approved; the requester must plan it again and send a new request.");
  }

  const approved: ApprovalRequest = { ...value, status: "approved", decidedBy: personOf(user), decidedAt: now.toISOString() };
  let claimed: string;
  try {
    claimed = await store.replace(approved, etag);
  } catch (error) {
    if (error instanceof DomainError && error.code === "approval-not-pending") await refuse(clients, config, value, user, "approved", 409, "approval-not-pending", "Someone else acted on this request at the same moment; it cannot be approved twice.");
    throw error;
  }
  await audit(clients, config, approved, user, "approved", "succeeded", `approved by ${user.email}, requested by ${value.requestedBy.email}`);

  // The action runs as its requester (they asked for it; the approver let it through): its own audit entries name them.
  const requester: SessionUser = { id: value.requestedBy.id, email: value.requestedBy.email, name: value.requestedBy.name, role: value.requestedBy.role };
  let result: ApprovalResult;
  let response: unknown;
  let failure: unknown;
  try {
    const executed = await kind.execute(clients, config, input, requester);
    result = executed.result;
    response = executed.response;
  } catch (error) {
    failure = error;
    const refused = error instanceof DomainError && error.status < 500;
    const auditId = error instanceof DomainError && typeof error.details.auditId === "string" ? error.details.auditId : undefined;
    result = { outcome: refused ? "refused" : "failed", message: auditErrorText(error).slice(0, 2000), ...(auditId ? { auditId } : {}) };
  }
  const finished: ApprovalRequest = { ...approved, status: result.outcome === "succeeded" ? "executed" : "failed", finishedAt: new Date().toISOString(), result };
  try {
    await store.replace(finished, claimed);
  } catch (error) {
    console.error(JSON.stringify({ message: "approval outcome not recorded", requestId: id, error: error instanceof Error ? error.name : "error" }));
  }
  await audit(clients, config, finished, user, "executed", result.outcome, `ran after approval: ${result.message}`, result.auditId ? { actionAuditId: result.auditId } : {});
  if (failure !== undefined) throw failure;
  return { request: finished, response };
}

export async function rejectRequest(clients: Clients, config: LazarusConfig, user: SessionUser, id: string, reason: string, now = new Date()): Promise<ApprovalRequest> {
  const store = new ApprovalStore(clients.s3, config);
  const { value, etag } = await pendingOrRefuse(clients, config, store, user, id, "rejected", now);
  if (value.requestedBy.id === user.id) await refuse(clients, config, value, user, "rejected", 403, "self-approval", "You asked for this action; withdraw it instead of rejecting it.");
  const missing = missingPermission(config, user, value);
  if (missing !== null) await refuse(clients, config, value, user, "rejected", 403, "forbidden", forbiddenMessage(user.role, missing));
  const rejected: ApprovalRequest = { ...value, status: "rejected", decidedBy: personOf(user), decidedAt: now.toISOString(), finishedAt: now.toISOString(), reason };
  await store.replace(rejected, etag);
  await audit(clients, config, rejected, user, "rejected", "succeeded", `rejected by ${user.email}: ${reason}`, { reason });
  return rejected;
}

export async function withdrawRequest(clients: Clients, config: LazarusConfig, user: SessionUser, id: string, now = new Date()): Promise<ApprovalRequest> {
  const store = new ApprovalStore(clients.s3, config);
  const { value, etag } = await pendingOrRefuse(clients, config, store, user, id, "withdrawn", now);
  if (value.requestedBy.id !== user.id) await refuse(clients, config, value, user, "withdrawn", 403, "not-requester", "Only the person who asked for this action can withdraw it.");
  const withdrawn: ApprovalRequest = { ...value, status: "withdrawn", finishedAt: now.toISOString() };
  await store.replace(withdrawn, etag);
  await audit(clients, config, withdrawn, user, "withdrawn", "succeeded", `withdrawn by ${user.email}`);
  return withdrawn;
}
