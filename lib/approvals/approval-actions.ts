import "server-only";
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Permission, SessionUser } from "../auth/roles";
import { JobStore, jobIdSchema } from "../bulk-restore/job-store";
import { runOptionsSchema, type PlanItem } from "../bulk-restore/job-types";
import { startJob } from "../bulk-restore/jobs";
import { planBulkRestore } from "../bulk-restore/planner";
import type { ApprovalsConfig, LazarusConfig } from "../config/schema";
import { erasureRequestFrom, eraseSubject } from "../erasure/erase";
import { planErasure } from "../erasure/erasure-plan";
import { confirmationText, erasureRequestSchema } from "../erasure/erasure-request";
import { dlqClients } from "../dlq/clients";
import { discardFailure, dlqDiscardBodySchema } from "../dlq/discard";
import { rangeText, recordsText } from "../dlq/failure-record";
import { FailureNotFoundError, locateFailure } from "../dlq/failure-source";
import { DomainError } from "../errors/domain-error";
import { readArchivedDeletion, liveKeyOf } from "../http/archived-record";
import type { ConsoleClients } from "../http/clients";
import { requireService, serviceSegment } from "../http/inputs";
import { copyBackFromLatestCompare } from "../pitr/pitr-copy-back";
import { loadLatestCompareState, requireJob } from "../pitr/pitr-store";
import { copyBackBodySchema, pitrJobIdSchema } from "../pitr/pitr-types";
import { PROTECTION_FIXES, applyProtectionFix } from "../protection/protection-fixes";
import { protectionCache } from "../protection/protection-report";
import { getLiveItem, itemFingerprint } from "../restore/live-item";
import { compareItems } from "../diff/item-diff";
import { restoreRequestBodySchema } from "../restore/restore-request";
import { otherTargetTable, runRestore } from "../restore/run-restore";
import { tableKeyText } from "../restore/table-key";
import type { ApprovalKind, ApprovalResult, ApprovalSummary } from "./approval-types";

/**
 * Each action that can be put under approval, described once: the input its route
 * parses (stored as is), when the config asks for a second person, the permissions
 * an approver must hold, what the requester saw (summary and a fingerprint of the
 * live state the plan looked at), and the run itself, which is the same function the
 * route calls. Adding a kind is one more entry here.
 */

export interface Planned {
  summary: ApprovalSummary;
  fingerprint: string;
}

export interface Executed {
  /** What the route would have answered. */
  response: unknown;
  result: ApprovalResult;
}

interface ActionKind<I> {
  input: z.ZodType<I>;
  permissions(config: LazarusConfig, input: I): Permission[];
  needsApproval(approvals: ApprovalsConfig, input: I, clients: ConsoleClients, config: LazarusConfig): Promise<boolean>;
  plan(clients: ConsoleClients, config: LazarusConfig, input: I): Promise<Planned>;
  /** The live state now, as `plan` fingerprinted it; a different value means the request must be planned again. */
  currentFingerprint(clients: ConsoleClients, config: LazarusConfig, input: I): Promise<string>;
  execute(clients: ConsoleClients, config: LazarusConfig, input: I, actor: SessionUser): Promise<Executed>;
}

/** Whether the approval rules cover an action touching these services. */
function covers(approvals: ApprovalsConfig, services: readonly string[]): boolean {
  return approvals.services === undefined || services.some((s) => approvals.services!.includes(s));
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const count = (n: number, what: string) => `${n.toLocaleString("en-US")} ${what}${n === 1 ? "" : "s"}`;

// --- restore (overwrite, or into another table) -------------------------------------------

const restoreInput = z.strictObject({ service: serviceSegment, body: restoreRequestBodySchema });
type RestoreInput = z.infer<typeof restoreInput>;

async function restoreTarget(clients: ConsoleClients, config: LazarusConfig, input: RestoreInput) {
  const service = requireService(config, input.service);
  const deletion = await readArchivedDeletion(clients.s3, config, service, input.body.archiveKey);
  const key = liveKeyOf(service, deletion);
  const table = otherTargetTable(service, input.body) ?? service.table.name;
  const live = await getLiveItem(clients.dynamodb, table, key);
  return { service, deletion, key, table, live };
}

const restoreKind: ActionKind<RestoreInput> = {
  input: restoreInput,
  permissions(config, input) {
    const service = requireService(config, input.service);
    return [
      "record:restore",
      ...(input.body.mode === "overwrite" ? (["record:restore-overwrite"] as const) : []),
      ...(otherTargetTable(service, input.body) !== undefined ? (["record:restore-other-table"] as const) : []),
    ];
  },
  async needsApproval(approvals, input, _clients, config) {
    const service = requireService(config, input.service);
    if (!covers(approvals, [service.name])) return false;
    return (approvals.restoreOverwrite && input.body.mode === "overwrite") || (approvals.restoreOtherTable && otherTargetTable(service, input.body) !== undefined);
  },
  async plan(clients, config, input) {
    const { service, key, table, live, deletion } = await restoreTarget(clients, config, input);
    const comparison = compareItems(deletion.oldImage, live);
    const overwrite = input.body.mode === "overwrite";
    const lines = [
      `${overwrite ? "Overwrite" : "Restore"} ${tableKeyText(service, key)} in ${table} with the record deleted at ${deletion.deletedAt.toISOString()}.`,
      live === null
        ? "No live item has this key now."
        : comparison.status === "identical"
          ? "The live item is identical to the archived record."
          : `The live item differs from the archived record in ${count(comparison.status === "changed" ? comparison.changes.length : 0, "attribute")}.`,
      `TTL: ${input.body.ttl.action}${input.body.ttl.action === "extend" ? ` until ${input.body.ttl.until}` : ""}.`,
      `Archive object: ${input.body.archiveKey}`,
    ];
    const changes = comparison.status === "changed" ? comparison.changes : [];
    if (changes.length > 0) lines.push(`Attributes that differ: ${[...new Set(changes.map((c) => String(c.path[0])))].slice(0, 30).join(", ")}`);
    return {
      summary: {
        title: `${overwrite ? "Overwrite restore" : "Restore"} into ${table}`,
        lines,
        counts: { differences: changes.length },
        link: `/services/${service.name}/record?key=${encodeURIComponent(input.body.archiveKey)}`,
        service: service.name,
        table,
      },
      fingerprint: itemFingerprint(live),
    };
  },
  async currentFingerprint(clients, config, input) {
    return itemFingerprint((await restoreTarget(clients, config, input)).live);
  },
  async execute(clients, config, input, actor) {
    const response = await runRestore(clients, config, requireService(config, input.service), input.body, actor);
    return { response, result: { outcome: "succeeded", message: `restored into ${response.table}`, auditId: response.auditId } };
  },
};

// --- bulk restore ------------------------------------------------------------------------

const bulkInput = z.strictObject({ jobId: jobIdSchema, options: runOptionsSchema });
type BulkInput = z.infer<typeof bulkInput>;

function planFingerprint(items: PlanItem[]): string {
  return sha256(JSON.stringify(items.map((i) => [i.i, i.archiveKey, i.category, i.liveFingerprint ?? null])));
}

const bulkKind: ActionKind<BulkInput> = {
  input: bulkInput,
  permissions: () => ["bulk-restore"],
  async needsApproval(approvals, input, clients, config) {
    if (approvals.bulkRestore === false) return false;
    const { value: job } = await new JobStore(clients.s3, config).get(input.jobId);
    if (!covers(approvals, [job.service])) return false;
    return approvals.bulkRestore === true || job.itemCount > approvals.bulkRestore.aboveItems;
  },
  async plan(clients, config, input) {
    const store = new JobStore(clients.s3, config);
    const { value: job } = await store.get(input.jobId);
    const items = await store.items(input.jobId);
    const c = job.plan.counts;
    return {
      summary: {
        title: `Bulk restore of ${count(job.itemCount, "item")} into ${job.table}`,
        lines: [
          `Planned ${job.plan.plannedAt} by ${job.createdBy.email}.`,
          `${c.absent} absent (will be written), ${c.identical} identical, ${c.conflicting} conflicting, ${c.duplicate} duplicate, ${c.unreadable} unreadable, ${c.erased} erased.`,
          input.options.overwriteConflicting ? `Conflicting items WILL be overwritten (${c.conflicting}).` : "Conflicting items are left as they are.",
          `TTL: ${input.options.ttl.action}${input.options.ttl.action === "extend" ? ` until ${input.options.ttl.until}` : ""}.`,
          ...(input.options.itemsPerSecond ? [`At most ${input.options.itemsPerSecond} items a second.`] : []),
          ...(input.options.writeMode === "transaction" ? ["Absent items written in transactions of up to 100 (twice the write capacity)."] : []),
        ],
        counts: { ...c },
        link: `/bulk-restore/${job.id}`,
        service: job.service,
        table: job.table,
      },
      fingerprint: planFingerprint(items),
    };
  },
  async currentFingerprint(clients, config, input) {
    const store = new JobStore(clients.s3, config);
    const { value: job } = await store.get(input.jobId);
    const service = requireService(config, job.service);
    const items = await store.items(input.jobId);
    const plan = await planBulkRestore(clients, config, service, items.map((i) => i.archiveKey), new Date());
    return planFingerprint(plan.items);
  },
  async execute(clients, config, input, actor) {
    const job = await startJob({ ...clients, config }, input.jobId, input.options, actor);
    return { response: { job }, result: { outcome: "succeeded", message: `bulk restore of ${count(job.itemCount, "item")} started`, ...(job.run ? { auditId: job.run.auditOperationId } : {}) } };
  },
};

// --- PITR copy-back ----------------------------------------------------------------------

const copyBackInput = z.strictObject({ pitrId: pitrJobIdSchema, body: copyBackBodySchema });
type CopyBackInput = z.infer<typeof copyBackInput>;

async function compareFingerprint(clients: ConsoleClients, config: LazarusConfig, pitrId: string): Promise<string> {
  const state = await loadLatestCompareState(clients.s3, config, pitrId);
  return state ? `${state.compareId}:${state.status}:${state.finishedAt ?? ""}` : "no-compare";
}

const copyBackKind: ActionKind<CopyBackInput> = {
  input: copyBackInput,
  permissions: () => ["pitr"],
  async needsApproval(approvals, input, clients, config) {
    if (!approvals.pitrCopyBack) return false;
    return covers(approvals, [(await requireJob(clients, config, input.pitrId)).job.service]);
  },
  async plan(clients, config, input) {
    const { job } = await requireJob(clients, config, input.pitrId);
    const state = await loadLatestCompareState(clients.s3, config, job.id);
    const selected = "ids" in input.body.selection ? input.body.selection.ids.length : (state?.counts[input.body.category] ?? 0);
    return {
      summary: {
        title: `Copy ${count(selected, "item")} from ${job.targetTable} back into ${job.sourceTable}`,
        lines: [
          `Category: ${input.body.category === "changed" ? "changed since the restore point (live items are replaced)" : "only in the restored table (written where absent)"}.`,
          `Compare ${input.body.compareId}${state ? `: ${state.counts["only-in-restored"]} only in restored, ${state.counts.changed} changed, ${state.counts["only-in-live"]} only in live` : ""}.`,
          "ids" in input.body.selection ? `Chosen items: ${input.body.selection.ids.slice(0, 50).join(", ")}${input.body.selection.ids.length > 50 ? ", …" : ""}` : "All items of the category.",
        ],
        counts: { items: selected },
        link: `/pitr/${job.id}`,
        service: job.service,
        table: job.sourceTable,
      },
      fingerprint: await compareFingerprint(clients, config, job.id),
    };
  },
  currentFingerprint: (clients, config, input) => compareFingerprint(clients, config, input.pitrId),
  async execute(clients, config, input, actor) {
    const result = await copyBackFromLatestCompare(clients, config, input.pitrId, input.body, actor);
    return { response: { result }, result: { outcome: "succeeded", message: `copied back ${result.counts.copied} of ${result.items.length} items`, auditId: result.auditId } };
  },
};

// --- erasure and redaction ---------------------------------------------------------------

type ErasureInput = z.infer<typeof erasureRequestSchema>;

async function erasureFindings(clients: ConsoleClients, config: LazarusConfig, input: ErasureInput) {
  const plan = await planErasure(clients.s3, config, { match: input.match, key: input.key, ...(input.services ? { services: input.services } : {}) });
  const fingerprint = sha256(JSON.stringify([plan.records.map((r) => r.deletion.archiveKey).sort(), plan.failureCopies.map((f) => `${f.bucket}/${f.objectKey}`).sort()]));
  return { plan, fingerprint };
}

const erasureKind: ActionKind<ErasureInput> = {
  input: erasureRequestSchema,
  permissions: () => ["erasure"],
  async needsApproval(approvals, input, _clients, config) {
    if (!approvals.erasure) return false;
    const inScope = input.services && input.services.length > 0 ? input.services : config.services.map((s) => s.name);
    if (!covers(approvals, inScope)) return false;
    // A request that could never run is refused now, not after someone has approved it.
    if (input.confirmation !== confirmationText(input.mode, input.key)) {
      throw new DomainError(400, "invalid-input", `The confirmation does not match: type "${input.mode === "erase" ? "ERASE" : "REDACT"} " followed by the key exactly.`);
    }
    return true;
  },
  async plan(clients, config, input) {
    const { plan, fingerprint } = await erasureFindings(clients, config, input);
    return {
      summary: {
        title: `${input.mode === "erase" ? "Erase" : "Redact"} the archived records of ${input.match === "prefix" ? "keys starting with" : "key"} ${input.key}`,
        lines: [
          `Services: ${plan.services.map((s) => s.name).join(", ") || "none"}.`,
          `${count(plan.records.length, "archived record")}, ${count(plan.failureCopies.length, "failed-batch copy")}, ${count(plan.sealedDays.length, "sealed day")}.`,
          ...(input.mode === "redact" ? [`Attributes redacted: ${(input.attributes ?? []).join(", ") || "none named"}.`] : []),
          ...plan.blockers.map((b) => `Blocker: ${b}`),
        ],
        counts: { records: plan.records.length, failureCopies: plan.failureCopies.length, sealedDays: plan.sealedDays.length },
        link: "/erasure",
      },
      fingerprint,
    };
  },
  async currentFingerprint(clients, config, input) {
    return (await erasureFindings(clients, config, input)).fingerprint;
  },
  async execute(clients, config, input, actor) {
    const result = await eraseSubject(clients.s3, config, erasureRequestFrom(input, actor));
    return { response: result, result: { outcome: result.outcome, message: result.message, auditId: result.auditId } };
  },
};

// --- protection changes ------------------------------------------------------------------

const protectionInput = z.strictObject({ service: serviceSegment, fix: z.enum(PROTECTION_FIXES) });
type ProtectionInput = z.infer<typeof protectionInput>;

const protectionKind: ActionKind<ProtectionInput> = {
  input: protectionInput,
  permissions: () => ["protection:change"],
  async needsApproval(approvals, input) {
    return approvals.protectionChange && covers(approvals, [input.service]);
  },
  async plan(_clients, config, input) {
    const service = requireService(config, input.service);
    const what = input.fix === "enable-pitr" ? "Enable point-in-time recovery" : "Enable deletion protection";
    return { summary: { title: `${what} on ${service.table.name}`, lines: [`${what} on the table ${service.table.name} of ${service.name}.`], link: `/protection/${service.name}`, service: service.name, table: service.table.name }, fingerprint: "none" };
  },
  // Turning a protection on is the same change whatever the table looks like now.
  currentFingerprint: async () => "none",
  async execute(clients, config, input, actor) {
    const service = requireService(config, input.service);
    const response = await applyProtectionFix(clients, config, service, input.fix, actor, protectionCache());
    return { response, result: { outcome: "succeeded", message: `${input.fix} on ${service.table.name}`, auditId: response.auditId } };
  },
};

// --- DLQ discard ---------------------------------------------------------------------------

type DiscardInput = z.infer<typeof dlqDiscardBodySchema>;

/** The failure as it is now: a batch replayed, changed or discarded since the request no longer matches. */
async function discardTarget(clients: ConsoleClients, config: LazarusConfig, input: DiscardInput) {
  const service = requireService(config, input.service);
  const dlq = { ...dlqClients(config), s3: clients.s3 };
  try {
    const failure = await locateFailure(dlq, config, service, input.failureId);
    return { service, dlq, failure, fingerprint: sha256(JSON.stringify(failure.source === "s3" ? [failure.id, failure.record, failure.records] : [failure.id, failure.record])) };
  } catch (error) {
    if (error instanceof FailureNotFoundError) return { service, dlq, failure: null, fingerprint: "gone" };
    throw error;
  }
}

const discardKind: ActionKind<DiscardInput> = {
  input: dlqDiscardBodySchema,
  permissions: () => ["dlq"],
  async needsApproval(approvals, input) {
    return approvals.dlqDiscard && covers(approvals, [input.service]);
  },
  async plan(clients, config, input) {
    const { service, failure, fingerprint } = await discardTarget(clients, config, input);
    if (!failure) throw new FailureNotFoundError(`There is no failed batch ${input.failureId} for ${service.name} (it may have been replayed or discarded already).`);
    const info = failure.record.DDBStreamBatchInfo;
    return {
      summary: {
        title: `Discard a failed batch of ${recordsText(info.batchSize)} from ${service.name}`,
        lines: [
          `${recordsText(info.batchSize)} of ${rangeText(info)}, first failed ${failure.record.timestamp}, from the ${failure.source === "sqs" ? "SQS queue" : "S3 failure bucket"}.`,
          "These deletions will never be archived; a copy of the batch is kept in the archive bucket.",
          `Reason: ${input.reason}`,
        ],
        counts: { records: info.batchSize },
        link: "/dlq",
        service: service.name,
        table: service.table.name,
      },
      fingerprint,
    };
  },
  async currentFingerprint(clients, config, input) {
    return (await discardTarget(clients, config, input)).fingerprint;
  },
  async execute(clients, config, input, actor) {
    const service = requireService(config, input.service);
    const response = await discardFailure({ ...dlqClients(config), s3: clients.s3 }, config, service, input, actor);
    return { response, result: { outcome: response.deleted ? "succeeded" : "failed", message: response.message.slice(0, 2000), auditId: response.operationId } };
  },
};

export const ACTION_KINDS: { [K in ApprovalKind]: ActionKind<ActionInputs[K]> } = {
  restore: restoreKind,
  "bulk-restore": bulkKind,
  "pitr-copy-back": copyBackKind,
  erasure: erasureKind,
  "protection-change": protectionKind,
  "dlq-discard": discardKind,
};

export interface ActionInputs {
  restore: RestoreInput;
  "bulk-restore": BulkInput;
  "pitr-copy-back": CopyBackInput;
  erasure: ErasureInput;
  "protection-change": ProtectionInput;
  "dlq-discard": DiscardInput;
}

export type GatedAction = { [K in ApprovalKind]: { kind: K; input: ActionInputs[K] } }[ApprovalKind];

/** The kind's description, typed loosely for code that handles every kind alike. */
export function actionKind(kind: ApprovalKind): ActionKind<unknown> {
  return ACTION_KINDS[kind] as ActionKind<unknown>;
}
