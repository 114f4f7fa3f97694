import "server-only";
import { randomUUID } from "node:crypto";
import { PutItemCommand, type DynamoDBClient, type PutItemCommandInput } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import pThrottle from "p-throttle";
import { getArchivedRecord } from "../archive/archive-reader";
import type { AttributeMap, KeyValue } from "../archive/attribute-value";
import { readSealedRecords } from "../archive/bulk-record-read";
import { appendAuditEntry } from "../audit/audit-log";
import { findService } from "../config/load";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { erasedItemView } from "../erasure/erased-item";
import { erasedMessage, loadErasures, type ErasureRecord } from "../erasure/erasure-ledger";
import { getLiveItem, itemFingerprint } from "../restore/live-item";
import { overwriteCondition } from "../restore/restore-record";
import { toSdkItem } from "../restore/sdk-attribute-value";
import { applyTtlChoice } from "../restore/ttl-choice";
import type { BulkRestoreJob, ChunkResult, ItemResult, PlanItem, RunOptions } from "./job-types";
import { isPreconditionFailed } from "../aws/aws-errors";
import type { Versioned } from "../aws/s3-json";
import { JobStore, type Lease } from "./job-store";
import { forgetPlanImages, planImage } from "./plan-images";
import { erasureOf } from "./planner";
import { chunkBounds, computeProgress, firstResults } from "./progress";
import { DEFAULT_BACKOFF, RetriesExhaustedError, withBackoff, type BackoffOptions } from "./retry";
import { ALREADY_RESTORED_MESSAGE, CHANGED_SINCE_PLAN_MESSAGE, RESTORED_ABSENT_MESSAGE, transactionGroups, writeAbsentTogether, type AbsentWrite } from "./write-together";
import { processWide } from "../runtime/process-wide";

/**
 * Runs a planned job: chunk by chunk, items of a chunk with bounded concurrency,
 * one conditional PutItem per item (BatchWriteItem cannot carry conditions) or, in
 * the `transaction` write mode, absent items in conditional transactions, and
 * one result object per chunk written once. Why no item is written twice, even
 * across crashes and two runners, is in docs/BULK-RESTORE.md ("Exactly once").
 */

export interface RunnerDeps {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  config: LazarusConfig;
  concurrency?: number;
  /** How long a runner's claim on a job lasts without renewal. */
  leaseMs?: number;
  backoff?: BackoffOptions;
  runnerId?: string;
  /**
   * Aborting stops the runner the way a crash would: no result recorded for the
   * chunk in hand, lease not released. Tests use it to kill a runner mid-job.
   */
  crash?: AbortSignal;
  /** At most this long between two checkpoints (default CHECKPOINT_MS, or a third of the lease when shorter). */
  checkpointMs?: number;
}

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_LEASE_MS = 30_000;
/** Compressed bundle bytes of sealed records a runner reads ahead of its chunks: a few ranged GETs serve many chunks, and memory stays bounded. */
export const READ_AHEAD_BYTES = 4 * 1024 * 1024;
/**
 * Results are recorded when this long has passed since the last checkpoint, or when
 * CHECKPOINT_MAX_ITEMS wait, or at the end: a few objects a job instead of one a chunk.
 * What a killed runner wrote after its last checkpoint the next runner checks again,
 * each write still conditional.
 */
export const CHECKPOINT_MS = 5_000;
export const CHECKPOINT_MAX_ITEMS = 1_000;

export type RunEnd = "completed" | "cancelled" | "busy" | "lease-lost" | "not-running" | "crashed";

class CrashedError extends Error {
  override name = "CrashedError";
}

/** Runners of this process (pages included, which Next loads in another module runtime), so a cancel here stops at the next item without waiting for a poll. */
const active = processWide("bulk-restore-runners", () => new Map<string, JobRunner>());

export function isRunningHere(jobId: string): boolean {
  return active.has(jobId);
}

/**
 * Starts a runner for the job in this process unless one is already here; does not wait for it.
 * `started` is the job as the caller just wrote it (with its ETag), so the runner need not read it back.
 */
export function startRunner(deps: RunnerDeps, jobId: string, started?: Versioned<BulkRestoreJob>): Promise<RunEnd> {
  const existing = active.get(jobId);
  if (existing) return existing.done;
  const runner = new JobRunner(deps, jobId, started);
  active.set(jobId, runner);
  runner.done = runner.run().finally(() => active.delete(jobId));
  // A background runner's failure is logged; the job stays resumable.
  runner.done.catch((error) => console.error(JSON.stringify({ message: "bulk-restore runner stopped", jobId, error: error instanceof Error ? error.name : "unknown" })));
  return runner.done;
}

export function cancelHere(jobId: string): void {
  active.get(jobId)?.cancel();
}

export function leaseExpired(lease: Lease | null, now: Date): boolean {
  return lease === null || Date.parse(lease.expiresAt) <= now.getTime();
}

class JobRunner {
  done: Promise<RunEnd> = Promise.resolve("not-running");
  private readonly store: JobStore;
  private readonly runnerId: string;
  private readonly leaseMs: number;
  private cancelled = false;
  private leaseLost = false;
  private leaseEtag: string | null = null;
  /** Until when, by this process's clock, no other runner can have taken the lease: its last successful write, sent before this time, plus its length. */
  private leaseHeldUntil = 0;
  /** This runner created the job's lease: no runner held it before, so no chunk was recorded before it started. */
  private firstRunner = false;
  /** The job as last read or written, for a write with If-Match that needs no read first. */
  private known: Versioned<BulkRestoreJob> | undefined;

  constructor(
    private readonly deps: RunnerDeps,
    private readonly jobId: string,
    started?: Versioned<BulkRestoreJob>,
  ) {
    this.known = started;
    this.store = new JobStore(deps.s3, deps.config);
    this.runnerId = deps.runnerId ?? randomUUID();
    this.leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  }

  cancel(): void {
    this.cancelled = true;
  }

  private checkCrash(): void {
    if (this.deps.crash?.aborted) throw new CrashedError("runner crashed");
  }

  private async acquireLease(): Promise<boolean> {
    // A job's first runner creates the lease without reading it first; a lease that exists is read and replaced only once it has lapsed.
    try {
      const sent = Date.now();
      this.leaseEtag = await this.store.putLease(this.jobId, this.lease(new Date(sent + this.leaseMs)), null);
      this.leaseHeldUntil = sent + this.leaseMs;
      this.firstRunner = true;
      return true;
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
    }
    const current = await this.store.getLease(this.jobId);
    if (current && current.value.runner !== this.runnerId && !leaseExpired(current.value, new Date())) return false;
    try {
      const sent = Date.now();
      this.leaseEtag = await this.store.putLease(this.jobId, this.lease(new Date(sent + this.leaseMs)), current?.etag ?? null);
      this.leaseHeldUntil = sent + this.leaseMs;
      return true;
    } catch (error) {
      if (isPreconditionFailed(error)) return false;
      throw error;
    }
  }

  private leaseSurelyHeld(): boolean {
    return !this.leaseLost && Date.now() < this.leaseHeldUntil - this.leaseMs / 3;
  }

  private lease(expiresAt = new Date(Date.now() + this.leaseMs)): Lease {
    return { runner: this.runnerId, expiresAt: expiresAt.toISOString() };
  }

  /** Renews the lease and reads the job's status, so a cancel from another instance is seen within a third of a lease. */
  private async heartbeat(): Promise<void> {
    if (this.leaseLost || this.leaseEtag === null) return;
    try {
      const sent = Date.now();
      this.leaseEtag = await this.store.putLease(this.jobId, this.lease(new Date(sent + this.leaseMs)), this.leaseEtag);
      this.leaseHeldUntil = sent + this.leaseMs;
    } catch (error) {
      if (isPreconditionFailed(error)) this.leaseLost = true;
      else throw error;
    }
    this.known = await this.store.get(this.jobId);
    if (this.known.value.status !== "running") this.cancelled = true;
  }

  async run(): Promise<RunEnd> {
    if (!(await this.acquireLease())) return "busy";
    let timer: NodeJS.Timeout | undefined;
    try {
      this.known ??= await this.store.get(this.jobId);
      const job = this.known.value;
      if (job.status !== "running" || !job.options) {
        if (job.status === "cancelled") await finalizeJob(this.deps, this.jobId);
        return "not-running";
      }
      const service = findService(this.deps.config, job.service);
      if (!service) throw new Error(`job ${job.id} names service ${job.service}, which is no longer configured`);
      const items = await this.store.items(this.jobId);
      // Read again at run time: a key erased after the plan must still be refused.
      const erasures = await loadErasures(this.deps.s3, this.deps.config, service);
      const recorded = new Set(this.firstRunner ? [] : await this.store.recordedChunks(this.jobId));
      const checkpointMs = this.deps.checkpointMs ?? Math.min(CHECKPOINT_MS, this.leaseMs / 3);
      let pending: ChunkResult | undefined;
      let lastCheckpoint = Date.now();
      const own: ChunkResult[] = [];
      const checkpoint = async () => {
        if (!pending || this.leaseLost) return;
        const result = pending;
        pending = undefined;
        lastCheckpoint = Date.now();
        own.push((await this.store.recordChunkResult(job.id, result)).result);
      };
      let beating = false;
      timer = setInterval(() => {
        if (beating) return;
        beating = true;
        this.heartbeat()
          .catch(() => undefined)
          .finally(() => (beating = false));
      }, Math.max(50, Math.floor(this.leaseMs / 3)));

      let othersMayHaveRecorded = !this.firstRunner;
      for (let chunk = 0; chunk < job.chunkCount; chunk += 1) {
        this.checkCrash();
        if (this.cancelled || this.leaseLost) break;
        if (!recorded.has(chunk) && !this.leaseSurelyHeld()) {
          // Another runner may have recorded it since the LIST, but only if it took the lease over: while this
          // runner's lease surely holds (with a third of its length to spare for clocks apart), nobody else ran.
          othersMayHaveRecorded = true;
          for (const c of await this.store.recordedChunks(this.jobId)) recorded.add(c);
        }
        if (recorded.has(chunk)) {
          // A checkpoint covers consecutive chunks only.
          await checkpoint();
          continue;
        }
        const { start, end } = chunkBounds(chunk, job.chunkSize, job.itemCount);
        const run = await this.runChunk(job, service, job.options, erasures, items.slice(start, end), items.slice(end));
        if (!run) break;
        pending = pending
          ? { ...pending, lastChunk: chunk, finishedAt: run.finishedAt, items: [...pending.items, ...run.items], ...(run.partial ? { partial: true } : {}) }
          : { schemaVersion: 1, chunk, runner: this.runnerId, startedAt: run.startedAt, finishedAt: run.finishedAt, items: run.items, ...(run.partial ? { partial: true } : {}) };
        if (run.partial || Date.now() - lastCheckpoint >= checkpointMs || pending.items.length >= CHECKPOINT_MAX_ITEMS) await checkpoint();
      }
      this.checkCrash();
      await checkpoint();
      if (this.leaseLost) return "lease-lost";
      clearInterval(timer);
      timer = undefined;
      // Every result is this runner's own when it was the job's first and never lost the lease: the end needs no LIST of them.
      const results = !othersMayHaveRecorded && this.leaseSurelyHeld() ? own : undefined;
      const end = await finalizeJob(this.deps, this.jobId, { known: this.known, results });
      forgetPlanImages(this.jobId);
      // A finished job is never resumed, so its lease need not be released.
      return end;
    } catch (error) {
      if (error instanceof CrashedError) return "crashed";
      await this.releaseLease().catch(() => undefined);
      throw error;
    } finally {
      if (timer) clearInterval(timer);
    }
  }

  private async releaseLease(): Promise<void> {
    if (this.leaseEtag === null || this.leaseLost || this.deps.crash?.aborted) return;
    try {
      await this.store.putLease(this.jobId, this.lease(new Date(0)), this.leaseEtag);
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
    }
  }

  /** The chunk's handled items (partial when a cancel stopped it), or nothing to record (lease lost, or stopped before its first item). */
  private async runChunk(
    job: BulkRestoreJob,
    service: ServiceConfig,
    options: RunOptions,
    erasures: Map<string, ErasureRecord>,
    items: PlanItem[],
    later: PlanItem[],
  ): Promise<{ startedAt: string; finishedAt: string; items: ItemResult[]; partial: boolean } | undefined> {
    const startedAt = new Date().toISOString();
    const images = await this.imagesOf(job, service, options, erasures, items, later);
    const limit = pLimit(this.deps.concurrency ?? DEFAULT_CONCURRENCY);
    const paced = this.pace(options);
    const oneByOne = (list: PlanItem[]): Promise<(ItemResult | undefined)[]> =>
      Promise.all(
        list.map((item) =>
          limit(async () => {
            await paced();
            this.checkCrash();
            if (this.cancelled || this.leaseLost) return undefined;
            const result = await restoreItem(this.deps, service, options, erasures, item, images.get(item.i));
            this.checkCrash();
            return result;
          }),
        ),
      );
    let results: (ItemResult | undefined)[];
    if (options.writeMode === "transaction") {
      const together: AbsentWrite[] = [];
      const alone: PlanItem[] = [];
      const writable = (item: PlanItem) => item.category === "absent" && item.key !== null && !isExcluded(options, item.i) && !erasureOf(erasures, service, item.key, item.deletedAt);
      // Open-day images not kept from the plan are read here, so their items can still go together.
      const unread = items.filter((item) => writable(item) && !images.has(item.i));
      await Promise.all(
        unread.map((item) =>
          limit(async () => {
            const read = await withBackoff(() => getArchivedRecord(this.deps.s3, this.deps.config, service, item.archiveKey), this.deps.backoff ?? DEFAULT_BACKOFF).catch(() => undefined);
            if (read?.value.ok && itemFingerprint(read.value.deletion.oldImage) === item.archivedFingerprint) images.set(item.i, read.value.deletion.oldImage);
          }),
        ),
      );
      for (const item of items) {
        const image = images.get(item.i);
        if (writable(item) && image) together.push({ item, image: restoredImage(service, options, image) });
        else alone.push(item);
      }
      results = await oneByOne(alone);
      const table = { name: service.table.name, partitionKey: service.table.partitionKey.name };
      for (const group of transactionGroups(together)) {
        for (let k = 0; k < group.length; k += 1) await paced();
        this.checkCrash();
        if (this.cancelled || this.leaseLost) break;
        const written = await writeAbsentTogether(this.deps, table, group);
        this.checkCrash();
        results.push(...written.results, ...(await oneByOne(written.alone)));
      }
    } else {
      results = await oneByOne(items);
    }
    const handled = results.filter((r): r is ItemResult => r !== undefined).sort((a, b) => a.i - b.i);
    if (this.leaseLost) return undefined;
    if (handled.length === 0 && items.length > 0) return undefined;
    return { startedAt, finishedAt: new Date().toISOString(), items: handled, partial: handled.length < items.length };
  }

  private paced: (() => Promise<void>) | undefined;

  /** Waits for the next slot under the job's items-per-second cap (one slot per item, across chunks); no wait without a cap. */
  private pace(options: RunOptions): () => Promise<void> {
    if (!options.itemsPerSecond) return async () => undefined;
    this.paced ??= pThrottle({ limit: options.itemsPerSecond, interval: 1_000, strict: true })(async () => undefined);
    return this.paced;
  }

  /** Sealed images read ahead for later chunks, by item position; each is used once. */
  private readAhead = new Map<number, AttributeMap>();

  /**
   * The images of the chunk's items to be written, without a request per item where
   * possible: those the plan kept in this process, then sealed records by ranged GETs
   * of their bundles, reading ahead for the next chunks too (neighbouring members in
   * one GET, at most READ_AHEAD_BYTES of members at a time). Each must still have the
   * fingerprint the plan recorded; any other item is read on its own by restoreItem.
   */
  private async imagesOf(job: BulkRestoreJob, service: ServiceConfig, options: RunOptions, erasures: Map<string, ErasureRecord>, items: PlanItem[], later: PlanItem[]): Promise<Map<number, AttributeMap>> {
    const images = new Map<number, AttributeMap>();
    const writes = (item: PlanItem) =>
      (item.category === "absent" || (item.category === "conflicting" && options.overwriteConflicting)) &&
      item.key !== null &&
      !isExcluded(options, item.i) &&
      !erasureOf(erasures, service, item.key, item.deletedAt);
    let missing = false;
    for (const item of items) {
      if (!writes(item)) continue;
      const image = planImage(job.id, item.i, item.archivedFingerprint) ?? this.readAhead.get(item.i);
      this.readAhead.delete(item.i);
      if (image) images.set(item.i, image);
      else if (item.sealed) missing = true;
    }
    if (!missing) return images;
    const toRead: { i: number; archiveKey: string; location: NonNullable<PlanItem["sealed"]> }[] = [];
    let bytes = 0;
    for (const item of [...items, ...later]) {
      if (!item.sealed || images.has(item.i) || this.readAhead.has(item.i) || !writes(item) || planImage(job.id, item.i, item.archivedFingerprint)) continue;
      if (bytes + item.sealed.length > READ_AHEAD_BYTES && toRead.length > 0) break;
      toRead.push({ i: item.i, archiveKey: item.archiveKey, location: item.sealed });
      bytes += item.sealed.length;
    }
    const fingerprints = new Map([...items, ...later].map((item) => [item.i, item.archivedFingerprint]));
    const inChunk = new Set(items.map((item) => item.i));
    try {
      for (const [i, record] of await readSealedRecords(this.deps.s3, this.deps.config, service, toRead)) {
        if (itemFingerprint(record.deletion.oldImage) !== fingerprints.get(i)) continue;
        if (inChunk.has(i)) images.set(i, record.deletion.oldImage);
        else this.readAhead.set(i, record.deletion.oldImage);
      }
    } catch (error) {
      // Each item is then read on its own, and reports its own failure.
      console.error(JSON.stringify({ message: "bulk-restore ranged read failed", jobId: job.id, error: error instanceof Error ? error.name : "unknown" }));
    }
    return images;
  }
}

const EXCLUDED_MESSAGE = "skipped: excluded from the plan before the run";

const excludedSets = new WeakMap<number[], ReadonlySet<number>>();

/** Whether the admin unticked the item before the run; the set is built once per options object. */
export function isExcluded(options: RunOptions, i: number): boolean {
  const list = options.exclude;
  if (!list || list.length === 0) return false;
  let set = excludedSets.get(list);
  if (!set) {
    set = new Set(list);
    excludedSets.set(list, set);
  }
  return set.has(i);
}

const DONE_MESSAGE_ALREADY = ALREADY_RESTORED_MESSAGE;
const CHANGED_MESSAGE = CHANGED_SINCE_PLAN_MESSAGE;

function errorText(error: unknown): string {
  if (error instanceof RetriesExhaustedError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : "unknown error";
}

/** The image a restore writes: the archived one with the run's TTL choice applied. */
function restoredImage(service: ServiceConfig, options: RunOptions, archived: AttributeMap): AttributeMap {
  const ttlAttribute = service.table.ttlAttribute;
  const applies = options.ttl.action === "keep" || (ttlAttribute !== undefined && Object.hasOwn(archived, ttlAttribute));
  return applies ? applyTtlChoice(archived, ttlAttribute, options.ttl) : archived;
}

/** One item: never throws for the item's own problems, which become its result. */
export async function restoreItem(
  deps: Pick<RunnerDeps, "s3" | "dynamodb" | "config" | "backoff">,
  service: ServiceConfig,
  options: RunOptions,
  erasures: Map<string, ErasureRecord>,
  item: PlanItem,
  /** The archived image, already read (or kept from the plan) and checked against the plan's fingerprint. */
  archivedImage?: AttributeMap,
): Promise<ItemResult> {
  let attempts = 0;
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const base = { i: item.i, archiveKey: item.archiveKey, keyText: item.keyText };
  const result = (outcome: ItemResult["outcome"], reason: string): ItemResult => ({ ...base, outcome, reason, attempts });
  const aws = async <T>(fn: () => Promise<T>): Promise<T> => (await withBackoff(() => ((attempts += 1), fn()), backoff)).value;

  if (isExcluded(options, item.i)) return result("skipped", EXCLUDED_MESSAGE);
  switch (item.category) {
    case "identical":
      return result("skipped", "the live item is identical to the archived one; nothing to write");
    case "duplicate":
    case "unreadable":
    case "erased":
      return result("skipped", `${item.category}: ${item.reason ?? ""}`.trim());
    case "conflicting":
      if (!options.overwriteConflicting) return result("skipped", "conflicting live item: not overwritten (overwrite was not chosen)");
      break;
    case "absent":
      break;
  }
  const key = item.key as Record<string, KeyValue>;
  const erasure = erasureOf(erasures, service, key, item.deletedAt);
  // Erased after the plan: the result row names the record as the erasure does, not by its key.
  if (erasure) return { ...result("skipped", `refused: ${erasedMessage(erasure)}`), ...erasedItemView(deps.config, service, item) };

  try {
    let oldImage = archivedImage;
    if (!oldImage) {
      const read = await aws(() => getArchivedRecord(deps.s3, deps.config, service, item.archiveKey));
      if (!read.ok) return result("failed", `archive unreadable: ${read.error.message}`);
      oldImage = read.deletion.oldImage;
    }
    const image = restoredImage(service, options, oldImage);
    const restoredFingerprint = itemFingerprint(image);
    const table = service.table.name;
    const partitionKey = service.table.partitionKey.name;

    let condition: Pick<PutItemCommandInput, "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues">;
    if (item.category === "absent") {
      condition = { ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": partitionKey } };
    } else {
      const live = await aws(() => getLiveItem(deps.dynamodb, table, key));
      const seen = itemFingerprint(live);
      if (seen === restoredFingerprint) return result("already-restored", DONE_MESSAGE_ALREADY);
      if (seen !== item.liveFingerprint || live === null) return result("skipped", CHANGED_MESSAGE);
      const { guard: _guard, ...guarded } = overwriteCondition(live, partitionKey);
      condition = guarded;
    }

    try {
      await aws(() => deps.dynamodb.send(new PutItemCommand({ TableName: table, Item: toSdkItem(image), ...condition })));
      return result("restored", item.category === "absent" ? RESTORED_ABSENT_MESSAGE : "restored (overwrote the conflicting live item seen in the plan)");
    } catch (error) {
      if (!(error instanceof Error && error.name === "ConditionalCheckFailedException")) throw error;
      // Refused by the condition: either this runner (or one before a crash) already wrote it, or someone else did.
      const live = await aws(() => getLiveItem(deps.dynamodb, table, key));
      return itemFingerprint(live) === restoredFingerprint ? result("already-restored", DONE_MESSAGE_ALREADY) : result("skipped", CHANGED_MESSAGE);
    }
  } catch (error) {
    return result("failed", errorText(error));
  }
}

/**
 * Ends a job once: the first caller to set finishedAt (If-Match on job.json)
 * writes the audit outcome. Called by the runner that completes or notices a
 * cancel, and by a poller that finds a cancelled job whose runner is gone.
 */
export async function finalizeJob(
  deps: Pick<RunnerDeps, "s3" | "config">,
  jobId: string,
  /** From a runner: the job as it last read it, and every recorded result when it knows them all. */
  from: { known?: Versioned<BulkRestoreJob>; results?: ChunkResult[] } = {},
): Promise<"completed" | "cancelled"> {
  const store = new JobStore(deps.s3, deps.config);
  const finishedAt = new Date().toISOString();
  const { job, changed } = await store.update(
    jobId,
    (current) => {
      if (current.finishedAt) return null;
      if (current.status === "running") return { ...current, status: "completed", finishedAt };
      if (current.status === "cancelled") return { ...current, finishedAt };
      return null;
    },
    from.known,
  );
  if (changed && job.run) {
    const chunks = firstResults(from.results ?? (await store.chunkResults(jobId)));
    const progress = computeProgress(job.itemCount, chunks);
    // Listed beside the job and named in the outcome, so reports can say "restored since, by whom" per record.
    const archiveKeys = chunks.flatMap((c) => c.items.filter((r) => r.outcome === "restored" || r.outcome === "already-restored").map((r) => r.archiveKey));
    const restoredList = await store.writeRestoredList(jobId, archiveKeys).catch((error: unknown) => {
      console.error(JSON.stringify({ message: "bulk-restore restored list not written", jobId, error: error instanceof Error ? error.name : "unknown" }));
      return null;
    });
    const cancelled = job.status === "cancelled";
    try {
      await appendAuditEntry(deps.s3, deps.config, {
        operationId: job.run.auditOperationId,
        actor: job.run.startedBy,
        role: job.run.role,
        action: "bulk-restore",
        outcome: progress.failed > 0 ? "failed" : "succeeded",
        service: job.service,
        table: job.table,
        mode: job.options?.overwriteConflicting ? "overwrite" : "no-clobber",
        message: `${cancelled ? "cancelled" : "completed"}: ${progress.done} restored, ${progress.skipped} skipped, ${progress.failed} failed of ${job.itemCount}`,
        details: { jobId, cancelled, itemCount: job.itemCount, done: progress.done, skipped: progress.skipped, failed: progress.failed, processed: progress.processed, ...(job.cancelledBy ? { cancelledBy: job.cancelledBy.email } : {}), restoredCount: archiveKeys.length, restoredList: restoredList ?? "not written: see the server log" },
      });
    } catch (error) {
      console.error(JSON.stringify({ message: "bulk-restore audit outcome not recorded", jobId, error: error instanceof Error ? error.name : "unknown" }));
    }
  }
  return job.status === "cancelled" ? "cancelled" : "completed";
}
