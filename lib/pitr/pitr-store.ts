import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { isPreconditionFailed } from "../aws/aws-errors";
import { getJson as getS3Json, putJson as putS3Json } from "../aws/s3-json";
import type { LazarusConfig } from "../config/schema";
import { listPages } from "../archive/object-listing";
import type { z } from "zod";
import {
  storedCompareChunkSchema,
  storedCompareStateSchema,
  storedLatestCompareSchema,
  storedPitrJobSchema,
  type CompareCategory,
  type CompareChunk,
  type CompareState,
  type PitrJob,
} from "./pitr-types";
import { DomainError } from "../errors/domain-error";
import { requireService } from "../http/inputs";

/**
 * PITR jobs live in the archive bucket, not in server memory, so any console
 * instance can show them: `{prefix}_jobs/pitr/{id}.json` for the job and
 * `{prefix}_jobs/pitr/{id}/compare/{compareId}/...` for a compare's state and chunks.
 */

export const PITR_JOBS_SEGMENT = "_jobs/pitr/";

const jobsPrefix = (config: LazarusConfig) => `${config.archive.prefix}${PITR_JOBS_SEGMENT}`;
export const jobKey = (config: LazarusConfig, id: string) => `${jobsPrefix(config)}${id}.json`;
const compareRoot = (config: LazarusConfig, id: string) => `${jobsPrefix(config)}${id}/compare/`;
export const compareStateKey = (config: LazarusConfig, id: string, compareId: string) => `${compareRoot(config, id)}${compareId}/state.json`;
export const latestCompareKey = (config: LazarusConfig, id: string) => `${compareRoot(config, id)}latest.json`;
/** Per-item outcomes of one copy-back, named by its audit operation. */
export const copyBackResultsKey = (config: LazarusConfig, id: string, compareId: string, operationId: string) =>
  `${compareRoot(config, id)}${compareId}/copy-back/${operationId}.json`;
export const compareChunkKey = (config: LazarusConfig, id: string, compareId: string, category: CompareCategory, chunk: number) =>
  `${compareRoot(config, id)}${compareId}/${category}/${String(chunk).padStart(7, "0")}.json`;

const putJson = (s3: S3Client, config: LazarusConfig, key: string, value: unknown) => putS3Json(s3, config.archive.bucket, key, value);

async function getJson<T>(s3: S3Client, config: LazarusConfig, key: string, schema: z.ZodType<T>): Promise<T | null> {
  return (await getS3Json(s3, config.archive.bucket, key, schema))?.value ?? null;
}

export const saveJob = (s3: S3Client, config: LazarusConfig, job: PitrJob) => putJson(s3, config, jobKey(config, job.id), job);
export const loadJob = (s3: S3Client, config: LazarusConfig, id: string) => getJson(s3, config, jobKey(config, id), storedPitrJobSchema);

/** The most recent jobs first. Lists only the top level (one LIST page per 1,000 jobs), then reads the newest `limit`. */
export async function listJobs(s3: S3Client, config: LazarusConfig, limit = 50): Promise<PitrJob[]> {
  const keys: { key: string; modified: number }[] = [];
  for await (const page of listPages(s3, { bucket: config.archive.bucket, prefix: jobsPrefix(config), delimiter: "/" })) {
    for (const object of page.objects) if (object.key.endsWith(".json")) keys.push({ key: object.key, modified: object.lastModified?.getTime() ?? 0 });
  }
  keys.sort((a, b) => b.modified - a.modified);
  const read = pLimit(8);
  const jobs = await Promise.all(keys.slice(0, limit).map((k) => read(() => getJson(s3, config, k.key, storedPitrJobSchema))));
  return jobs.filter((j): j is PitrJob => j !== null).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

export const saveCompareState = (s3: S3Client, config: LazarusConfig, state: CompareState) =>
  putJson(s3, config, compareStateKey(config, state.jobId, state.compareId), state);

/** Another instance started a compare of the same restore between our read of latest.json and our write. */
export class PitrJobNotFoundError extends DomainError {
  override name = "PitrJobNotFoundError";
  constructor(id: string) {
    super(404, "pitr-job-not-found", `There is no point-in-time restore with id ${id}.`);
  }
}

/** The restore a route names, and its service, which must still be configured. */
export async function requireJob(clients: { s3: S3Client }, config: LazarusConfig, id: string) {
  const job = await loadJob(clients.s3, config, id);
  if (!job) throw new PitrJobNotFoundError(id);
  const service = requireService(config, job.service);
  return { job, service };
}

export class CompareStartedElsewhereError extends DomainError {
  override name = "CompareStartedElsewhereError";
  constructor() {
    super(409, "compare-running", "A compare of this restore was started by someone else a moment ago; it is shown now.");
  }
}

/**
 * Makes `compareId` the restore's latest compare, only if latest.json is still what the
 * caller read (`etag`; null: there was none). Two instances starting a compare at once
 * both pass the "none running" check; exactly one of their writes lands.
 */
export async function claimLatestCompare(s3: S3Client, config: LazarusConfig, jobId: string, compareId: string, etag: string | null): Promise<void> {
  try {
    await putS3Json(s3, config.archive.bucket, latestCompareKey(config, jobId), { compareId }, etag === null ? { ifNoneMatch: true } : { ifMatch: etag });
  } catch (error) {
    if (isPreconditionFailed(error)) throw new CompareStartedElsewhereError();
    throw error;
  }
}
export const loadCompareState = (s3: S3Client, config: LazarusConfig, jobId: string, compareId: string) =>
  getJson(s3, config, compareStateKey(config, jobId, compareId), storedCompareStateSchema);
export async function loadLatestCompareState(s3: S3Client, config: LazarusConfig, jobId: string): Promise<CompareState | null> {
  return (await loadLatestCompare(s3, config, jobId)).state;
}

/** The latest compare's state and the ETag of latest.json, for claimLatestCompare. */
export async function loadLatestCompare(s3: S3Client, config: LazarusConfig, jobId: string): Promise<{ state: CompareState | null; etag: string | null }> {
  const latest = await getS3Json(s3, config.archive.bucket, latestCompareKey(config, jobId), storedLatestCompareSchema);
  if (!latest) return { state: null, etag: null };
  return { state: await loadCompareState(s3, config, jobId, latest.value.compareId), etag: latest.etag };
}
export async function saveCopyBackResults(s3: S3Client, config: LazarusConfig, jobId: string, compareId: string, operationId: string, value: unknown): Promise<string> {
  const key = copyBackResultsKey(config, jobId, compareId, operationId);
  await putJson(s3, config, key, value);
  return `s3://${config.archive.bucket}/${key}`;
}
export const saveCompareChunk = (s3: S3Client, config: LazarusConfig, jobId: string, compareId: string, chunk: CompareChunk) =>
  putJson(s3, config, compareChunkKey(config, jobId, compareId, chunk.category, chunk.chunk), chunk);
export const loadCompareChunk = (s3: S3Client, config: LazarusConfig, jobId: string, compareId: string, category: CompareCategory, chunk: number) =>
  getJson(s3, config, compareChunkKey(config, jobId, compareId, category, chunk), storedCompareChunkSchema);
