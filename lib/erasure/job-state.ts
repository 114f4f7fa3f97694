import "server-only";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import type { AttributeMap, KeyValue } from "../archive/attribute-value";
import { listObjects } from "../archive/object-listing";
import { getJson } from "../aws/s3-json";
import { chunkResultKey, jobObjectKey, JobStore } from "../bulk-restore/job-store";
import { parsePastedLine } from "../bulk-restore/selection";
import { storedChunkResultSchema, storedDiffsSchema, storedItemsSchema, storedJobSchema, type BulkRestoreJob, type PlanItem, type Selection } from "../bulk-restore/job-types";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import type { DiffChange } from "../diff/item-diff";
import { COMPARE_STALE_MS } from "../pitr/pitr-compare";
import { listJobs as listPitrJobs, PITR_JOBS_SEGMENT } from "../pitr/pitr-store";
import { storedCompareChunkSchema, storedCompareStateSchema, storedCopyBackResultsSchema, type PitrJob } from "../pitr/pitr-types";
import { erasureKeyHash } from "./erasure-ledger";
import { keyMatches, subjectKeyFor } from "./erasure-plan";
import type { ErasureMode, ErasureQuery } from "./erasure-request";
import { erasedItemView } from "./erased-item";
import { redactImage } from "./redaction";

/**
 * The subject's keys in job state, the working copies Lazarus keeps beside the archive
 * under `{prefix}_jobs/`: bulk-restore jobs (item lists, diffs, results, restored lists,
 * the job's selection) and point-in-time compares (chunks holding whole items,
 * copy-back result lists). Each object holds many people's keys, so the subject's
 * entries are rewritten out of it (erase) or their attribute values replaced (redact),
 * and the object's older versions, which still hold them, are deleted.
 *
 * Finding them reads every job of the services in scope: erasures are rare and jobs
 * are not indexed by key.
 */

/** Whether a partition key (and, for items, the deletion time) is the subject's. */
export type SubjectKeyMatcher = (service: ServiceConfig, partitionKey: KeyValue | undefined, deletedAt?: string | null) => boolean;

export interface JobStateScope {
  config: LazarusConfig;
  matches: SubjectKeyMatcher;
  services: ServiceConfig[];
  /** Archive objects of the records being erased: items whose key could not be read are matched by these. */
  archiveKeys: ReadonlySet<string>;
  /** Only bulk-restore jobs created since (the re-check: older ones were cleaned by the erasure). */
  createdSince?: Date;
  /** Point-in-time compares too (the erasure); a compare run after an erasure leaves erased keys out itself. */
  pitr?: boolean;
}

/** The scope of an erasure request: exact keys match exactly, prefixes by prefix, whenever deleted. */
export function erasureScope(config: LazarusConfig, query: ErasureQuery, services: ServiceConfig[], archiveKeys: ReadonlySet<string>): JobStateScope {
  return { config, services, archiveKeys, pitr: true, matches: (service, key) => keyMatches(query, service, key) };
}

/** One job object that holds the subject, with the text it must hold instead. */
export interface JobStateRewrite {
  /** S3 key in the archive bucket. */
  objectKey: string;
  /** What the subject's entries in it are, for the audit entry (no key text). */
  kind: "bulk-restore item list" | "bulk-restore diffs" | "bulk-restore results" | "bulk-restore restored list" | "bulk-restore job" | "pitr compare chunk" | "pitr copy-back results";
  entries: number;
  body: string;
}

export interface JobStatePlan {
  rewrites: JobStateRewrite[];
  /** Reasons the erasure must wait: a job that holds the subject is still running. */
  blockers: string[];
}

async function readJson<T>(s3: S3Client, bucket: string, key: string, schema: z.ZodType<T>): Promise<T | null> {
  return (await getJson(s3, bucket, key, schema))?.value ?? null;
}

const REDACTED_DIFF_VALUE = { S: "[redacted]" } as const;

/** Started and not finished: a runner may still be writing its files (a cancelled job's runner stops at its next item). */
function mayBeRunning(job: BulkRestoreJob): boolean {
  return job.status !== "planned" && !job.finishedAt;
}

/**
 * Whether a pasted line (or an unresolved input, which is one) names the subject: its
 * partition key, typed as the service types it, matched exactly (or by prefix for a
 * prefix query). Text search would also match another customer whose key merely
 * contains the subject's ("CONTACT#subj-770" for "CONTACT#subj-77").
 */
function lineIsSubject(matches: SubjectKeyMatcher, service: ServiceConfig, line: string): boolean {
  const pasted = parsePastedLine(line);
  return pasted !== null && matches(service, subjectKeyFor(service, pasted.partitionKey) ?? undefined);
}

/**
 * A filter's key prefix that names the subject (matched as a key, exactly as pasted lines
 * are: "CONTACT#subj-770" is not "CONTACT#subj-77") becomes its ledger hash. A prefix
 * shorter than the key ("CONTACT#") names no one and stays.
 */
function scrubbedFilter(matches: SubjectKeyMatcher, service: ServiceConfig, selection: Selection): Selection | null {
  if (selection.kind !== "filter" || !selection.prefix) return null;
  const key = subjectKeyFor(service, selection.prefix);
  if (!key || !matches(service, key)) return null;
  return { ...selection, prefix: `erased (key hash ${erasureKeyHash(service.name, key)})` };
}

/** The key of an erased entry, as job state may keep it: its ledger hash, never its text. */
function hashOf(service: ServiceConfig, key: Record<string, KeyValue> | null): string | null {
  const partition = key?.[service.table.partitionKey.name];
  return partition ? erasureKeyHash(service.name, partition) : null;
}

function erasedPlanItem(config: LazarusConfig, service: ServiceConfig, item: PlanItem): PlanItem {
  return {
    i: item.i,
    ...erasedItemView(config, service, item),
    key: null,
    deletedAt: item.deletedAt,
    category: "erased",
    reason: "erased from the archive after this job was planned",
  };
}

/** The job's items that are the subject's: by key, or by archive object when the key could not be read. */
function subjectItems(scope: JobStateScope, service: ServiceConfig, items: PlanItem[]): Map<number, PlanItem> {
  const partitionKey = service.table.partitionKey.name;
  return new Map(
    items
      .filter((item) => (item.category !== "erased" && scope.matches(service, item.key?.[partitionKey], item.deletedAt)) || scope.archiveKeys.has(item.archiveKey))
      .map((item) => [item.i, item]),
  );
}

async function planBulkRestoreJob(s3: S3Client, store: JobStore, scope: JobStateScope, service: ServiceConfig, job: BulkRestoreJob, plan: JobStatePlan): Promise<void> {
  const { config, matches } = scope;
  const bucket = config.archive.bucket;
  const items = await store.items(job.id);
  const matched = subjectItems(scope, service, items);
  const selectionText = job.selection.kind === "pasted-keys" && job.selection.text.split("\n").some((line) => lineIsSubject(matches, service, line));
  const unresolved = job.plan.unresolved.filter((u) => lineIsSubject(matches, service, u.input));
  const filter = scrubbedFilter(matches, service, job.selection);
  if (matched.size === 0 && !selectionText && unresolved.length === 0 && !filter) return;
  if (mayBeRunning(job)) {
    plan.blockers.push(`bulk-restore job ${job.id} (${service.name}) is running and holds this subject's records: wait for it to finish or cancel it, then erase`);
    return;
  }

  if (matched.size > 0) {
    plan.rewrites.push({
      objectKey: jobObjectKey(config.archive.prefix, job.id, "items.json"),
      kind: "bulk-restore item list",
      entries: matched.size,
      body: JSON.stringify({ items: items.map((item) => (matched.has(item.i) ? erasedPlanItem(config, service, item) : item)) }),
    });
    const diffsKey = jobObjectKey(config.archive.prefix, job.id, "diffs.json");
    const diffs = await store.diffs(job.id);
    const subjectDiffs = Object.keys(diffs).filter((i) => matched.has(Number(i)));
    if (subjectDiffs.length > 0) {
      plan.rewrites.push({
        objectKey: diffsKey,
        kind: "bulk-restore diffs",
        entries: subjectDiffs.length,
        body: JSON.stringify({ diffs: Object.fromEntries(Object.entries(diffs).filter(([i]) => !matched.has(Number(i)))) }),
      });
    }
    for (const chunk of await store.chunkResults(job.id)) {
      const subject = chunk.items.filter((r) => matched.has(r.i));
      if (subject.length === 0) continue;
      plan.rewrites.push({
        objectKey: chunkResultKey(config.archive.prefix, job.id, chunk.chunk, chunk.lastChunk),
        kind: "bulk-restore results",
        entries: subject.length,
        body: JSON.stringify({
          ...chunk,
          items: chunk.items.map((r) => {
            if (!matched.has(r.i)) return r;
            const erased = erasedPlanItem(config, service, matched.get(r.i)!);
            return { ...r, archiveKey: erased.archiveKey, keyText: erased.keyText };
          }),
        }),
      });
    }
    const restoredKey = jobObjectKey(config.archive.prefix, job.id, "restored.json");
    const restored = await readJson(s3, bucket, restoredKey, z.object({ archiveKeys: z.array(z.string()) }));
    const subjectArchiveKeys = new Set([...matched.values()].map((item) => item.archiveKey));
    const restoredSubject = restored?.archiveKeys.filter((k) => subjectArchiveKeys.has(k)) ?? [];
    if (restored && restoredSubject.length > 0) {
      // Its records are gone from the archive: no report can list them as "restored since" any more.
      plan.rewrites.push({ objectKey: restoredKey, kind: "bulk-restore restored list", entries: restoredSubject.length, body: JSON.stringify({ archiveKeys: restored.archiveKeys.filter((k) => !subjectArchiveKeys.has(k)) }) });
    }
  }

  const selection = job.selection;
  const subjectKeys = new Set([...scope.archiveKeys, ...[...matched.values()].map((m) => m.archiveKey)]);
  const selectionHolds = (selection.kind === "archive-keys" && selection.archiveKeys.some((k) => subjectKeys.has(k))) || selectionText || filter !== null;
  if (selectionHolds || unresolved.length > 0) {
    const scrubbed: BulkRestoreJob = {
      ...job,
      selection:
        selection.kind === "archive-keys"
          ? { ...selection, archiveKeys: selection.archiveKeys.filter((k) => !subjectKeys.has(k)) }
          : selection.kind === "pasted-keys"
            ? { ...selection, text: selection.text.split("\n").filter((line) => !lineIsSubject(matches, service, line)).join("\n") || "(every line was erased)" }
            : (filter ?? selection),
      plan: { ...job.plan, unresolved: job.plan.unresolved.filter((u) => !lineIsSubject(matches, service, u.input)) },
    };
    plan.rewrites.push({ objectKey: jobObjectKey(config.archive.prefix, job.id, "job.json"), kind: "bulk-restore job", entries: 1, body: JSON.stringify(scrubbed) });
  }
}

function redactEntries<T extends { restored?: AttributeMap; live?: AttributeMap }>(entries: T[], attributes: ReadonlySet<string>): void {
  for (const entry of entries) {
    if (entry.restored) redactImage(entry.restored, attributes);
    if (entry.live) redactImage(entry.live, attributes);
  }
}

async function planPitrJob(s3: S3Client, scope: JobStateScope, service: ServiceConfig, job: PitrJob, mode: ErasureMode, attributes: ReadonlySet<string>, plan: JobStatePlan): Promise<void> {
  const { config, matches } = scope;
  const bucket = config.archive.bucket;
  const partitionKey = service.table.partitionKey.name;
  const isSubject = (key: Record<string, KeyValue> | undefined) => matches(service, key?.[partitionKey]);
  for await (const object of listObjects(s3, { bucket, prefix: `${config.archive.prefix}${PITR_JOBS_SEGMENT}${job.id}/compare/` })) {
    if (object.key.endsWith("/state.json")) {
      const state = await readJson(s3, bucket, object.key, storedCompareStateSchema);
      if (state?.status === "running" && Date.now() - new Date(state.updatedAt).getTime() < COMPARE_STALE_MS) {
        plan.blockers.push(`a compare of point-in-time restore ${job.id} (${service.name}) is running: wait for it to finish, then erase`);
      }
      continue;
    }
    if (object.key.includes("/copy-back/")) {
      if (mode !== "erase") continue;
      const result = await readJson(s3, bucket, object.key, storedCopyBackResultsSchema);
      const subject = result?.items.filter((r) => r.key && isSubject(r.key)) ?? [];
      if (!result || subject.length === 0) continue;
      plan.rewrites.push({
        objectKey: object.key,
        kind: "pitr copy-back results",
        entries: subject.length,
        // The shape copy-back itself uses for an erased key: its ledger hash instead of the key.
        body: JSON.stringify({ ...result, items: result.items.map((r) => (r.key && isSubject(r.key) ? { id: r.id, keyHash: hashOf(service, r.key), outcome: r.outcome, ...(r.message ? { message: r.message } : {}) } : r)) }),
      });
      continue;
    }
    if (object.key.endsWith("/latest.json")) continue;
    const chunk = await readJson(s3, bucket, object.key, storedCompareChunkSchema);
    const subject = chunk?.entries.filter((e) => isSubject(e.key)) ?? [];
    if (!chunk || subject.length === 0) continue;
    if (mode === "redact") redactEntries(subject, attributes);
    // Entry ids ("chunk:index") are stored with each entry, so removing one leaves the others' ids valid.
    const entries = mode === "erase" ? chunk.entries.filter((e) => !isSubject(e.key)) : chunk.entries;
    plan.rewrites.push({ objectKey: object.key, kind: "pitr compare chunk", entries: subject.length, body: JSON.stringify({ ...chunk, entries }) });
  }
}

/** Redact mode keeps keys: only attribute values in job state change (bulk-restore diffs, compare items). */
async function planBulkRestoreRedaction(store: JobStore, scope: JobStateScope, service: ServiceConfig, job: BulkRestoreJob, attributes: ReadonlySet<string>, plan: JobStatePlan): Promise<void> {
  const matched = subjectItems(scope, service, await store.items(job.id));
  if (matched.size === 0) return;
  const diffsKey = jobObjectKey(scope.config.archive.prefix, job.id, "diffs.json");
  const diffs = await store.diffs(job.id);
  let entries = 0;
  const redacted = Object.fromEntries(
    Object.entries(diffs).map(([i, changes]) => {
      if (!matched.has(Number(i))) return [i, changes];
      return [
        i,
        changes.map((change) => {
          if (!attributes.has(String(change.path[0]))) return change;
          entries += 1;
          return { ...change, ...("archived" in change ? { archived: REDACTED_DIFF_VALUE } : {}), ...("live" in change ? { live: REDACTED_DIFF_VALUE } : {}) } as DiffChange;
        }),
      ];
    }),
  );
  if (entries === 0) return;
  if (mayBeRunning(job)) {
    plan.blockers.push(`bulk-restore job ${job.id} (${service.name}) is running and holds this subject's records: wait for it to finish or cancel it, then redact`);
    return;
  }
  plan.rewrites.push({ objectKey: diffsKey, kind: "bulk-restore diffs", entries, body: JSON.stringify({ diffs: redacted }) });
}

export async function planJobState(s3: S3Client, scope: JobStateScope, mode: ErasureMode, attributes: readonly string[]): Promise<JobStatePlan> {
  const plan: JobStatePlan = { rewrites: [], blockers: [] };
  const byName = new Map(scope.services.map((s) => [s.name, s]));
  const attributeSet = new Set(attributes);

  const store = new JobStore(s3, scope.config);
  for (const job of await store.recent(Number.POSITIVE_INFINITY)) {
    const service = byName.get(job.service);
    if (!service) continue;
    if (scope.createdSince && new Date(job.createdAt).getTime() < scope.createdSince.getTime()) continue;
    if (mode === "erase") await planBulkRestoreJob(s3, store, scope, service, job, plan);
    else await planBulkRestoreRedaction(store, scope, service, job, attributeSet, plan);
  }
  for (const job of scope.pitr ? await listPitrJobs(s3, scope.config, Number.POSITIVE_INFINITY) : []) {
    const service = byName.get(job.service);
    if (service) await planPitrJob(s3, scope, service, job, mode, attributeSet, plan);
  }
  return plan;
}

/** Writes each rewrite; returns the new version id per object, for deleting the older ones. */
export async function writeJobState(s3: S3Client, config: LazarusConfig, rewrite: JobStateRewrite): Promise<string> {
  const put = await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: rewrite.objectKey, Body: rewrite.body, ContentType: "application/json" }));
  return put.VersionId ?? "null";
}

/** One stored version of a job file, with its text (a replica keeps every version: docs/ERASURE.md, "The replica"). */
export interface JobFileVersion {
  key: string;
  versionId: string;
  isLatest: boolean;
  text: string;
}

/** The versions of one job's files that hold the subject, and those that could not be read as what their name says. */
export interface JobVersionsVerdict {
  holding: JobFileVersion[];
  unreadable: JobFileVersion[];
}

function parsedAs<T>(text: string, schema: z.ZodType<T>): T | null {
  try {
    const result = schema.safeParse(JSON.parse(text));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

const restoredListSchema = z.object({ archiveKeys: z.array(z.string()) });

/**
 * Which stored versions of one bulk-restore job's files hold the subject, matched as the
 * erasure matches the current files (`planBulkRestoreJob`): exact keys, lines by the key
 * they name, never by searching text. Diffs and results name items only by number, so the
 * subject's item numbers come from every version of `items.json`: items that are the
 * subject's, and items an erasure already rewrote as `erased (key hash …)` with one of
 * `erasedHashes` (the current version, once the archive's rewrite has arrived).
 */
export function bulkRestoreVersionsHolding(scope: JobStateScope, service: ServiceConfig, erasedHashes: ReadonlySet<string>, versions: readonly JobFileVersion[]): JobVersionsVerdict {
  const verdict: JobVersionsVerdict = { holding: [], unreadable: [] };
  const partitionKey = service.table.partitionKey.name;
  const name = (v: JobFileVersion) => (v.key.includes("/results/") ? "results" : v.key.slice(v.key.lastIndexOf("/") + 1));
  const erasedTexts = new Set([...erasedHashes].map((h) => `erased (key hash ${h})`));
  const subjectItems = new Set<number>();
  const subjectObjects = new Set(scope.archiveKeys);
  for (const version of versions.filter((v) => name(v) === "items.json")) {
    for (const item of parsedAs(version.text, storedItemsSchema)?.items ?? []) {
      const live = item.category !== "erased";
      if ((live && scope.matches(service, item.key?.[partitionKey], item.deletedAt)) || scope.archiveKeys.has(item.archiveKey)) {
        subjectItems.add(item.i);
        if (live) subjectObjects.add(item.archiveKey);
      } else if (!live && erasedTexts.has(item.keyText)) {
        subjectItems.add(item.i);
      }
    }
  }
  const holds = (version: JobFileVersion): boolean | null => {
    switch (name(version)) {
      case "items.json": {
        const stored = parsedAs(version.text, storedItemsSchema);
        return stored && stored.items.some((item) => subjectItems.has(item.i) && item.category !== "erased");
      }
      case "diffs.json": {
        const stored = parsedAs(version.text, storedDiffsSchema);
        return stored && Object.keys(stored.diffs).some((i) => subjectItems.has(Number(i)));
      }
      case "results": {
        const stored = parsedAs(version.text, storedChunkResultSchema);
        return stored && stored.items.some((row) => subjectItems.has(row.i) && !row.keyText.startsWith("erased"));
      }
      case "restored.json": {
        const stored = parsedAs(version.text, restoredListSchema);
        return stored && stored.archiveKeys.some((k) => subjectObjects.has(k));
      }
      case "job.json": {
        const job = parsedAs(version.text, storedJobSchema);
        if (!job) return null;
        const selection = job.selection;
        return (
          (selection.kind === "archive-keys" && selection.archiveKeys.some((k) => subjectObjects.has(k))) ||
          (selection.kind === "pasted-keys" && selection.text.split("\n").some((line) => lineIsSubject(scope.matches, service, line))) ||
          job.plan.unresolved.some((u) => lineIsSubject(scope.matches, service, u.input)) ||
          scrubbedFilter(scope.matches, service, selection) !== null
        );
      }
      default:
        // lease.json: a runner's name and a time.
        return false;
    }
  };
  for (const version of versions) {
    const held = holds(version);
    if (held === null) verdict.unreadable.push(version);
    else if (held) verdict.holding.push(version);
  }
  return verdict;
}

/** Which stored versions of one point-in-time restore's compare files hold the subject: chunk entries and copy-back rows by exact key. */
export function pitrVersionsHolding(scope: JobStateScope, service: ServiceConfig, versions: readonly JobFileVersion[]): JobVersionsVerdict {
  const verdict: JobVersionsVerdict = { holding: [], unreadable: [] };
  const partitionKey = service.table.partitionKey.name;
  const isSubject = (key: Record<string, KeyValue> | undefined) => scope.matches(service, key?.[partitionKey]);
  for (const version of versions) {
    if (!version.key.includes("/compare/") || version.key.endsWith("/state.json") || version.key.endsWith("/latest.json")) continue;
    const held = version.key.includes("/copy-back/")
      ? parsedAs(version.text, storedCopyBackResultsSchema)?.items.some((r) => r.key !== undefined && isSubject(r.key))
      : parsedAs(version.text, storedCompareChunkSchema)?.entries.some((e) => isSubject(e.key));
    if (held === undefined) verdict.unreadable.push(version);
    else if (held) verdict.holding.push(version);
  }
  return verdict;
}
