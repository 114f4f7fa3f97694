import "server-only";
import { randomBytes } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { compactTime } from "../audit/audit-layout";
import { isPreconditionFailed } from "../aws/aws-errors";
import { getJson, putJson, type Versioned } from "../aws/s3-json";
import { listFolders, listObjects } from "../archive/object-listing";
import type { LazarusConfig } from "../config/schema";
import type { DiffChange } from "../diff/item-diff";
import { storedChunkResultSchema, storedDiffsSchema, storedItemsSchema, storedJobSchema, type BulkRestoreJob, type ChunkResult, type PlanItem } from "./job-types";
import { DomainError } from "../errors/domain-error";

/**
 * Bulk-restore jobs live in the archive bucket, never in server memory, so any
 * console instance can show, run, resume or cancel any job:
 *
 *   {prefix}_jobs/bulk-restore/{jobId}/job.json          the job (rewritten with If-Match)
 *   {prefix}_jobs/bulk-restore/{jobId}/items.json        the plan's item list: keys and categories, no images
 *   {prefix}_jobs/bulk-restore/{jobId}/diffs.json        the differences of conflicting items, for the plan table
 *   {prefix}_jobs/bulk-restore/{jobId}/lease.json        which runner holds the job, until when (If-Match)
 *   {prefix}_jobs/bulk-restore/{jobId}/results/{chunk}.json   one chunk's results (If-None-Match: written once)
 *   {prefix}_jobs/bulk-restore/{jobId}/results/{first}-{last}.json   consecutive chunks recorded by one checkpoint
 *
 * Service names cannot start with "_", so the folder never collides with an archive.
 */
export const JOBS_SEGMENT = "_jobs";

export function jobsPrefix(archivePrefix: string): string {
  return `${archivePrefix}${JOBS_SEGMENT}/bulk-restore/`;
}

const JOB_ID = /^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{12}$/;
export const jobIdSchema = z.string().regex(JOB_ID, "is not a bulk-restore job id");
export const jobParams = z.strictObject({ jobId: jobIdSchema });

/** Sorts by creation time, so the newest jobs list last. */
export function newJobId(now: Date): string {
  return `${compactTime(now)}-${randomBytes(6).toString("hex")}`;
}

type JobObjectName = "job.json" | "items.json" | "diffs.json" | "lease.json" | "restored.json";

export function jobObjectKey(archivePrefix: string, jobId: string, name: JobObjectName): string {
  return `${jobsPrefix(archivePrefix)}${jobIdSchema.parse(jobId)}/${name}`;
}

export function chunkResultKey(archivePrefix: string, jobId: string, chunk: number, lastChunk = chunk): string {
  const name = (n: number) => String(n).padStart(6, "0");
  return `${jobsPrefix(archivePrefix)}${jobIdSchema.parse(jobId)}/results/${name(chunk)}${lastChunk > chunk ? `-${name(lastChunk)}` : ""}.json`;
}

export class JobNotFoundError extends DomainError {
  override name = "JobNotFoundError";
  constructor(readonly jobId: string) {
    super(404, "job-not-found", "There is no bulk-restore job with this id.");
  }
}

export class JobStore {
  constructor(
    private readonly s3: S3Client,
    private readonly config: LazarusConfig,
  ) {}

  private get bucket() {
    return this.config.archive.bucket;
  }

  private key(jobId: string, name: JobObjectName) {
    return jobObjectKey(this.config.archive.prefix, jobId, name);
  }

  /** Items and diffs first: a job.json that exists always has its plan. A plan without conflicting items has no diffs object (read as none). */
  async create(job: BulkRestoreJob, items: PlanItem[], diffs: Record<number, DiffChange[]>): Promise<void> {
    await putJson(this.s3, this.bucket, this.key(job.id, "items.json"), { items }, { ifNoneMatch: true });
    if (Object.keys(diffs).length > 0) await putJson(this.s3, this.bucket, this.key(job.id, "diffs.json"), { diffs }, { ifNoneMatch: true });
    await putJson(this.s3, this.bucket, this.key(job.id, "job.json"), job, { ifNoneMatch: true });
  }

  async get(jobId: string): Promise<Versioned<BulkRestoreJob>> {
    const found = await getJson(this.s3, this.bucket, this.key(jobId, "job.json"), storedJobSchema);
    if (!found) throw new JobNotFoundError(jobId);
    return found;
  }

  /**
   * Read-modify-write with If-Match: concurrent updates (a cancel while a runner
   * completes the job) are applied one after the other, never lost. `change`
   * returns null to leave the job as it is.
   */
  async update(
    jobId: string,
    change: (job: BulkRestoreJob) => BulkRestoreJob | null,
    /** The job as last read or written, to skip the first read; a stale one costs a refused write and a read. */
    known?: Versioned<BulkRestoreJob>,
  ): Promise<{ job: BulkRestoreJob; changed: boolean; etag: string }> {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const current = attempt === 0 && known ? known : await this.get(jobId);
      const next = change(current.value);
      if (next === null) return { job: current.value, changed: false, etag: current.etag };
      try {
        const etag = await putJson(this.s3, this.bucket, this.key(jobId, "job.json"), next, { ifMatch: current.etag });
        return { job: next, changed: true, etag };
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
      }
    }
    throw new Error(`job ${jobId} kept changing under concurrent updates`);
  }

  async items(jobId: string): Promise<PlanItem[]> {
    const found = await getJson(this.s3, this.bucket, this.key(jobId, "items.json"), storedItemsSchema);
    if (!found) throw new JobNotFoundError(jobId);
    return found.value.items;
  }

  async diffs(jobId: string): Promise<Record<number, DiffChange[]>> {
    return (await getJson(this.s3, this.bucket, this.key(jobId, "diffs.json"), storedDiffsSchema))?.value.diffs ?? {};
  }

  itemListLocation(jobId: string): string {
    return `s3://${this.bucket}/${this.key(jobId, "items.json")}`;
  }

  /**
   * The archive objects a finished job restored, for "restored since" in reports: too
   * many for an audit entry (entries are capped at 64 KiB), so the entry names this
   * object instead. Returns its s3:// location.
   */
  async writeRestoredList(jobId: string, archiveKeys: string[]): Promise<string> {
    await putJson(this.s3, this.bucket, this.key(jobId, "restored.json"), { archiveKeys }, null);
    return `s3://${this.bucket}/${this.key(jobId, "restored.json")}`;
  }

  async getLease(jobId: string): Promise<Versioned<Lease> | null> {
    return getJson(this.s3, this.bucket, this.key(jobId, "lease.json"), leaseSchema);
  }

  /** Creates (etag null) or replaces (the etag read) the lease; throws PreconditionFailed when someone else moved first. */
  async putLease(jobId: string, lease: Lease, etag: string | null): Promise<string> {
    return putJson(this.s3, this.bucket, this.key(jobId, "lease.json"), lease, etag === null ? { ifNoneMatch: true } : { ifMatch: etag });
  }

  async getChunkResult(jobId: string, chunk: number, lastChunk = chunk): Promise<ChunkResult | null> {
    return (await getJson(this.s3, this.bucket, chunkResultKey(this.config.archive.prefix, jobId, chunk, lastChunk), storedChunkResultSchema))?.value ?? null;
  }

  /**
   * Records a chunk, or a run of consecutive chunks (`lastChunk`), once. Returns the
   * result that stands: ours, or the one another runner recorded first under the same name.
   */
  async recordChunkResult(jobId: string, result: ChunkResult): Promise<{ recorded: boolean; result: ChunkResult }> {
    const key = chunkResultKey(this.config.archive.prefix, jobId, result.chunk, result.lastChunk);
    try {
      const etag = await putJson(this.s3, this.bucket, key, result, { ifNoneMatch: true });
      // What this process wrote it need not read back when it sums the progress.
      if (etag) resultCache(jobId).set(key, { etag, result });
      return { recorded: true, result };
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
      const existing = await getJson(this.s3, this.bucket, key, storedChunkResultSchema);
      if (!existing) throw error;
      return { recorded: false, result: existing.value };
    }
  }

  /** Chunk numbers with a recorded result, in order: one LIST per 1,000 result objects. */
  async recordedChunks(jobId: string): Promise<number[]> {
    const chunks = new Set<number>();
    for (const c of await this.listedChunks(jobId)) for (let n = c.chunk; n <= c.lastChunk; n += 1) chunks.add(n);
    return [...chunks].sort((a, b) => a - b);
  }

  private async listedChunks(jobId: string): Promise<{ key: string; chunk: number; lastChunk: number; etag: string }[]> {
    const prefix = `${jobsPrefix(this.config.archive.prefix)}${jobIdSchema.parse(jobId)}/results/`;
    const chunks: { key: string; chunk: number; lastChunk: number; etag: string }[] = [];
    for await (const o of listObjects(this.s3, { bucket: this.bucket, prefix })) {
      const m = /^(\d{6})(?:-(\d{6}))?\.json$/.exec(o.key.slice(prefix.length));
      if (m) chunks.push({ key: o.key, chunk: Number(m[1]), lastChunk: Number(m[2] ?? m[1]), etag: o.etag ?? "" });
    }
    return chunks.sort((a, b) => a.chunk - b.chunk || a.lastChunk - b.lastChunk);
  }

  /**
   * Every recorded result object, in chunk order. A runner writes each once; only an
   * erasure rewrites one (docs/ERASURE.md). So a process keeps what it has read by ETag,
   * and a poll fetches only new or rewritten ones. Two runners (a lease lapsed while its
   * runner lived on) can record overlapping chunks: readers count an item once
   * (`firstResults`).
   */
  async chunkResults(jobId: string): Promise<ChunkResult[]> {
    const listed = await this.listedChunks(jobId);
    const cache = resultCache(jobId);
    const stale = listed.filter((c) => cache.get(c.key)?.etag !== c.etag);
    for (let i = 0; i < stale.length; i += 16) {
      const batch = stale.slice(i, i + 16);
      const read = await Promise.all(batch.map((c) => this.getChunkResult(jobId, c.chunk, c.lastChunk)));
      read.forEach((result, j) => {
        const { key, etag } = batch[j]!;
        if (result) cache.set(key, { etag, result });
      });
    }
    return listed.map((c) => cache.get(c.key)?.result).filter((r): r is ChunkResult => r !== undefined);
  }

  /** The newest jobs first: one delimited LIST, then one GET per job shown. */
  async recent(limit: number): Promise<BulkRestoreJob[]> {
    const prefix = jobsPrefix(this.config.archive.prefix);
    const folders = await listFolders(this.s3, { bucket: this.bucket, prefix });
    const ids = folders
      .map((f) => f.slice(prefix.length, -1))
      .filter((id) => JOB_ID.test(id))
      .sort()
      .reverse()
      .slice(0, limit);
    const jobs = await Promise.all(ids.map((id) => getJson(this.s3, this.bucket, this.key(id, "job.json"), storedJobSchema)));
    return jobs.filter((j): j is Versioned<BulkRestoreJob> => j !== null).map((j) => j.value);
  }
}

const leaseSchema = z.object({ runner: z.string(), expiresAt: z.string() });
export type Lease = z.infer<typeof leaseSchema>;

const RESULT_CACHE_JOBS = 50;
type ResultCache = Map<string, { etag: string; result: ChunkResult }>;
const resultCaches = new Map<string, ResultCache>();

function resultCache(jobId: string): ResultCache {
  let cache = resultCaches.get(jobId);
  if (!cache) {
    cache = new Map();
    resultCaches.set(jobId, cache);
    if (resultCaches.size > RESULT_CACHE_JOBS) resultCaches.delete(resultCaches.keys().next().value as string);
  }
  return cache;
}
