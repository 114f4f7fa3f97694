import "server-only";
import { randomUUID } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { z } from "zod";
import type { KeyValue } from "../archive/attribute-value";
import { decodeKeyValue, isHashedEncoding } from "../archive/key-codec";
import { MAX_LOOKUP_LIMIT, readIndexEntry } from "../archive/key-lookup";
import { INDEX_SEGMENT, servicePrefix, splitDatedKey } from "../archive/layout";
import { listObjects } from "../archive/object-listing";
import { listVersionsUnder, versionListingPages, type ObjectVersionRef } from "../archive/object-versions";
import { getJson } from "../aws/s3-json";
import { appendAuditEntry, type NewAuditEntry } from "../audit/audit-log";
import { JOBS_SEGMENT } from "../bulk-restore/job-store";
import { storedJobSchema } from "../bulk-restore/job-types";
import { storedPitrJobSchema } from "../pitr/pitr-types";
import { ConfigError } from "../config/load";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { attributionLocation, cleanFailureCopies, deleteVersions, emptySummary, errorName, removeAttributions, removeRecords } from "./erase";
import {
  bucketHasObjectLock,
  describeLock,
  failedBatchRecords,
  keyMatches,
  planErasure,
  readFailedBatch,
  recordMatches,
  strictestLock,
  versionLock,
  type PlannedRecord,
  type RecordMatcher,
} from "./erasure-plan";
import type { ErasureSummary, LockState } from "./erasure-request";
import {
  erasureCovers,
  erasureKeyHash,
  erasureNameAliasKey,
  ledgerWatchPrefix,
  listLedger,
  nameHashOf,
  readLedgerEntry,
  readNameAlias,
  recheckDelayMs,
  REPLICA_MARKER_SEGMENT,
  type ErasureLedgerEntry,
} from "./ledger-format";
import { bulkRestoreVersionsHolding, pitrVersionsHolding, type JobFileVersion, type JobStateScope, type JobVersionsVerdict } from "./job-state";
import { recordLocation } from "./record-location";
import { findSubjectRecords, listVersionsOf } from "./record-sources";
import { sealedDayLocation, sealedLeftovers, type PlannedSealedDay } from "./sealed-erasure";
import { attributionServicePrefix, parseAttributionName } from "../attribution/attribution-layout";

export { REPLICA_MARKER_SEGMENT };

/**
 * The replica eraser (docs/ERASURE.md, "The replica"): applies, in the bucket that S3
 * Replication fills in another account, the erasures the console made in the archive.
 *
 * Deletes are not replicated (on purpose: a delete in the archive account must not reach
 * the copy), so after an erasure the replica still holds every version the archive had:
 * the subject's archive objects and index entries, per-record objects of sealed days (the
 * sealer deleted them in the archive only), and the bundles, manifests and pages the
 * erasure replaced. The ledger entry replicates like any object and names the key only by
 * its hash. So, per service with entries to apply:
 *
 * 1. the by-key index's folders are walked once (ListObjectVersions with a delimiter, so a
 *    folder whose entries are only noncurrent is seen too); a folder name shows the key, or
 *    its hash for long and binary keys, which the ledger's name alias turns into the
 *    ledger's hash; the key is read from one of its entries then;
 * 2. each key whose erasureKeyHash is in the ledger is planned by the console's own plan
 *    (erasure-plan.ts) against the replica bucket, and the records the erasure covers
 *    (deleted up to `erasedAt`) are removed by the console's own removal (erase.ts,
 *    sealed-erasure.ts): every version of objects and entries, subject's bundle members
 *    blanked in place, replaced sealed versions deleted;
 * 3. a record under Object Lock retention or legal hold is left whole (object and entry)
 *    and reported pending, with the date the retention ends; the next sweep tries again;
 * 4. older versions of job files under `_jobs/` (bulk restores, point-in-time compares) of
 *    the service that hold the subject are deleted: the archive's erasure rewrote them and
 *    deleted their older versions there, and only the rewrite replicates. A current version
 *    that still holds it (the rewrite has not arrived) keeps the entry settling;
 * 5. what was removed is listed again; then a marker
 *    `{prefix}_replica-erasures/{service}/{keyHash}.{ETag of the entry}.json` says the
 *    entry is applied, written only once nothing is left or pending **and** the erasure has
 *    settled: the archive's own re-check has marked it (its `{keyHash}.rechecked.json`,
 *    which replicates like the entry) and the replication allowance has passed since that
 *    re-check ran. Until then a record archived during the erasure's window, or sealed into
 *    a bundle before the re-check removed it, can still arrive, whatever the clock says.
 *
 * Every run that has something to apply writes a `started` and an outcome audit entry
 * (`action: "erasure"`, `mode: "replica"`) to the replica's own `_audit/`, by key hash and
 * location only.
 *
 * Cost per run: one LIST per 1,000 ledger objects and markers per service; for a service
 * with entries to apply, ⌈index folders and their versions / 1,000⌉ ListObjectVersions
 * (the walk follows the number of distinct keys of the service, not of records: see the
 * docs), one GET per hashed folder whose alias is in the ledger, then per key the
 * console's plan and removal costs (docs/ERASURE.md); for job files, ⌈versions under
 * `_jobs/` / 1,000⌉ ListObjectVersions, 1 GET per job (its service) and 1 GET per version
 * of the service's job files that can hold keys, 1 DeleteObjects per 1,000 versions removed.
 */

/**
 * How long a replicated object may arrive after it was written in the archive. S3 Replication
 * Time Control replicates 99.99% within 15 minutes; without it most objects arrive within
 * minutes, with no bound. Six hours is the allowance before an erasure is marked applied.
 */
export const REPLICATION_ALLOWANCE_MS = 6 * 3_600_000;

const ACTOR = { id: "lazarus-replica-eraser", email: "", name: "Replica eraser" } as const;
const KEY_READ_CONCURRENCY = 8;

/** The config as the replica eraser sees it: the archive is the replica bucket, failure buckets their replicas (if any). */
export function replicaConfig(config: LazarusConfig): LazarusConfig {
  const replication = config.archive.secondCopy.replication;
  if (!replication) throw new ConfigError('The replica eraser needs "archive.secondCopy.replication" in the config: it applies erasures in the replica bucket named there.');
  return { ...config, archive: { ...config.archive, bucket: replication.destinationBucket } };
}

/** The replica of a service's failure bucket, or null when its failed batches are not replicated. */
function failureReplica(config: LazarusConfig, service: ServiceConfig): string | null {
  if (service.onFailure.type !== "s3") return null;
  return config.archive.secondCopy.replication?.eraser?.failureBucketReplicas[service.onFailure.bucket] ?? null;
}

/** The earliest an erasure can settle in the replica: the archive's re-check cannot run before its delay. */
export function replicaSettleMs(service: Pick<ServiceConfig, "archiver">): number {
  return recheckDelayMs(service) + REPLICATION_ALLOWANCE_MS;
}

/**
 * How long past the earliest settle time the eraser waits for the archive's re-check marker
 * before it reports the erasure (the run fails, its alarm fires): the re-check runs hourly
 * and keeps an erasure due while a day is busy, so a few hours late is normal, a day is not.
 */
export const RECHECK_OVERDUE_MS = 24 * 3_600_000;

const recheckMarkerSchema = z.object({ erasedAt: z.string(), recheckedAt: z.string() });

/**
 * Whether an erasure has settled in the replica, and why not. Time alone cannot say: the
 * archive's re-check runs at least `recheckDelayMs` after the erasure but may run hours
 * later (hourly schedule, busy days, failures), and until it has, the archive can still
 * write the subject (a late record, or a seal that bundles one). So it settles once the
 * re-check's marker for this erasure (same `erasedAt`) has replicated and
 * REPLICATION_ALLOWANCE_MS has passed since the re-check ran, for what the archive wrote
 * before it to arrive too (replication keeps no order). 1 GET of the marker.
 */
async function settleState(s3: S3Client, bucket: string, service: ServiceConfig, entry: ErasureLedgerEntry, marker: string | null, now: Date): Promise<{ settled: boolean; overdue: string | null }> {
  const earliest = new Date(entry.erasedAt).getTime() + replicaSettleMs(service);
  const rechecked = marker ? (await getJson(s3, bucket, marker, recheckMarkerSchema).catch(() => null))?.value : undefined;
  if (rechecked && rechecked.erasedAt === entry.erasedAt) {
    return { settled: now.getTime() >= Math.max(earliest, new Date(rechecked.recheckedAt).getTime() + REPLICATION_ALLOWANCE_MS), overdue: null };
  }
  const overdue =
    now.getTime() >= earliest + RECHECK_OVERDUE_MS
      ? `the archive's re-check of this erasure has not reached the replica ${Math.floor((now.getTime() - new Date(entry.erasedAt).getTime()) / 3_600_000)} hours after the erasure: is the re-check running in the archive account, and does _erasures/ replicate?`
      : null;
  return { settled: false, overdue };
}

export function replicaMarkerKey(archivePrefix: string, service: string, keyHash: string, etag: string): string {
  return `${archivePrefix}${REPLICA_MARKER_SEGMENT}/${service}/${keyHash}.${etag}.json`;
}

/** A ledger entry named by an S3 event (`{prefix}_erasures/{service}/{keyHash}.json`), or null for any other object. */
export function ledgerEntryOfKey(config: LazarusConfig, key: string): { service: string; keyHash: string } | null {
  const prefix = ledgerWatchPrefix(config.archive.prefix);
  if (!key.startsWith(prefix)) return null;
  const m = /^([a-z0-9-]+)\/([0-9a-f]{64})\.json$/.exec(key.slice(prefix.length));
  return m ? { service: m[1] as string, keyHash: m[2] as string } : null;
}

export interface ReplicaErasureOutcome {
  service: string;
  keyHash: string;
  erasedAt: string;
  /** applied: nothing left and settled (marked); settling: nothing left yet, re-checked by a later sweep; pending: locked versions left; incomplete: something could not be removed. */
  state: "applied" | "settling" | "pending" | "incomplete";
  records: number;
}

export interface ReplicaEraseResult {
  /** The run's audit operation id; null when nothing was due (nothing is written then). */
  auditId: string | null;
  due: number;
  erasures: ReplicaErasureOutcome[];
  summary: ErasureSummary;
  /** Locked versions left for a later sweep: where, and until when (null: a legal hold, no end date). */
  pending: { location: string; until: string | null; reason: string }[];
  locations: string[];
}

interface DueEntry {
  entry: ErasureLedgerEntry;
  etag: string;
  /** The archive's re-check marker beside the entry, once it has replicated. */
  rechecked: string | null;
}

export interface ReplicaEraseOptions {
  /** The time settling is judged by (a drill can look ahead). Object Lock is always judged by the real clock, as S3 judges it. */
  now?: Date;
  /** Only these entries (an S3 event names them); default every entry of every service. */
  only?: { service: string; keyHash: string }[];
  /** Apply entries already marked applied too (after an S3 Batch Replication brought old versions back). */
  all?: boolean;
}

export async function applyReplicaErasures(s3: S3Client, sourceConfig: LazarusConfig, options: ReplicaEraseOptions = {}): Promise<ReplicaEraseResult> {
  const config = replicaConfig(sourceConfig);
  const now = options.now ?? new Date();
  const bucket = config.archive.bucket;
  const result: ReplicaEraseResult = { auditId: null, due: 0, erasures: [], summary: emptySummary("erase"), pending: [], locations: [] };

  const dueByService = new Map<ServiceConfig, Map<string, DueEntry>>();
  for (const service of config.services) {
    if (options.only && !options.only.some((o) => o.service === service.name)) continue;
    const due = await dueEntries(s3, config, service, options);
    if (due.size > 0) dueByService.set(service, due);
    result.due += due.size;
  }
  if (result.due === 0) return result;

  const operationId = randomUUID();
  result.auditId = operationId;
  const keyHashes: Record<string, string[]> = {};
  for (const [service, due] of dueByService) keyHashes[service.name] = [...due.keys()];
  const base: Omit<NewAuditEntry, "outcome"> = {
    operationId,
    actor: { ...ACTOR },
    role: "admin",
    action: "erasure",
    mode: "replica",
    details: { bucket, keyHashes, erasureAuditIds: [...new Set([...dueByService.values()].flatMap((d) => [...d.values()].map((e) => e.entry.auditId)))] },
  };
  // Write-ahead, as for an erasure: nothing is removed that the log does not announce.
  await appendAuditEntry(s3, config, { ...base, outcome: "started", message: `applying ${result.due} erasure(s) in the replica s3://${bucket}` });

  for (const [service, due] of dueByService) {
    try {
      await applyInService(s3, config, service, due, now, result);
    } catch (error) {
      result.summary.remaining.push({ location: service.name, reason: `stopped with ${errorName(error)}` });
      for (const { entry } of due.values()) {
        if (!result.erasures.some((e) => e.keyHash === entry.keyHash)) result.erasures.push({ service: service.name, keyHash: entry.keyHash, erasedAt: entry.erasedAt, state: "incomplete", records: 0 });
      }
    }
  }

  const { summary } = result;
  const failed = summary.remaining.length > 0;
  const count = (state: ReplicaErasureOutcome["state"]) => result.erasures.filter((e) => e.state === state).length;
  const message = failed
    ? `Replica: ${summary.remaining.length} location(s) could not be erased; see details.remaining.`
    : `Replica: ${summary.records} record(s) erased (${summary.objectVersionsRemoved} object version(s), ${summary.indexEntriesRemoved} index entry version(s), ` +
      `${summary.sealedRecordsRemoved} sealed record(s), ${summary.sealedVersionsRemoved} replaced sealed version(s)); ` +
      `${count("applied")} erasure(s) applied, ${count("settling")} settling, ${count("pending")} pending under Object Lock.`;
  await appendAuditEntry(s3, config, {
    ...base,
    outcome: failed ? "failed" : "succeeded",
    message,
    details: { ...base.details, erasures: result.erasures, result: summary, pending: result.pending, locations: result.locations },
  }).catch((error: unknown) => console.error(JSON.stringify({ message: "replica erasure outcome not recorded", operationId, error: errorName(error) })));
  return result;
}

/** Ledger entries of the service not yet marked applied (one LIST of the ledger, one of the markers, one GET per entry due). */
async function dueEntries(s3: S3Client, config: LazarusConfig, service: ServiceConfig, options: ReplicaEraseOptions): Promise<Map<string, DueEntry>> {
  const bucket = config.archive.bucket;
  const listing = await listLedger(s3, bucket, config.archive.prefix, service.name);
  const markers = new Set<string>();
  const markerPrefix = `${config.archive.prefix}${REPLICA_MARKER_SEGMENT}/${service.name}/`;
  if (!options.all) for await (const object of listObjects(s3, { bucket, prefix: markerPrefix })) markers.add(object.key);
  const due = new Map<string, DueEntry>();
  for (const [keyHash, object] of listing.entries) {
    if (options.only && !options.only.some((o) => o.service === service.name && o.keyHash === keyHash)) continue;
    if (markers.has(replicaMarkerKey(config.archive.prefix, service.name, keyHash, object.etag))) continue;
    const entry = await readLedgerEntry(s3, bucket, object.key);
    if (entry) due.set(keyHash, { entry, etag: object.etag, rechecked: listing.rechecked.get(keyHash)?.key ?? null });
  }
  return due;
}

/** The folders directly under a prefix, from every version (a folder holding only noncurrent versions or delete markers included). */
async function listVersionFolders(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const folders = new Set<string>();
  for await (const page of versionListingPages(s3, bucket, prefix, "/")) for (const p of page.CommonPrefixes ?? []) if (p.Prefix) folders.add(p.Prefix);
  return [...folders];
}

/**
 * The typed keys, under the service's index, whose ledger hash is due. A readable folder
 * name is decoded and hashed; a hashed one is looked up in the ledger's name aliases and,
 * when one points at a due entry, its key is read from the folder's newest entry with data.
 */
async function subjectKeys(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  due: ReadonlySet<string>,
  unresolved: (folder: string, reason: string) => void,
): Promise<Map<string, KeyValue[]>> {
  const bucket = config.archive.bucket;
  const indexBase = `${servicePrefix(config.archive.prefix, service.name)}${INDEX_SEGMENT}/`;
  const found = new Map<string, KeyValue[]>();
  const add = (hash: string, key: KeyValue) => found.set(hash, [...(found.get(hash) ?? []), key]);
  const hashed: string[] = [];
  for (const folder of await listVersionFolders(s3, bucket, indexBase)) {
    const encoded = folder.slice(indexBase.length, -1);
    if (isHashedEncoding(encoded)) {
      hashed.push(folder);
      continue;
    }
    let key: KeyValue | null;
    try {
      key = decodeKeyValue(encoded, service.table.partitionKey.type);
    } catch {
      continue;
    }
    if (!key) continue;
    const hash = erasureKeyHash(service.name, key);
    if (due.has(hash)) add(hash, key);
  }
  const read = pLimit(KEY_READ_CONCURRENCY);
  await Promise.all(
    hashed.map((folder) =>
      read(async () => {
        const nameHash = nameHashOf(folder.slice(indexBase.length, -1));
        const hash = nameHash ? await readNameAlias(s3, bucket, erasureNameAliasKey(config.archive.prefix, service.name, nameHash)) : null;
        if (!hash || !due.has(hash)) return;
        const key = await keyInFolder(s3, config, service, folder);
        if (key && erasureKeyHash(service.name, key) === hash) add(hash, key);
        else unresolved(`${service.name} index folder #sha256:${nameHash}`, "its full key could not be read from any version of its entries");
      }),
    ),
  );
  return found;
}

async function keyInFolder(s3: S3Client, config: LazarusConfig, service: ServiceConfig, folder: string): Promise<KeyValue | null> {
  const entries = new Map<string, { versionId: string; isLatest: boolean }[]>();
  // The first page holding any version is enough: every entry of the folder names the same key.
  for await (const page of versionListingPages(s3, config.archive.bucket, folder)) {
    for (const v of page.Versions ?? []) if (v.Key) entries.set(v.Key, [...(entries.get(v.Key) ?? []), { versionId: v.VersionId ?? "null", isLatest: v.IsLatest === true }]);
    if (entries.size > 0) break;
  }
  const one = pLimit(1);
  for (const [key, versions] of entries) {
    for (const version of versions) {
      const outcome = await readIndexEntry(s3, config, service, { key, size: 0, versionId: version.versionId }, () => true, one);
      if (outcome.kind === "match" && !outcome.deletion.partitionKey.hashed) return outcome.deletion.partitionKey.value;
    }
  }
  return null;
}

function keyText(key: KeyValue): string {
  return "S" in key ? key.S : "N" in key ? key.N : key.B;
}

function lockUntil(lock: LockState): string | null {
  return lock.state === "retention" ? lock.until : null;
}

async function applyInService(s3: S3Client, config: LazarusConfig, service: ServiceConfig, due: Map<string, DueEntry>, now: Date, result: ReplicaEraseResult): Promise<void> {
  const bucket = config.archive.bucket;
  const { summary } = result;
  const unresolvedFolders: { location: string; reason: string }[] = [];
  // A hashed folder that could not be attributed may hold any due key: none of them is finished while one is left.
  const keys = await subjectKeys(s3, config, service, new Set(due.keys()), (location, reason) => unresolvedFolders.push({ location, reason }));
  const failureBucket = failureReplica(config, service);
  const replicaService: ServiceConfig = failureBucket ? { ...service, onFailure: { type: "s3", bucket: failureBucket } } : service;
  const jobs = await loadJobVersions(s3, config, service, (location, reason) => unresolvedFolders.push({ location, reason }));

  for (const [keyHash, { entry, etag, rechecked }] of due) {
    const remainingBefore = summary.remaining.length;
    const pendingBefore = result.pending.length;
    let records = 0;
    const archiveKeys = new Set<string>();
    for (const key of keys.get(keyHash) ?? []) {
      const query = { match: "exact" as const, key: keyText(key), services: [service.name] };
      const plan = await planErasure(s3, config, query, new Date(), { failureCopies: () => false });
      const covered = plan.records.filter((r) => erasureCovers(entry, r.deletion.deletedAt));
      for (const record of covered) archiveKeys.add(record.deletion.archiveKey);
      for (const blocker of plan.blockers.filter((b) => !/Object Lock|legal hold/.test(b))) summary.remaining.push({ location: service.name, reason: blocker });

      const dayOfRecord = (r: PlannedRecord) => {
        const dated = splitDatedKey(r.deletion.archiveKey.slice(servicePrefix(config.archive.prefix, service.name).length));
        return dated ? sealedDayLocation(service, dated.day) : "";
      };
      // A day with only records deleted after the erasure (new data) is left alone.
      const coveredDays = new Set(covered.map(dayOfRecord));
      const days = plan.sealedDays.filter((d) => coveredDays.has(sealedDayLocation(d.service, d.day)));
      // Locked records and locked sealed days stay whole (object and entry), for a later sweep.
      const heldDays = new Set<string>();
      for (const day of days) {
        const location = sealedDayLocation(day.service, day.day);
        if (day.lock.state !== "none") {
          heldDays.add(location);
          result.pending.push({ location, until: lockUntil(day.lock), reason: describeLock(day.lock) ?? "locked" });
        } else if (day.problem) {
          heldDays.add(location);
          summary.remaining.push({ location, reason: day.problem });
        }
      }
      const erasable: PlannedRecord[] = [];
      for (const record of covered) {
        const location = recordLocation(config, service.name, record.deletion.archiveKey);
        if (record.lock.state !== "none") result.pending.push({ location, until: lockUntil(record.lock), reason: describeLock(record.lock) ?? "locked" });
        else if (!heldDays.has(dayOfRecord(record))) erasable.push(record);
      }
      const coveredNames = new Set(erasable.map((r) => r.deletion.archiveKey.slice(r.deletion.archiveKey.lastIndexOf("/") + 1)));
      const sealedDays: PlannedSealedDay[] = days
        .filter((d) => !heldDays.has(sealedDayLocation(d.service, d.day)))
        .map((d) => ({ ...d, names: d.names.filter((n) => coveredNames.has(n)) }));

      result.locations.push(...erasable.map((r) => recordLocation(config, service.name, r.deletion.archiveKey)));
      await removeRecords(s3, config, { records: erasable, sealedDays }, summary);
      records += erasable.length;
      // The callers of the covered deletions: records of calls made before the erasure (a later call deleted new data).
      const attributions = plan.attributions.filter((a) => {
        const calledAt = attributionCallTime(config, service, a.objectKey);
        return calledAt !== undefined && erasureCovers(entry, calledAt);
      });
      for (const a of attributions.filter((a) => a.lock.state !== "none")) {
        result.pending.push({ location: attributionLocation(a), until: lockUntil(a.lock), reason: describeLock(a.lock) ?? "locked" });
      }
      await removeAttributions(s3, config, attributions.filter((a) => a.lock.state === "none"), summary);
      const held = new Set(covered.filter((r) => !erasable.includes(r)).map((r) => r.deletion.archiveKey));
      await verifyRemoved(s3, config, service, { key, entry, held }, erasable, sealedDays, result);
    }

    if (failureBucket) {
      const matches: RecordMatcher = (pk, deletedAt) => erasureKeyHash(service.name, pk) === keyHash && erasureCovers(entry, deletedAt);
      await eraseFailedBatchVersions(s3, failureBucket, replicaService, matches, result);
    }

    const { settled, overdue } = await settleState(s3, bucket, service, entry, rechecked, now);
    if (overdue) summary.remaining.push({ location: `${service.name} erasure ${entry.auditId}`, reason: overdue });
    const scope: JobStateScope = {
      config,
      services: [service],
      archiveKeys,
      matches: (_, pk, deletedAt) => pk !== undefined && erasureKeyHash(service.name, pk) === keyHash && erasureCovers(entry, deletedAt),
    };
    const currentJobFiles = await eraseJobVersions(s3, config, service, jobs, scope, keyHash, result);
    if (settled) {
      // Settled, the archive's rewrite has had every allowance to arrive: one still missing is reported, and alarms.
      for (const key of currentJobFiles) summary.remaining.push({ location: `s3://${bucket}/${key}`, reason: "its current version still holds the subject: the archive's rewrite of this job file has not replicated" });
    }

    summary.records += records;
    summary.keyHashes.push(keyHash);
    const incomplete = summary.remaining.length > remainingBefore || unresolvedFolders.length > 0;
    const pending = result.pending.length > pendingBefore;
    const state: ReplicaErasureOutcome["state"] = incomplete ? "incomplete" : pending ? "pending" : settled && currentJobFiles.length === 0 ? "applied" : "settling";
    if (state === "applied") {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: replicaMarkerKey(config.archive.prefix, service.name, keyHash, etag),
          Body: JSON.stringify({ schemaVersion: 1, keyHash, erasedAt: entry.erasedAt, erasureAuditId: entry.auditId, appliedAt: now.toISOString(), auditId: result.auditId }),
          ContentType: "application/json",
        }),
      );
    }
    result.erasures.push({ service: service.name, keyHash, erasedAt: entry.erasedAt, state, records });
  }
  summary.remaining.push(...unresolvedFolders);
}

/** When the call an attribution record stands for was made, from its name (`{service}/{yyyy}/{mm}/{dd}/{folder}/{time}_…`). */
function attributionCallTime(config: LazarusConfig, service: ServiceConfig, objectKey: string): Date | undefined {
  const relative = objectKey.slice(attributionServicePrefix(config.archive.prefix, service.name).length);
  const m = /^(\d{4})\/(\d{2})\/(\d{2})\/(.+)$/.exec(relative);
  if (!m) return undefined;
  return parseAttributionName(m[4]!, new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))))?.eventTime;
}

/** One job's stored file versions, and which kind of job it is. */
interface JobVersions {
  kind: "bulk-restore" | "pitr";
  versions: JobFileVersion[];
}

/**
 * Every version of the files of the service's jobs in the replica's `_jobs/` (bulk restores
 * and point-in-time restores), with their text. A job's service is read from its newest job
 * file; a job whose service cannot be read is reported, since it may hold anyone's keys.
 */
async function loadJobVersions(s3: S3Client, config: LazarusConfig, service: ServiceConfig, unreadable: (location: string, reason: string) => void): Promise<JobVersions[]> {
  const bucket = config.archive.bucket;
  const root = `${config.archive.prefix}${JOBS_SEGMENT}/`;
  const byJob = new Map<string, { kind: JobVersions["kind"]; jobFile: string; refs: ObjectVersionRef[] }>();
  for await (const version of listVersionsUnder(s3, bucket, root)) {
    if (version.isDeleteMarker) continue;
    const rest = version.key.slice(root.length);
    const bulk = /^bulk-restore\/([^/]+)\//.exec(rest);
    const pitr = /^pitr\/([^/]+?)(?:\.json$|\/)/.exec(rest);
    const id = bulk ? `bulk-restore/${bulk[1]}` : pitr ? `pitr/${pitr[1]}` : null;
    if (!id) continue;
    const job = byJob.get(id) ?? { kind: bulk ? "bulk-restore" : "pitr", jobFile: bulk ? `${root}${id}/job.json` : `${root}${id}.json`, refs: [] };
    job.refs.push(version);
    byJob.set(id, job);
  }
  const read = pLimit(KEY_READ_CONCURRENCY);
  const text = (ref: ObjectVersionRef) =>
    read(async () => {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: ref.key, ...(ref.versionId === "null" ? {} : { VersionId: ref.versionId }) }));
      return (await out.Body?.transformToString("utf-8")) ?? "";
    });
  const jobs: JobVersions[] = [];
  for (const job of byJob.values()) {
    const newest = job.refs.find((r) => r.key === job.jobFile && r.isLatest);
    const body = newest ? await text(newest) : "";
    let owner: string | null = null;
    try {
      owner = (job.kind === "bulk-restore" ? storedJobSchema : storedPitrJobSchema).safeParse(JSON.parse(body)).data?.service ?? null;
    } catch {
      owner = null;
    }
    if (owner === null) {
      unreadable(`s3://${bucket}/${job.jobFile}`, "the job's service could not be read, so its files could not be checked for the subject");
      continue;
    }
    if (owner !== service.name) continue;
    const keyed = job.refs.filter((r) => !/\/(lease|state|latest)\.json$/.test(r.key) && r.key !== (job.kind === "pitr" ? job.jobFile : ""));
    jobs.push({ kind: job.kind, versions: await Promise.all(keyed.map(async (r) => ({ key: r.key, versionId: r.versionId, isLatest: r.isLatest, text: await text(r) }))) });
  }
  return jobs;
}

/**
 * Deletes every noncurrent version of the service's job files that holds the subject (matched
 * as the archive's erasure matches: job-state.ts). The current version is left as it is: the
 * archive's rewrite of it replicates. Returns the files whose current version still holds the
 * subject. Locked versions are reported pending, as records are.
 */
async function eraseJobVersions(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  jobs: readonly JobVersions[],
  scope: JobStateScope,
  keyHash: string,
  result: ReplicaEraseResult,
): Promise<string[]> {
  const bucket = config.archive.bucket;
  const { summary } = result;
  const verdicts: JobVersionsVerdict[] = jobs.map((job) => (job.kind === "bulk-restore" ? bulkRestoreVersionsHolding(scope, service, new Set([keyHash]), job.versions) : pitrVersionsHolding(scope, service, job.versions)));
  const holding = verdicts.flatMap((v) => v.holding);
  for (const version of verdicts.flatMap((v) => v.unreadable)) summary.remaining.push({ location: `s3://${bucket}/${version.key}`, reason: `version ${version.versionId} could not be read as a job file` });
  const current = [...new Set(holding.filter((v) => v.isLatest).map((v) => v.key))];
  const older = holding.filter((v) => !v.isLatest);
  if (older.length === 0) return current;

  const lockEnabled = await bucketHasObjectLock(s3, bucket);
  const now = new Date();
  const free: JobFileVersion[] = [];
  for (const version of older) {
    const lock = lockEnabled ? await versionLock(s3, bucket, version.key, version.versionId, now) : ({ state: "none" } as const);
    if (lock.state === "none") free.push(version);
    else result.pending.push({ location: `s3://${bucket}/${version.key}`, until: lockUntil(lock), reason: describeLock(lock) ?? "locked" });
  }
  result.locations.push(...new Set(free.map((v) => `s3://${bucket}/${v.key}`)));
  const removed = await deleteVersions(s3, bucket, free);
  summary.jobStateVersionsRemoved += removed.deleted;
  for (const e of removed.errors) summary.remaining.push({ location: `s3://${bucket}/${e.key}`, reason: e.reason });
  return current;
}

/**
 * Failed batches in a replicated failure bucket. The source's erasure rewrote each batch
 * that held the subject and deleted its older versions; here the older versions are all
 * still there (and the current one too, until the rewrite replicates). So every version is
 * read: a current one holding the subject is rewritten without it as the console does (and
 * every older version deleted); otherwise the older versions that hold it are deleted.
 */
async function eraseFailedBatchVersions(s3: S3Client, bucket: string, service: ServiceConfig, matches: RecordMatcher, result: ReplicaEraseResult): Promise<void> {
  const { summary } = result;
  const lockEnabled = await bucketHasObjectLock(s3, bucket);
  const byKey = new Map<string, ObjectVersionRef[]>();
  for await (const version of listVersionsUnder(s3, bucket, "aws/lambda/")) {
    if (!version.isDeleteMarker) byKey.set(version.key, [...(byKey.get(version.key) ?? []), version]);
  }
  for (const [key, versions] of byKey) {
    const holding: { version: ObjectVersionRef; subject: number; others: number }[] = [];
    for (const version of versions) {
      const text = await readFailedBatch(s3, bucket, key, version.versionId === "null" ? undefined : version.versionId);
      const batch = text === null ? null : failedBatchRecords(text);
      const subject = batch?.records.filter((r) => recordMatches(r, service, matches)).length ?? 0;
      if (batch && subject > 0) holding.push({ version, subject, others: batch.records.length - subject });
    }
    if (holding.length === 0) continue;
    const location = `s3://${bucket}/${key}`;
    result.locations.push(location);
    const now = new Date();
    const lock = lockEnabled ? strictestLock(await Promise.all(holding.map((h) => versionLock(s3, bucket, key, h.version.versionId, now)))) : ({ state: "none" } as const);
    if (lock.state !== "none") {
      result.pending.push({ location, until: lockUntil(lock), reason: describeLock(lock) ?? "locked" });
      continue;
    }
    const current = holding.find((h) => h.version.isLatest);
    if (current) {
      const copy = { service, bucket, objectKey: key, subjectRecords: current.subject, otherRecords: current.others, versions: versions.map((v) => ({ versionId: v.versionId, isDeleteMarker: false, isLatest: v.isLatest })), lock };
      await cleanFailureCopies(s3, [copy], "erase", [], summary, () => matches);
      continue;
    }
    const removed = await deleteVersions(s3, bucket, holding.map((h) => ({ key, versionId: h.version.versionId })));
    summary.failureCopyVersionsRemoved += removed.deleted;
    for (const e of removed.errors) summary.remaining.push({ location, reason: e.reason });
  }
}

/**
 * Lists again what was removed, and searches the key afresh: a covered record still found
 * (replicated while this ran) is reported, never assumed gone.
 */
async function verifyRemoved(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  subject: { key: KeyValue; entry: ErasureLedgerEntry; held: ReadonlySet<string> },
  removed: PlannedRecord[],
  sealedDays: PlannedSealedDay[],
  result: ReplicaEraseResult,
): Promise<void> {
  const bucket = config.archive.bucket;
  const reported = new Set(result.summary.remaining.map((r) => r.location));
  const pendingAt = new Set(result.pending.map((p) => p.location));
  const report = (location: string, reason: string) => {
    if (reported.has(location) || pendingAt.has(location)) return;
    reported.add(location);
    result.summary.remaining.push({ location, reason });
  };
  for (const record of removed) {
    const location = recordLocation(config, service.name, record.deletion.archiveKey);
    const left = (await listVersionsOf(s3, bucket, record.deletion.archiveKey)).length + (await listVersionsOf(s3, bucket, record.deletion.indexKey)).length;
    if (left > 0) report(location, `${left} version(s) still present`);
  }
  for (const day of sealedDays) for (const leftover of await sealedLeftovers(s3, config, day)) report(sealedDayLocation(day.service, day.day), leftover);
  const { key, entry, held } = subject;
  const again = await findSubjectRecords(s3, config, service, { exact: key }, (pk) => keyMatches({ match: "exact", key: keyText(key) }, service, pk), MAX_LOOKUP_LIMIT);
  for (const deletion of again.deletions) {
    // Held records (locked, or in a locked day) are already reported pending.
    if (erasureCovers(entry, deletion.deletedAt) && !held.has(deletion.archiveKey)) report(recordLocation(config, service.name, deletion.archiveKey), "still found after the erasure (replicated while it ran?): a later run removes it");
  }
}
