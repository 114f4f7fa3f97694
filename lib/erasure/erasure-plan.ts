import "server-only";
import { GetObjectCommand, GetObjectLockConfigurationCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import type { KeyValue } from "../archive/attribute-value";
import { ArchiveInputError, getArchivedRecord, type NamedKey } from "../archive/archive-reader";
import { MAX_LOOKUP_LIMIT, type FoundDeletion } from "../archive/key-lookup";
import { listObjects } from "../archive/object-listing";
import { findService } from "../config/load";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import type { ErasureFinding, ErasureQuery, FailureCopyFinding, LockState } from "./erasure-request";
import { findSubjectRecords, listVersionPages, listVersionsOf, type ObjectVersion, type SubjectKeys } from "./record-sources";
import { awsErrorName, isMissingObject } from "../aws/aws-errors";
import { formatDay } from "../archive/archive-input";
import { dayOf, planSealedDays, type PlannedSealedDay } from "./sealed-erasure";
import type { CalendarDay } from "../archive/archive-input";
import { attributionDayPrefix, keyFolder } from "../attribution/attribution-layout";
import { candidateDays } from "../attribution/join";
import { discardedPrefix } from "../dlq/discarded-layout";
import { FAILURE_OBJECT_PREFIX } from "../dlq/failure-source";


/**
 * Finds everything an erasure of one subject would touch: every archived deletion
 * of the key (through the by-key index), every version of each archive object and
 * index entry, the Object Lock state of each version, and the failed batches an S3
 * on-failure destination keeps that hold the subject's records. Reads only.
 */

export interface PlannedRecord {
  service: ServiceConfig;
  deletion: FoundDeletion;
  /** The full partition key, for the ledger; null when neither the name nor the object gives it. */
  partitionKey: KeyValue | null;
  objectVersions: ObjectVersion[];
  indexVersions: ObjectVersion[];
  lock: LockState;
  attributeNames: string[];
  unreadable?: string;
  /** The record was read from a bundle (its day is sealed): the bundle part's key. */
  sealedIn?: string;
}

export interface PlannedFailureCopy {
  service: ServiceConfig;
  bucket: string;
  objectKey: string;
  subjectRecords: number;
  otherRecords: number;
  versions: ObjectVersion[];
  lock: LockState;
}

/** One attribution record (docs/ATTRIBUTION.md) naming the subject's key, with every version of it. */
export interface PlannedAttribution {
  service: ServiceConfig;
  objectKey: string;
  versions: ObjectVersion[];
  lock: LockState;
}

export interface ErasurePlan {
  services: ServiceConfig[];
  records: PlannedRecord[];
  failureCopies: PlannedFailureCopy[];
  /** The CloudTrail calls recorded for the subject's keys: their names and bodies hold the key. */
  attributions: PlannedAttribution[];
  /** Sealed days whose bundles, manifest and summary hold the subject's records. */
  sealedDays: PlannedSealedDay[];
  /** Whether the archive bucket has Object Lock on (so each version's lock was read). */
  lockEnabled: boolean;
  blockers: string[];
}

/** The subject's key as this service types it; null when the text cannot be a key of that type. */
export function subjectKeyFor(service: ServiceConfig, text: string): KeyValue | null {
  switch (service.table.partitionKey.type) {
    case "S":
      return { S: text };
    case "N":
      return /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? { N: text } : null;
    case "B":
      return /^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0 ? { B: text } : null;
  }
}

/** Whether a partition key matches the query: the same typed key, or (prefix) starting with the text. */
export function keyMatches(query: Pick<ErasureQuery, "match" | "key">, service: ServiceConfig, value: KeyValue | undefined): boolean {
  if (!value) return false;
  if (query.match === "exact") {
    const subject = subjectKeyFor(service, query.key);
    if (!subject) return false;
    const [type] = Object.keys(subject);
    if (Object.keys(value)[0] !== type) return false;
    if ("B" in value && "B" in subject) return Buffer.from(value.B, "base64").equals(Buffer.from(subject.B, "base64"));
    return JSON.stringify(value) === JSON.stringify(subject);
  }
  if ("S" in value) return value.S.startsWith(query.key);
  if ("N" in value) return value.N.startsWith(query.key);
  return false;
}

/** The query as record sources search for it in one service (whose key type can hold it: see planErasure). */
export function subjectKeysOf(service: ServiceConfig, query: Pick<ErasureQuery, "match" | "key">): SubjectKeys {
  return query.match === "exact" ? { exact: subjectKeyFor(service, query.key) as KeyValue } : { prefix: query.key };
}

export function servicesInScope(config: LazarusConfig, names: readonly string[] | undefined): ServiceConfig[] {
  if (!names || names.length === 0) return config.services;
  return [...new Set(names)].map((name) => {
    const service = findService(config, name);
    if (!service) throw new ArchiveInputError(`unknown service "${name}"`);
    return service;
  });
}

export function namedKeyText(key: NamedKey | undefined): string | null {
  if (!key || key.hashed) return null;
  const v = key.value;
  return "S" in v ? v.S : "N" in v ? v.N : v.B;
}

const CONCURRENCY = 8;
const FAILURE_COPY_MAX_BYTES = 64 * 1024 * 1024;


/** Whether a bucket has Object Lock turned on; one request, so unlocked buckets cost no per-object checks. */
export async function bucketHasObjectLock(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    const out = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    return out.ObjectLockConfiguration?.ObjectLockEnabled === "Enabled";
  } catch (error) {
    if (["ObjectLockConfigurationNotFoundError", "ObjectLockConfigurationNotFound", "NoSuchObjectLockConfiguration"].includes(awsErrorName(error) ?? "")) return false;
    throw error;
  }
}

/**
 * Retention and legal hold of one version, from one HEAD: S3 returns the lock
 * headers to callers allowed s3:GetObjectRetention and s3:GetObjectLegalHold
 * (the console's erasure policy grants both). GetObjectRetention would cost a
 * second request per version and fails on versions that never had retention.
 */
export async function versionLock(s3: S3Client, bucket: string, key: string, versionId: string, now: Date): Promise<LockState> {
  let head;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...(versionId === "null" ? {} : { VersionId: versionId }) }));
  } catch (error) {
    if (isMissingObject(error)) return { state: "none" };
    throw error;
  }
  const mode = head.ObjectLockMode;
  const until = head.ObjectLockRetainUntilDate;
  const legalHold = head.ObjectLockLegalHoldStatus === "ON";
  if ((mode === "GOVERNANCE" || mode === "COMPLIANCE") && until && new Date(until).getTime() > now.getTime()) {
    return { state: "retention", mode, until: new Date(until).toISOString(), legalHold };
  }
  return legalHold ? { state: "legal-hold" } : { state: "none" };
}

/** The strictest of several locks: a legal hold has no end date, then the latest retain-until. */
export function strictestLock(locks: LockState[]): LockState {
  const legalHold = locks.some((l) => l.state === "legal-hold" || (l.state === "retention" && l.legalHold));
  let latest: Extract<LockState, { state: "retention" }> | undefined;
  for (const lock of locks) if (lock.state === "retention" && (!latest || lock.until > latest.until)) latest = lock;
  if (latest) return { ...latest, legalHold };
  return legalHold ? { state: "legal-hold" } : { state: "none" };
}

async function locksOf(s3: S3Client, bucket: string, key: string, versions: ObjectVersion[], lockEnabled: boolean, now: Date): Promise<LockState> {
  if (!lockEnabled) return { state: "none" };
  const locks = await Promise.all(versions.filter((v) => !v.isDeleteMarker).map((v) => versionLock(s3, bucket, key, v.versionId, now)));
  return strictestLock(locks);
}

export function describeLock(lock: LockState): string | null {
  if (lock.state === "none") return null;
  if (lock.state === "legal-hold") return "a legal hold is on (it has no end date: it must be released first)";
  const until = `Object Lock ${lock.mode} retention until ${lock.until}`;
  return lock.legalHold ? `${until}, and a legal hold is on` : until;
}

async function planRecord(s3: S3Client, config: LazarusConfig, service: ServiceConfig, query: ErasureQuery, deletion: FoundDeletion, lockEnabled: boolean, now: Date): Promise<PlannedRecord> {
  const bucket = config.archive.bucket;
  const [objectVersions, indexVersions, read] = await Promise.all([
    listVersionsOf(s3, bucket, deletion.archiveKey),
    listVersionsOf(s3, bucket, deletion.indexKey),
    getArchivedRecord(s3, config, service, deletion.archiveKey),
  ]);
  const [objectLock, indexLock] = await Promise.all([
    locksOf(s3, bucket, deletion.archiveKey, objectVersions, lockEnabled, now),
    locksOf(s3, bucket, deletion.indexKey, indexVersions, lockEnabled, now),
  ]);
  const pkName = service.table.partitionKey.name;
  let partitionKey: KeyValue | null = null;
  if (read.ok) partitionKey = read.deletion.keys[pkName] ?? (read.deletion.oldImage[pkName] as KeyValue | undefined) ?? null;
  if (!partitionKey && !deletion.partitionKey.hashed) partitionKey = deletion.partitionKey.value;
  if (!partitionKey && query.match === "exact") partitionKey = subjectKeyFor(service, query.key);
  return {
    service,
    deletion,
    partitionKey,
    objectVersions,
    indexVersions,
    lock: strictestLock([objectLock, indexLock]),
    attributeNames: read.ok ? Object.keys(read.deletion.oldImage).sort() : [],
    ...(read.ok ? {} : { unreadable: read.error.kind === "not-found" ? "only older versions or delete markers remain" : read.error.message }),
    ...(read.ok && read.sealed ? { sealedIn: read.sealed.key } : {}),
  };
}

// ---------------------------------------------------------------------------
// Failed batches kept by an S3 on-failure destination

/** The stream records of a failed-batch object: its `payload` is the invocation's {Records: [...]} as a JSON string. */
export function failedBatchRecords(text: string): { envelope: Record<string, unknown>; records: Record<string, unknown>[] } | null {
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof envelope !== "object" || envelope === null || typeof (envelope as { payload?: unknown }).payload !== "string") return null;
  let payload: unknown;
  try {
    payload = JSON.parse((envelope as { payload: string }).payload);
  } catch {
    return null;
  }
  const records = (payload as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) return null;
  return { envelope: envelope as Record<string, unknown>, records: records.filter((r): r is Record<string, unknown> => typeof r === "object" && r !== null) };
}

/** Which records of a failed batch to take out: by partition key, and the deletion time (null when the record has none). */
export type RecordMatcher = (partitionKey: KeyValue, deletedAt: Date | null) => boolean;

/** Whether a record of a failed batch is one the matcher picks, in this service's table. */
export function recordMatches(record: Record<string, unknown>, service: ServiceConfig, matches: RecordMatcher): boolean {
  const arn = typeof record.eventSourceARN === "string" ? record.eventSourceARN : undefined;
  // A destination bucket may serve several tables; the stream ARN names the table.
  if (arn && !arn.includes(`:table/${service.table.name}/stream/`)) return false;
  const dynamodb = record.dynamodb as { Keys?: Record<string, KeyValue>; ApproximateCreationDateTime?: unknown } | undefined;
  const partitionKey = dynamodb?.Keys?.[service.table.partitionKey.name];
  if (!partitionKey) return false;
  const seconds = dynamodb?.ApproximateCreationDateTime;
  return matches(partitionKey, typeof seconds === "number" ? new Date(seconds * 1000) : null);
}

/** Whether a record of a failed batch is one of the subject's, in this service's table. */
export function isSubjectRecord(record: Record<string, unknown>, service: ServiceConfig, query: ErasureQuery): boolean {
  return recordMatches(record, service, (pk) => keyMatches(query, service, pk));
}

export async function readFailedBatch(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<string | null> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
    if ((out.ContentLength ?? 0) > FAILURE_COPY_MAX_BYTES) return null;
    return (await out.Body?.transformToString("utf-8")) ?? "";
  } catch (error) {
    if (isMissingObject(error) || awsErrorName(error) === "InvalidObjectState") return null;
    throw error;
  }
}

/**
 * Where a service's failed batches are kept: its S3 on-failure destination, and the
 * copies of batches discarded from the DLQ page (lib/dlq/discard.ts), which have the
 * same shape.
 */
export function failureCopyLocations(config: LazarusConfig, service: ServiceConfig): { bucket: string; prefix: string }[] {
  return [
    ...(service.onFailure.type === "s3" ? [{ bucket: service.onFailure.bucket, prefix: FAILURE_OBJECT_PREFIX }] : []),
    { bucket: config.archive.bucket, prefix: discardedPrefix(config.archive.prefix, service.name) },
  ];
}

export async function planFailureCopies(s3: S3Client, config: LazarusConfig, service: ServiceConfig, matches: RecordMatcher, now: Date): Promise<PlannedFailureCopy[]> {
  const found: PlannedFailureCopy[] = [];
  for (const { bucket, prefix } of failureCopyLocations(config, service)) found.push(...(await planFailureCopiesIn(s3, service, bucket, prefix, matches, now)));
  return found;
}

async function planFailureCopiesIn(s3: S3Client, service: ServiceConfig, bucket: string, prefix: string, matches: RecordMatcher, now: Date): Promise<PlannedFailureCopy[]> {
  const lockEnabled = await bucketHasObjectLock(s3, bucket);
  const limit = pLimit(CONCURRENCY);
  const found: Array<Promise<PlannedFailureCopy | null>> = [];
  // Failed batches are few (each is an incident), so every one is read: the records inside are not indexed by key.
  for await (const object of listObjects(s3, { bucket, prefix })) {
    found.push(
      limit(async () => {
        const text = await readFailedBatch(s3, bucket, object.key);
        const batch = text === null ? null : failedBatchRecords(text);
        if (!batch) return null;
        const subjectRecords = batch.records.filter((r) => recordMatches(r, service, matches)).length;
        if (subjectRecords === 0) return null;
        const versions = await listVersionsOf(s3, bucket, object.key);
        return {
          service,
          bucket,
          objectKey: object.key,
          subjectRecords,
          otherRecords: batch.records.length - subjectRecords,
          versions,
          lock: await locksOf(s3, bucket, object.key, versions, lockEnabled, now),
        };
      }),
    );
  }
  return (await Promise.all(found)).filter((c): c is PlannedFailureCopy => c !== null);
}

// ---------------------------------------------------------------------------

function subjectServices(config: LazarusConfig, query: ErasureQuery): ServiceConfig[] {
  const services = servicesInScope(config, query.services).filter((service) =>
    query.match === "exact" ? subjectKeyFor(service, query.key) !== null : service.table.partitionKey.type !== "B",
  );
  if (services.length === 0) {
    throw new ArchiveInputError(
      query.match === "prefix" ? "no chosen service can be searched by key prefix (binary keys are found by exact value only)" : "the key cannot be a partition key of any chosen service (check its type)",
    );
  }
  return services;
}

/**
 * The days the subject's records are in, from their index entries alone (1 LIST per 1,000
 * entries per service): what an erasure takes the leases of before it plans.
 */
export async function subjectRecordDays(s3: S3Client, config: LazarusConfig, query: ErasureQuery): Promise<{ service: ServiceConfig; day: CalendarDay }[]> {
  const days = new Map<string, { service: ServiceConfig; day: CalendarDay }>();
  for (const service of subjectServices(config, query)) {
    const lookup = await findSubjectRecords(s3, config, service, subjectKeysOf(service, query), (pk) => keyMatches(query, service, pk), MAX_LOOKUP_LIMIT);
    for (const deletion of lookup.deletions) {
      const dated = dayOf(config, service, deletion.archiveKey);
      if (dated) days.set(`${service.name}/${formatDay(dated.day)}`, { service, day: dated.day });
    }
  }
  return [...days.values()];
}

export interface PlanOptions {
  /** Whether the services' S3 on-failure destinations are read (a replica of the archive has none of its own: replica-eraser.ts). */
  failureCopies?: (service: ServiceConfig) => boolean;
}

export async function planErasure(s3: S3Client, config: LazarusConfig, query: ErasureQuery, now: Date = new Date(), options: PlanOptions = {}): Promise<ErasurePlan> {
  const services = subjectServices(config, query);
  const lockEnabled = await bucketHasObjectLock(s3, config.archive.bucket);
  const blockers: string[] = [];
  const records: PlannedRecord[] = [];
  const failureCopies: PlannedFailureCopy[] = [];
  const limit = pLimit(CONCURRENCY);

  for (const service of services) {
    const lookup = await findSubjectRecords(s3, config, service, subjectKeysOf(service, query), (pk) => keyMatches(query, service, pk), MAX_LOOKUP_LIMIT);
    if (lookup.truncated) blockers.push(`${service.name}: more than ${MAX_LOOKUP_LIMIT} archived deletions match; narrow the key prefix`);
    if (lookup.unreadable.length > 0) {
      blockers.push(`${service.name}: ${lookup.unreadable.length} index entries under this key could not be read; run "npm run reindex -- --service ${service.name}" and check them first`);
    }
    records.push(...(await Promise.all(lookup.deletions.map((d) => limit(() => planRecord(s3, config, service, query, d, lockEnabled, now))))));
    if (options.failureCopies?.(service) ?? true) failureCopies.push(...(await planFailureCopies(s3, config, service, (pk) => keyMatches(query, service, pk), now)));
  }

  for (const record of records) {
    const lock = describeLock(record.lock);
    if (lock) blockers.push(`${record.service.name} record deleted ${record.deletion.deletedAt.toISOString()}: ${lock}`);
    if (!record.partitionKey) blockers.push(`${record.service.name} record deleted ${record.deletion.deletedAt.toISOString()}: its full key cannot be read, so its erasure cannot be recorded in the ledger`);
  }
  for (const copy of failureCopies) {
    const lock = describeLock(copy.lock);
    if (lock) blockers.push(`failed batch s3://${copy.bucket}/${copy.objectKey}: ${lock}`);
  }
  const attributions = await planAttributions(s3, config, records, lockEnabled, now);
  for (const a of attributions) {
    const lock = describeLock(a.lock);
    if (lock) blockers.push(`${a.service.name} attribution record of a delete call: ${lock}`);
  }
  const sealed = await planSealedDaysOf(s3, config, records, lockEnabled, now);
  blockers.push(...sealed.blockers);
  return { services, records, failureCopies, attributions, sealedDays: sealed.sealedDays, blockers, lockEnabled };
}

/**
 * A call is filed under the UTC day of its CloudTrail eventTime, which the join looks for
 * within its match window of the deletion (join.ts `candidateDays`). Erasure uses the same
 * rule with a day-wide window, so always the day before and after too: a call naming the
 * key can be recorded there without ever being joined (outside the window, or an
 * unprocessed item of a batch), and it holds the key all the same.
 */
const ATTRIBUTION_DAY_WINDOW_SECONDS = 86_400;

/**
 * The attribution records of the planned records' partition keys: every version under the
 * key's folders ("{pk}/" and "{pk}_{sk}/") of the service's attribution days around each
 * deletion. One ListObjectVersions per (service, day, key) and 1,000 versions. The listing
 * prefix "{pk}" also catches longer keys ("CONTACT#subj-770" under "CONTACT#subj-77"), so a
 * folder is taken only when its partition key part is exactly the key: the key codec escapes
 * "_", so the folder's first "_" ends the partition key.
 *
 * The `_table/` folder (calls that named no key) is left alone: its records are written with
 * `key: null` and hold no statement text (attribution-store.ts), so they cannot name the subject.
 */
export async function planAttributions(
  s3: S3Client,
  config: LazarusConfig,
  records: readonly Pick<PlannedRecord, "service" | "partitionKey" | "deletion">[],
  lockEnabled: boolean,
  now: Date,
): Promise<PlannedAttribution[]> {
  const bucket = config.archive.bucket;
  const folders = new Map<string, { service: ServiceConfig; dayPrefix: string; pkFolder: string }>();
  for (const record of records) {
    if (!record.partitionKey) continue;
    const pkFolder = keyFolder({ partitionKey: record.partitionKey });
    for (const day of candidateDays(record.deletion.deletedAt, ATTRIBUTION_DAY_WINDOW_SECONDS)) {
      const dayPrefix = attributionDayPrefix(config.archive.prefix, record.service.name, day);
      folders.set(`${dayPrefix}${pkFolder}`, { service: record.service, dayPrefix, pkFolder });
    }
  }
  const limit = pLimit(CONCURRENCY);
  const found = await Promise.all(
    [...folders.entries()].map(([listPrefix, { service, dayPrefix, pkFolder }]) =>
      limit(async () => {
        const byKey = new Map<string, ObjectVersion[]>();
        for await (const page of listVersionPages(s3, bucket, listPrefix)) {
          for (const v of page) {
            const relative = v.key.slice(dayPrefix.length);
            const slash = relative.indexOf("/");
            const folder = slash < 0 ? "" : relative.slice(0, slash);
            if (folder !== pkFolder && !folder.startsWith(`${pkFolder}_`)) continue;
            const versions = byKey.get(v.key) ?? [];
            versions.push({ versionId: v.versionId, isDeleteMarker: v.isDeleteMarker, isLatest: v.isLatest });
            byKey.set(v.key, versions);
          }
        }
        return Promise.all(
          [...byKey.entries()].map(async ([objectKey, versions]) => ({ service, objectKey, versions, lock: await locksOf(s3, bucket, objectKey, versions, lockEnabled, now) })),
        );
      }),
    ),
  );
  return found.flat();
}

/**
 * The sealed days of the planned records and what stands in the way of rewriting them.
 */
export async function planSealedDaysOf(
  s3: S3Client,
  config: LazarusConfig,
  records: readonly PlannedRecord[],
  lockEnabled: boolean,
  now: Date,
): Promise<{ sealedDays: PlannedSealedDay[]; blockers: string[] }> {
  const bucket = config.archive.bucket;
  const sealedDays = await planSealedDays(
    s3,
    config,
    records.map((r) => ({ service: r.service, archiveKey: r.deletion.archiveKey })),
    async (key) => locksOf(s3, bucket, key, lockEnabled ? await listVersionsOf(s3, bucket, key) : [], lockEnabled, now),
    strictestLock,
    now,
  );
  const blockers: string[] = [];
  for (const day of sealedDays) {
    const where = `${day.service.name} sealed day ${formatDay(day.day)}`;
    const lock = describeLock(day.lock);
    if (lock) blockers.push(`${where}: ${lock}`);
    if (day.problem) blockers.push(`${where}: ${day.problem}`);
  }
  return { sealedDays, blockers };
}

/** What the browser sees of a plan. */
export function planFindings(plan: ErasurePlan): { findings: ErasureFinding[]; failureCopies: FailureCopyFinding[]; keyAttributes: string[]; attributionRecords: number } {
  const keyAttributes = new Set<string>();
  for (const s of plan.services) {
    keyAttributes.add(s.table.partitionKey.name);
    if (s.table.sortKey) keyAttributes.add(s.table.sortKey.name);
  }
  return {
    findings: plan.records.map((r) => {
      const pk = r.partitionKey;
      return {
        service: r.service.name,
        archiveKey: r.deletion.archiveKey,
        deletedAt: r.deletion.deletedAt.toISOString(),
        deletionType: r.deletion.deletionType,
        partitionKey: pk ? ("S" in pk ? pk.S : "N" in pk ? pk.N : pk.B) : namedKeyText(r.deletion.partitionKey),
        sortKey: namedKeyText(r.deletion.sortKey),
        versions: r.objectVersions.length,
        indexEntries: r.indexVersions.length,
        lock: r.lock,
        attributeNames: r.attributeNames,
        ...(r.unreadable ? { unreadable: r.unreadable } : {}),
      };
    }),
    failureCopies: plan.failureCopies.map((c) => ({
      service: c.service.name,
      bucket: c.bucket,
      objectKey: c.objectKey,
      subjectRecords: c.subjectRecords,
      otherRecords: c.otherRecords,
      versions: c.versions.length,
      lock: c.lock,
    })),
    keyAttributes: [...keyAttributes].sort(),
    attributionRecords: plan.attributions.length,
  };
}
