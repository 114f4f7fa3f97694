import "server-only";
import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { stringify } from "csv-stringify";
import { ArchiveInputError } from "../archive/archive-reader";
import { appendAuditEntry } from "../audit/audit-log";
import type { SessionUser } from "../auth/roles";
import { findService } from "../config/load";
import type { LazarusConfig } from "../config/schema";
import { ttlChoiceProblem } from "../restore/ttl-choice";
import { DEFAULT_CHUNK_SIZE, MAX_JOB_ITEMS, type BulkRestoreJob, type JobActor, type JobListEntry, type JobView, type RunOptions, type Selection } from "./job-types";
import { JobStore, newJobId } from "./job-store";
import { forgetPlanImages, keepPlanImages } from "./plan-images";
import { planBulkRestore } from "./planner";
import { chunkCount, chunkSizeFor, computeProgress, firstResults } from "./progress";
import { cancelHere, finalizeJob, isRunningHere, leaseExpired, startRunner, type RunnerDeps } from "./runner";
import { JobTooLargeError, resolveSelection } from "./selection";
import { withoutErasedInputs } from "../erasure/erased-item";
import { DomainError } from "../errors/domain-error";

/** What the routes call: plan, start, cancel, view (resuming orphans), list and export jobs. */

export class JobStateError extends DomainError {
  override name = "JobStateError";
  constructor(reason: string) {
    super(409, "job-state", `The job cannot do that now: ${reason}.`);
  }
}

/** An audit entry is small; past this many, the job file holds the rest. */
const MAX_AUDITED_EXCLUSIONS = 1000;

type Clients = { s3: S3Client; dynamodb: DynamoDBClient };

const actorOf = (user: SessionUser): JobActor => ({ id: user.id, email: user.email, name: user.name });

export async function createJob(clients: Clients, config: LazarusConfig, selection: Selection, user: SessionUser, now = new Date(), fixedChunkSize?: number): Promise<BulkRestoreJob> {
  const service = findService(config, selection.service);
  if (!service) throw new ArchiveInputError(`there is no service named "${selection.service}" in Lazarus's configuration`);
  const started = Date.now();
  const resolved = await resolveSelection(clients.s3, config, service, selection);
  if (resolved.archiveKeys.length > MAX_JOB_ITEMS) throw new JobTooLargeError(resolved.archiveKeys.length.toLocaleString("en-US"));
  if (resolved.archiveKeys.length === 0) {
    throw new ArchiveInputError(resolved.unresolved.length > 0 ? "none of the pasted keys has an archived deletion" : "the selection holds no archived records");
  }
  const plan = await planBulkRestore(clients, config, service, resolved.archiveKeys, now);
  const inputs = withoutErasedInputs(service, selection, resolved, plan.items, plan.erasures);
  const chunkSize = fixedChunkSize ?? chunkSizeFor(plan.items.length, DEFAULT_CHUNK_SIZE);
  const job: BulkRestoreJob = {
    schemaVersion: 1,
    id: newJobId(now),
    service: service.name,
    table: service.table.name,
    createdAt: now.toISOString(),
    createdBy: actorOf(user),
    // Pasted text can be long and is kept in the item list's resolution; the job keeps its size.
    selection: inputs.selection.kind === "pasted-keys" ? { ...inputs.selection, text: inputs.selection.text.slice(0, 2000) } : inputs.selection,
    status: "planned",
    itemCount: plan.items.length,
    chunkSize,
    chunkCount: chunkCount(plan.items.length, chunkSize),
    plan: { ...plan.summary, unresolved: inputs.unresolved.slice(0, 1000), plannedAt: new Date().toISOString(), durationMs: Date.now() - started },
  };
  await new JobStore(clients.s3, config).create(job, plan.items, plan.diffs);
  keepPlanImages(job.id, plan.images);
  return job;
}

/**
 * Starts a planned job: the audit's write-ahead entry first (if it cannot be
 * written, nothing runs), then the job becomes "running" with its options, then
 * a runner starts in this process.
 */
export async function startJob(deps: RunnerDeps, jobId: string, options: RunOptions, user: SessionUser, now = new Date()): Promise<BulkRestoreJob> {
  const store = new JobStore(deps.s3, deps.config);
  const read = await store.get(jobId);
  const job = read.value;
  if (job.status !== "planned") throw new JobStateError(`the job is ${job.status}; only a planned job can be started`);
  const service = findService(deps.config, job.service);
  if (!service) throw new JobStateError(`the job's service ${job.service} is no longer configured`);
  if (options.ttl.action !== "keep") {
    // Checked against an item that carries the attribute: the choice is job-wide.
    const problem = ttlChoiceProblem(service.table.ttlAttribute ? { [service.table.ttlAttribute]: { N: "0" } } : {}, service.table.ttlAttribute, options.ttl, now);
    if (problem) throw new ArchiveInputError(`the TTL choice cannot be applied: ${problem}`);
  }
  const exclude = [...new Set(options.exclude ?? [])].sort((a, b) => a - b);
  const outside = exclude.find((i) => i >= job.itemCount);
  if (outside !== undefined) throw new ArchiveInputError(`item ${outside} cannot be excluded: the job has ${job.itemCount} items (0 to ${job.itemCount - 1})`);
  if (exclude.length > 0 && exclude.length === job.itemCount) throw new ArchiveInputError("every item is excluded: there is nothing to run; cancel the job instead");
  options = {
    overwriteConflicting: options.overwriteConflicting,
    ttl: options.ttl,
    ...(options.itemsPerSecond ? { itemsPerSecond: options.itemsPerSecond } : {}),
    ...(exclude.length > 0 ? { exclude } : {}),
    ...(options.writeMode === "transaction" ? { writeMode: "transaction" as const } : {}),
  };
  const operationId = randomUUID();
  await appendAuditEntry(deps.s3, deps.config, {
    operationId,
    actor: actorOf(user),
    role: user.role,
    action: "bulk-restore",
    outcome: "started",
    service: job.service,
    table: job.table,
    mode: options.overwriteConflicting ? "overwrite" : "no-clobber",
    message: `bulk restore of ${job.itemCount} items started${exclude.length > 0 ? `, ${exclude.length} excluded` : ""}`,
    details: {
      jobId,
      itemCount: job.itemCount,
      itemList: store.itemListLocation(jobId),
      plan: job.plan.counts,
      ttl: options.ttl.action,
      ...(options.ttl.action === "extend" ? { ttlUntil: options.ttl.until } : {}),
      overwriteConflicting: options.overwriteConflicting,
      ...(options.itemsPerSecond ? { itemsPerSecond: options.itemsPerSecond } : {}),
      writeMode: options.writeMode ?? "item",
      // Positions in the item list (keys only live there); the job file keeps the same list.
      ...(exclude.length > 0 ? { excludedCount: exclude.length, excluded: exclude.slice(0, MAX_AUDITED_EXCLUSIONS) } : {}),
    },
  });
  const {
    job: updated,
    changed,
    etag,
  } = await store.update(
    jobId,
    (current) =>
      current.status !== "planned"
        ? null
        : { ...current, status: "running", options, run: { startedAt: now.toISOString(), startedBy: actorOf(user), role: user.role, auditOperationId: operationId } },
    read,
  );
  if (!changed) throw new JobStateError(`the job is ${updated.status}; it was started or cancelled by someone else`);
  void startRunner(deps, jobId, { value: updated, etag });
  return updated;
}

export async function cancelJob(deps: RunnerDeps, jobId: string, user: SessionUser, now = new Date()): Promise<BulkRestoreJob> {
  const store = new JobStore(deps.s3, deps.config);
  const { job, changed } = await store.update(jobId, (current) =>
    current.status === "planned" || current.status === "running" ? { ...current, status: "cancelled", cancelledAt: now.toISOString(), cancelledBy: actorOf(user) } : null,
  );
  if (!changed) throw new JobStateError(`the job is ${job.status}; it can no longer be cancelled`);
  cancelHere(jobId);
  if (!job.run) forgetPlanImages(jobId);
  // A planned job never wrote anything and has no audit entries; a running one is finalized by its runner (or a later poll).
  if (job.status === "cancelled" && !job.run) await store.update(jobId, (current) => (current.finishedAt ? null : { ...current, finishedAt: now.toISOString() }));
  return (await store.get(jobId)).value;
}

/**
 * The job and its progress from S3. A running job whose runner's lease has
 * expired (its server stopped) is resumed here by this request's process; a
 * cancelled one whose runner is gone is finalized.
 */
export async function getJobView(deps: RunnerDeps, jobId: string, now = new Date()): Promise<JobView> {
  const store = new JobStore(deps.s3, deps.config);
  const { value } = await store.get(jobId);
  const { job, resumed } = await takeOverIfOrphaned(deps, store, value, now);
  const progress = computeProgress(job.itemCount, await store.chunkResults(jobId));
  return { job, progress, resumed };
}

interface TakeOver {
  job: BulkRestoreJob;
  resumed: boolean;
  /** An unfinished job whose runner elsewhere still holds the lease: when it lapses if not renewed. */
  leaseExpiresAt?: Date;
}

/**
 * A job left unfinished by a runner that is gone (its lease lapsed): a running one is
 * resumed here, a cancelled one is finalized. The chunk results in S3 say what was
 * done, so the new runner writes nothing twice.
 */
async function takeOverIfOrphaned(deps: RunnerDeps, store: JobStore, job: BulkRestoreJob, now: Date): Promise<TakeOver> {
  const orphan = !job.finishedAt && (job.status === "running" || (job.status === "cancelled" && job.run !== undefined)) && !isRunningHere(job.id);
  if (!orphan) return { job, resumed: false };
  const lease = (await store.getLease(job.id))?.value ?? null;
  if (!leaseExpired(lease, now)) return { job, resumed: false, leaseExpiresAt: new Date(lease!.expiresAt) };
  if (job.status === "running") {
    void startRunner(deps, job.id);
    return { job, resumed: true };
  }
  await finalizeJob(deps, job.id);
  return { job: (await store.get(job.id)).value, resumed: false };
}

/** How many of the newest jobs a sweep looks at; older unfinished jobs resume when opened. */
export const SWEEP_JOBS = 100;

export interface SweepResult {
  resumed: string[];
  /** The earliest lapse of a lease held elsewhere, when another sweep could take that job over. */
  nextCheckAt: Date | null;
}

/**
 * Takes over the recent jobs whose runners are gone, without waiting for someone to
 * open them: what a console instance does when it starts, so a job interrupted by a
 * server restart carries on by itself.
 */
export async function resumeOrphanedJobs(deps: RunnerDeps, now = new Date()): Promise<SweepResult> {
  const store = new JobStore(deps.s3, deps.config);
  const unfinished = (await store.recent(SWEEP_JOBS)).filter((j) => !j.finishedAt && j.status !== "planned");
  const resumed: string[] = [];
  let nextCheckAt: Date | null = null;
  for (const job of unfinished) {
    const outcome = await takeOverIfOrphaned(deps, store, job, now);
    if (outcome.resumed) resumed.push(job.id);
    if (outcome.leaseExpiresAt && (!nextCheckAt || outcome.leaseExpiresAt < nextCheckAt)) nextCheckAt = outcome.leaseExpiresAt;
  }
  return { resumed, nextCheckAt };
}

export async function listJobs(s3: S3Client, config: LazarusConfig, limit = 20): Promise<JobListEntry[]> {
  const jobs = await new JobStore(s3, config).recent(limit);
  return jobs.map((j) => ({ id: j.id, service: j.service, status: j.status, itemCount: j.itemCount, createdAt: j.createdAt, createdBy: j.createdBy.email }));
}

export const RESULT_CSV_COLUMNS = ["item", "key", "archive_key", "plan", "outcome", "reason", "attempts"] as const;

/**
 * One row per item of the job, in item order: its outcome when its chunk is
 * recorded, "pending" otherwise. Streamed: rows are produced chunk by chunk.
 */
export function resultsCsv(s3: S3Client, config: LazarusConfig, jobId: string): ReadableStream<Uint8Array> {
  const store = new JobStore(s3, config);
  const csv = stringify({ header: true, columns: [...RESULT_CSV_COLUMNS] });
  const produce = async () => {
    const [{ value: job }, items, results] = await Promise.all([store.get(jobId), store.items(jobId), store.chunkResults(jobId)]);
    const byItem = new Map(firstResults(results).flatMap((r) => r.items.map((item) => [item.i, item] as const)));
    for (const item of items) {
      const result = byItem.get(item.i);
      const row = [item.i, item.keyText, item.archiveKey, item.category, result?.outcome ?? (job.status === "cancelled" ? "not-run" : "pending"), result?.reason ?? "", result?.attempts ?? 0];
      if (!csv.write(row)) await new Promise<void>((resolve) => csv.once("drain", resolve));
    }
    csv.end();
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      csv.on("data", (chunk: Buffer | string) => controller.enqueue(typeof chunk === "string" ? new TextEncoder().encode(chunk) : new Uint8Array(chunk)));
      csv.on("end", () => controller.close());
      csv.on("error", (error) => controller.error(error));
      produce().catch((error) => controller.error(error));
    },
  });
}
