import "server-only";
import { alertInBackground } from "../alerts/alerts";
import { alertErasureRan } from "../alerts/event-alerts";
import { createHash } from "node:crypto";
import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { ArchiveInputError } from "../archive/archive-reader";
import { MAX_LOOKUP_LIMIT } from "../archive/key-lookup";
import type { KeyValue } from "../archive/attribute-value";
import { auditedOperation } from "../audit/audited-operation";
import type { SessionUser } from "../auth/roles";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { erasureKeyHash, writeErasure } from "./erasure-ledger";
import {
  failedBatchRecords,
  keyMatches,
  planErasure,
  planAttributions,
  planFailureCopies,
  subjectRecordDays,
  readFailedBatch,
  recordMatches,
  subjectKeysOf,
  type ErasurePlan,
  type PlannedAttribution,
  type PlannedFailureCopy,
  type RecordMatcher,
} from "./erasure-plan";
import { confirmationText, erasureRequestSchema, type ErasureMode, type ErasureQuery, type ErasureRequestBody, type ErasureSummary } from "./erasure-request";
import { erasureScope, planJobState, writeJobState, type JobStatePlan } from "./job-state";
import { recordLocation } from "./record-location";
import { findSubjectRecords, listVersionsOf, type ObjectVersion } from "./record-sources";
import { redactArchiveObject, redactStreamRecord } from "./redaction";
import { eraseFromSealedDay, dayOf, removeUncommittedSeal, sealedDayLocation, sealedDayLocationOf, sealedLeftovers, type SealedErasureStep } from "./sealed-erasure";
import { DayBusyError, takeDayLeases, type DayLeases, type DayLeaseWait } from "../archive/day-lease";
import { formatDay, type CalendarDay } from "../archive/archive-input";
import { mayBeSealed } from "../archive/sealed-store";

/**
 * Erases or redacts a subject's archived records, following docs/ERASURE.md:
 *
 * 1. plan afresh on the server (never trust what the browser saw);
 * 2. refuse the whole request, before anything changes, if any object is under
 *    Object Lock retention or legal hold, if index entries are unreadable, or if
 *    the match is truncated (one refusal entry in the audit log);
 * 3. take the lease of every day the subject's records are in (day-lease.ts), waiting a
 *    bounded time for a seal of one of them to finish, else refusing (nothing changed),
 *    and plan the sealed days again under them: a seal may have run since the plan;
 *    write-ahead "started" audit entry (if it cannot be written, nothing happens);
 * 4. erase mode: the ledger entry per erased partition key, before any deletion,
 *    so a partial erasure still blocks restores of the key;
 * 5. delete (or rewrite) archive objects first, then take the records out of sealed
 *    days' bundles (sealed-erasure.ts), their index entries last (an index entry left
 *    behind lets a retry find the object or the bundle), then the failed-batch copies;
 *    re-list to verify;
 * 6. the outcome entry, with exactly what was and was not removed.
 *
 * Audit entries never hold key text: keys appear as erasureKeyHash values and
 * objects as "{service}/{yyyy}/{mm}/{dd}/#{record id}" (record ids are hashes of
 * stream event ids) or, for names that are not standard, "#sha256:{hash of the key}".
 */

export interface ErasureRequest {
  query: ErasureQuery;
  mode: ErasureMode;
  attributes?: string[];
  confirmation: string;
  actor: SessionUser;
}

export type ErasureResult =
  | { outcome: "succeeded" | "failed"; auditId: string; message: string; summary: ErasureSummary }
  | { outcome: "refused"; code: "locked" | "not-erasable" | "busy"; auditId: string; message: string; reasons: string[] };

const DELETE_BATCH = 1000;

/** Points between the steps of an erasure, for the tests that kill it there. */
export type ErasureStep = SealedErasureStep | "leases-taken" | "objects-deleted" | "index-entries-deleted";
export interface ErasureHooks {
  onStep?: (step: ErasureStep) => Promise<void> | void;
  /** How long to wait for a day being sealed, and the lease's length (day-lease.ts defaults). */
  lease?: DayLeaseWait;
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "UnknownError";
}

function queryDigest(query: ErasureQuery): string {
  return createHash("sha256").update(JSON.stringify([query.match, query.key]), "utf8").digest("hex");
}

export function emptySummary(mode: ErasureMode): ErasureSummary {
  return {
    mode,
    records: 0,
    keyHashes: [],
    objectVersionsRemoved: 0,
    indexEntriesRemoved: 0,
    objectsRedacted: 0,
    failureCopiesRewritten: 0,
    failureCopiesDeleted: 0,
    failureCopyVersionsRemoved: 0,
    jobStateObjectsRewritten: 0,
    jobStateVersionsRemoved: 0,
    sealedRecordsRemoved: 0,
    bundlesRewritten: 0,
    sealedVersionsRemoved: 0,
    attributionRecordsRemoved: 0,
    attributionVersionsRemoved: 0,
    remaining: [],
  };
}

/** Deletes versions in batches of 1,000; returns the ids S3 confirmed and the errors per version. */
export async function deleteVersions(s3: S3Client, bucket: string, targets: { key: string; versionId: string }[]): Promise<{ deleted: number; errors: { key: string; reason: string }[] }> {
  let deleted = 0;
  const errors: { key: string; reason: string }[] = [];
  for (let i = 0; i < targets.length; i += DELETE_BATCH) {
    const batch = targets.slice(i, i + DELETE_BATCH);
    try {
      const out = await s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((t) => ({ Key: t.key, VersionId: t.versionId })), Quiet: false },
        }),
      );
      deleted += (out.Deleted ?? []).length;
      for (const e of out.Errors ?? []) errors.push({ key: e.Key ?? "", reason: e.Code ?? "error" });
    } catch (error) {
      for (const t of batch) errors.push({ key: t.key, reason: errorName(error) });
    }
  }
  return { deleted, errors };
}

export function versionTargets(key: string, versions: ObjectVersion[]) {
  return versions.map((v) => ({ key, versionId: v.versionId }));
}

/** After a rewrite: deletes every version but the one just written ("null" in an unversioned bucket, which leaves nothing to delete). */
async function deleteOlderVersions(s3: S3Client, bucket: string, key: string, keepVersion: string | undefined) {
  const old = (await listVersionsOf(s3, bucket, key)).filter((v) => v.versionId !== keepVersion);
  return deleteVersions(s3, bucket, versionTargets(key, old));
}

function refusalReasons(plan: ErasurePlan, request: ErasureRequest): string[] {
  const reasons = [...plan.blockers];
  if (request.mode === "redact") {
    const attributes = request.attributes ?? [];
    if (attributes.length === 0) reasons.push("choose at least one attribute to redact");
    for (const service of plan.services) {
      for (const key of [service.table.partitionKey, service.table.sortKey]) {
        if (key && attributes.includes(key.name) && plan.records.some((r) => r.service === service)) {
          reasons.push(`"${key.name}" is a key attribute of ${service.name}: keys cannot be redacted (erase the records instead)`);
        }
      }
    }
    for (const day of plan.sealedDays) {
      if (day.names.length > 0) reasons.push(`${day.service.name} records deleted on ${day.day.year}-${String(day.day.month).padStart(2, "0")}-${String(day.day.day).padStart(2, "0")} are sealed in bundles, which redaction does not rewrite (erase them instead)`);
    }
    for (const record of plan.records) {
      if (record.unreadable) reasons.push(`${record.service.name} record deleted ${record.deletion.deletedAt.toISOString()} cannot be read (${record.unreadable}), so it cannot be redacted`);
    }
  }
  return [...new Set(reasons)];
}

export async function eraseSubject(s3: S3Client, config: LazarusConfig, request: ErasureRequest, now: () => Date = () => new Date(), hooks: ErasureHooks = {}): Promise<ErasureResult> {
  const result = await eraseSubjectNow(s3, config, request, now, hooks);
  if (result.outcome !== "refused") {
    const erasure = { auditId: result.auditId, mode: request.mode, outcome: result.outcome, actorEmail: request.actor.email, services: request.query.services ?? [], message: result.message };
    alertInBackground("erasure ran", () => alertErasureRan({ s3, config }, erasure));
  }
  return result;
}

async function eraseSubjectNow(s3: S3Client, config: LazarusConfig, request: ErasureRequest, now: () => Date, hooks: ErasureHooks): Promise<ErasureResult> {
  const parsed = erasureRequestSchema.safeParse({ ...request.query, mode: request.mode, attributes: request.attributes, confirmation: request.confirmation });
  if (!parsed.success) throw new ArchiveInputError(`invalid erasure request: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  const query: ErasureQuery = { match: parsed.data.match, key: parsed.data.key, ...(parsed.data.services ? { services: parsed.data.services } : {}) };
  if (parsed.data.confirmation !== confirmationText(request.mode, query.key)) {
    throw new ArchiveInputError(`the confirmation does not match: type "${request.mode === "erase" ? "ERASE" : "REDACT"} " followed by the key exactly`);
  }
  const attributes = [...new Set(parsed.data.attributes ?? [])].sort();

  // The days are found from the subject's index entries first, so the plan is made under their
  // leases: a seal that ran between a plan and the leases would have moved records and
  // rewritten index entries the plan would not know of.
  let leases: DayLeases | undefined;
  let busy: DayBusyError | undefined;
  try {
    leases = await takeDayLeases(s3, config, await subjectRecordDays(s3, config, query), "erase", hooks.lease);
  } catch (error) {
    if (!(error instanceof DayBusyError)) throw error;
    busy = error;
  }
  try {
    let plan = await planErasure(s3, config, query, now());
    // A record archived into another day since the index was listed: its day too, and the plan again.
    for (let round = 0; leases && round < 2; round++) {
      const missing = daysOf(config, plan).filter((d) => !leases!.holds(d.service.name, formatDay(d.day)));
      if (missing.length === 0) break;
      leases.merge(await takeDayLeases(s3, config, missing, "erase", hooks.lease));
      plan = await planErasure(s3, config, query, now());
    }
    await hooks.onStep?.("leases-taken");
    return await runErasure(s3, config, request, query, attributes, plan, { busy, leases }, now, hooks);
  } catch (error) {
    if (error instanceof DayBusyError) {
      busy = error;
      return await runErasure(s3, config, request, query, attributes, await planErasure(s3, config, query, now()), { busy, leases: undefined }, now, hooks);
    }
    throw error;
  } finally {
    await leases?.releaseAll().catch((error: unknown) => console.error(JSON.stringify({ message: "day leases not released; they expire by themselves", error: errorName(error) })));
  }
}

/** The days of the planned records, each once: what the erasure holds the leases of. */
function daysOf(config: LazarusConfig, plan: Pick<ErasurePlan, "records">): { service: ServiceConfig; day: CalendarDay }[] {
  const days = new Map<string, { service: ServiceConfig; day: CalendarDay }>();
  for (const record of plan.records) {
    const dated = dayOf(config, record.service, record.deletion.archiveKey);
    if (dated) days.set(`${record.service.name}/${formatDay(dated.day)}`, { service: record.service, day: dated.day });
  }
  return [...days.values()];
}

async function runErasure(
  s3: S3Client,
  config: LazarusConfig,
  request: ErasureRequest,
  query: ErasureQuery,
  attributes: string[],
  plan: ErasurePlan,
  days: { busy: DayBusyError | undefined; leases: DayLeases | undefined },
  now: () => Date,
  hooks: ErasureHooks,
): Promise<ErasureResult> {
  const jobState = await planJobState(s3, erasureScope(config, query, plan.services, new Set(plan.records.map((r) => r.deletion.archiveKey))), request.mode, attributes);
  const single = plan.services.length === 1 ? plan.services[0] : undefined;
  const audit = auditedOperation(s3, config, {
    actor: { id: request.actor.id, email: request.actor.email, name: request.actor.name },
    role: request.actor.role,
    action: "erasure",
    mode: request.mode,
    ...(single ? { service: single.name, table: single.table.name } : {}),
    details: {
      match: query.match,
      // Exact keys appear as erasureKeyHash per service; a prefix only as a digest of the query.
      ...(query.match === "exact"
        ? { keyHashes: Object.fromEntries(plan.services.map((s) => [s.name, erasureKeyHash(s.name, { [s.table.partitionKey.type]: query.key } as KeyValue)])) }
        : { queryHash: queryDigest(query) }),
      services: plan.services.map((s) => s.name),
      ...(request.mode === "redact" ? { attributes: attributes.length } : {}),
    },
  });
  const planned = {
    records: plan.records.length,
    objectVersions: plan.records.reduce((n, r) => n + r.objectVersions.length, 0),
    indexEntries: plan.records.reduce((n, r) => n + r.indexVersions.length, 0),
    failureCopies: plan.failureCopies.length,
    failureCopyVersions: plan.failureCopies.reduce((n, c) => n + c.versions.length, 0),
    locations: plan.records.map((r) => recordLocation(config, r.service.name, r.deletion.archiveKey)),
    failureCopyLocations: plan.failureCopies.map((c) => `s3://${c.bucket}/${c.objectKey}`),
    jobStateObjects: jobState.rewrites.length,
    jobStateLocations: jobState.rewrites.map((r) => `s3://${config.archive.bucket}/${r.objectKey}`),
    sealedRecords: plan.sealedDays.reduce((n, d) => n + d.names.length, 0),
    sealedDayLocations: plan.sealedDays.map((d) => sealedDayLocation(d.service, d.day)),
    attributionRecords: plan.attributions.length,
    attributionVersions: plan.attributions.reduce((n, a) => n + a.versions.length, 0),
  };

  if (days.busy) {
    // Nothing has changed yet: a refusal the officer can simply retry.
    const message = `Nothing was ${request.mode === "erase" ? "erased" : "redacted"}: ${days.busy.message}.`;
    await audit.refuse(message, { planned, reasons: [days.busy.message] });
    return { outcome: "refused", code: "busy", auditId: audit.operationId, message, reasons: [days.busy.message] };
  }
  const reasons = [...refusalReasons(plan, { ...request, attributes }), ...jobState.blockers];
  if (reasons.length > 0) {
    const locked = plan.records.some((r) => r.lock.state !== "none") || plan.failureCopies.some((c) => c.lock.state !== "none");
    const message = `Nothing was ${request.mode === "erase" ? "erased" : "redacted"}: ${reasons.length} reason(s) prevent it.`;
    // Reasons name services, dates and lock dates, never key text.
    await audit.refuse(message, { planned, reasons: reasons.slice(0, 50) });
    return { outcome: "refused", code: locked ? "locked" : "not-erasable", auditId: audit.operationId, message, reasons };
  }

  // Write-ahead: if this cannot be recorded, nothing is changed.
  await audit.start(`${request.mode} of ${planned.records} archived record(s) and ${planned.failureCopies} failed-batch copy(ies)`, { planned });

  const summary = emptySummary(request.mode);
  summary.records = plan.records.length;
  try {
    if (request.mode === "erase") await eraseRecords(s3, config, plan, summary, audit.operationId, now, hooks, days.leases);
    else {
      days.leases?.assertHeld();
      await redactRecords(s3, config, plan, attributes, summary);
    }
    await cleanFailureCopies(s3, plan.failureCopies, request.mode, attributes, summary, (service) => (pk) => keyMatches(query, service, pk));
    await cleanJobState(s3, config, jobState, summary);
    await verify(s3, config, query, plan, request.mode, summary);
  } catch (error) {
    summary.remaining.push({ location: "(run)", reason: `stopped with ${errorName(error)}` });
  }

  const failed = summary.remaining.length > 0;
  const message = failed
    ? `Partly done: ${summary.remaining.length} location(s) could not be ${request.mode === "erase" ? "erased" : "redacted"}; see details.remaining.`
    : request.mode === "erase"
      ? `Erased ${summary.records} archived record(s): ${summary.objectVersionsRemoved} object version(s), ${summary.indexEntriesRemoved} index entry version(s), ${summary.sealedRecordsRemoved} sealed record(s) in ${summary.bundlesRewritten} bundle part(s), ${summary.failureCopiesRewritten + summary.failureCopiesDeleted} failed-batch copy(ies), ${summary.jobStateObjectsRewritten} job file(s), ${summary.attributionRecordsRemoved} attribution record(s).`
      : `Redacted ${summary.objectsRedacted} archived record(s), ${summary.failureCopiesRewritten} failed-batch copy(ies) and ${summary.jobStateObjectsRewritten} job file(s); ${summary.objectVersionsRemoved} old version(s) removed.`;
  await audit.finish(failed ? "failed" : "succeeded", message, { planned, result: summary });
  return { outcome: failed ? "failed" : "succeeded", auditId: audit.operationId, message, summary };
}

async function eraseRecords(
  s3: S3Client,
  config: LazarusConfig,
  plan: ErasurePlan,
  summary: ErasureSummary,
  auditId: string,
  now: () => Date,
  hooks: ErasureHooks,
  leases: DayLeases | undefined,
): Promise<void> {
  // Ledger first: one entry per (service, partition key), counting that key's records.
  const byKey = new Map<string, { service: ServiceConfig; key: KeyValue; records: number }>();
  for (const record of plan.records) {
    const key = record.partitionKey as KeyValue;
    const hash = erasureKeyHash(record.service.name, key);
    const entry = byKey.get(hash) ?? { service: record.service, key, records: 0 };
    entry.records += 1;
    byKey.set(hash, entry);
  }
  const erasedAt = now();
  for (const [hash, entry] of byKey) {
    await writeErasure(s3, config, entry.service, entry.key, { erasedAt, auditId, records: entry.records });
    summary.keyHashes.push(hash);
  }
  await removeRecords(s3, config, plan, summary, hooks, leases ? { leases, now } : {});
  await removeAttributions(s3, config, plan.attributions, summary);
}

/** Where an attribution record is, without the key text its name carries: "{service}/_attribution/#sha256:{hash of its object key}". */
export function attributionLocation(attribution: Pick<PlannedAttribution, "service" | "objectKey">): string {
  return `${attribution.service.name}/_attribution/#sha256:${createHash("sha256").update(attribution.objectKey, "utf8").digest("hex").slice(0, 32)}`;
}

/**
 * Deletes every version of the subject's attribution records. They are not part of a
 * sealed day (sealing never lists `_attribution/`), so no day lease guards them; an
 * attribution written after this (a late CloudTrail delivery) is a new object the verify
 * step lists.
 */
export async function removeAttributions(
  s3: S3Client,
  config: LazarusConfig,
  attributions: Pick<PlannedAttribution, "service" | "objectKey" | "versions">[],
  summary: Pick<ErasureSummary, "attributionVersionsRemoved" | "attributionRecordsRemoved" | "remaining">,
): Promise<void> {
  const removed = await deleteVersions(s3, config.archive.bucket, attributions.flatMap((a) => versionTargets(a.objectKey, a.versions)));
  summary.attributionVersionsRemoved += removed.deleted;
  const failed = new Set(removed.errors.map((e) => e.key));
  summary.attributionRecordsRemoved += attributions.filter((a) => !failed.has(a.objectKey)).length;
  const byKey = new Map(attributions.map((a) => [a.objectKey, a]));
  for (const e of removed.errors) summary.remaining.push({ location: byKey.has(e.key) ? attributionLocation(byKey.get(e.key)!) : "(unknown)", reason: e.reason });
}

/** What removeRecords counts and reports. */
export type RemovalSummary = Pick<
  ErasureSummary,
  "objectVersionsRemoved" | "indexEntriesRemoved" | "sealedRecordsRemoved" | "bundlesRewritten" | "sealedVersionsRemoved" | "remaining"
>;

/**
 * Removes planned records: every version of each archive object, the records' members in
 * sealed days' bundles (sealed-erasure.ts), then every version of their index entries,
 * which stay for a record whose object or day could not be cleaned, so a later run finds
 * it again by key. The console's erasure and the replica eraser (replica-eraser.ts) both
 * remove through here.
 */
export async function removeRecords(
  s3: S3Client,
  config: LazarusConfig,
  plan: Pick<ErasurePlan, "records" | "sealedDays">,
  summary: RemovalSummary,
  hooks: ErasureHooks = {},
  held: { leases?: DayLeases; now?: () => Date } = {},
): Promise<void> {
  const bucket = config.archive.bucket;
  const { leases } = held;
  const locationOf = new Map<string, string>();
  for (const r of plan.records) {
    locationOf.set(r.deletion.archiveKey, recordLocation(config, r.service.name, r.deletion.archiveKey));
    locationOf.set(r.deletion.indexKey, `${recordLocation(config, r.service.name, r.deletion.archiveKey)} (index entry)`);
  }
  leases?.assertHeld();
  const objects = await deleteVersions(s3, bucket, plan.records.flatMap((r) => versionTargets(r.deletion.archiveKey, r.objectVersions)));
  summary.objectVersionsRemoved += objects.deleted;
  const failedObjects = new Set(objects.errors.map((e) => e.key));
  await hooks.onStep?.("objects-deleted");

  const failedDays = new Set<string>();
  for (const day of plan.sealedDays) {
    const location = sealedDayLocation(day.service, day.day);
    try {
      leases?.assertHeld();
      const done = await eraseFromSealedDay(s3, config, day, hooks.onStep);
      summary.sealedRecordsRemoved += done.recordsRemoved;
      summary.bundlesRewritten += done.partsRewritten;
      summary.sealedVersionsRemoved += done.versionsRemoved;
    } catch (error) {
      failedDays.add(location);
      summary.remaining.push({ location, reason: `stopped with ${errorName(error)}${error instanceof Error && error.name === "SealedFormatError" ? `: ${error.message}` : ""}` });
    }
  }
  // Days old enough to be sealed but without a manifest: a seal that stopped before its commit point may
  // have left bundles with the subject in them. Only under the days' leases is no sealer writing there
  // (a replica, which has no leases, may hold a committed bundle whose manifest has not replicated yet).
  if (leases && held.now) {
    const now = held.now;
    const sealed = new Set(plan.sealedDays.map((d) => sealedDayLocation(d.service, d.day)));
    for (const { service, day } of daysOf(config, plan)) {
      const location = sealedDayLocation(service, day);
      if (sealed.has(location) || !mayBeSealed(day, now())) continue;
      try {
        leases.assertHeld();
        summary.sealedVersionsRemoved += await removeUncommittedSeal(s3, config, service, day);
      } catch (error) {
        failedDays.add(location);
        summary.remaining.push({ location, reason: `stopped with ${errorName(error)}` });
      }
    }
  }
  // An index entry stays while its object or bundle could not be cleaned, so the erasure can be retried by key.
  const index = await deleteVersions(
    s3,
    bucket,
    plan.records
      .filter((r) => !failedObjects.has(r.deletion.archiveKey) && !failedDays.has(sealedDayLocationOf(config, r.service, r.deletion.archiveKey) ?? ""))
      .flatMap((r) => versionTargets(r.deletion.indexKey, r.indexVersions)),
  );
  summary.indexEntriesRemoved += index.deleted;
  await hooks.onStep?.("index-entries-deleted");
  for (const e of [...objects.errors, ...index.errors]) summary.remaining.push({ location: locationOf.get(e.key) ?? "(unknown)", reason: e.reason });
}

async function redactRecords(s3: S3Client, config: LazarusConfig, plan: ErasurePlan, attributes: string[], summary: ErasureSummary): Promise<void> {
  const bucket = config.archive.bucket;
  for (const record of plan.records) {
    const key = record.deletion.archiveKey;
    const location = recordLocation(config, record.service.name, key);
    try {
      const current = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const text = (await current.Body?.transformToString("utf-8")) ?? "";
      const redacted = redactArchiveObject(text, attributes);
      const put = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: redacted.text, ContentType: current.ContentType ?? "application/json" }),
      );
      summary.objectsRedacted += 1;
      const old = record.objectVersions.filter((v) => v.versionId !== put.VersionId);
      const removed = await deleteVersions(s3, bucket, versionTargets(key, old));
      summary.objectVersionsRemoved += removed.deleted;
      for (const e of removed.errors) summary.remaining.push({ location: `${location} (old version)`, reason: e.reason });
    } catch (error) {
      summary.remaining.push({ location, reason: errorName(error) });
    }
  }
}

/**
 * A replay counts a batch's records against its `batchSize` and keeps a failure that
 * holds fewer as "lost": once the subject's records are taken out, the size must say
 * how many are left, or the failure could never be replayed and deleted.
 */
function withBatchSize(envelope: Record<string, unknown>, size: number): Record<string, unknown> {
  const info = envelope.DDBStreamBatchInfo;
  if (typeof info !== "object" || info === null) return envelope;
  return { ...envelope, DDBStreamBatchInfo: { ...info, batchSize: size } };
}

export async function cleanFailureCopies(
  s3: S3Client,
  copies: PlannedFailureCopy[],
  mode: ErasureMode,
  attributes: string[],
  summary: Pick<ErasureSummary, "failureCopiesRewritten" | "failureCopiesDeleted" | "failureCopyVersionsRemoved" | "remaining">,
  matcherFor: (service: ServiceConfig) => RecordMatcher,
): Promise<void> {
  for (const copy of copies) {
    const location = `s3://${copy.bucket}/${copy.objectKey}`;
    try {
      const text = await readFailedBatch(s3, copy.bucket, copy.objectKey);
      const batch = text === null ? null : failedBatchRecords(text);
      if (!batch) {
        summary.remaining.push({ location, reason: "the failed batch could not be read again" });
        continue;
      }
      const matches = matcherFor(copy.service);
      const isSubject = (r: Record<string, unknown>) => recordMatches(r, copy.service, matches);
      const kept =
        mode === "erase"
          ? batch.records.filter((r) => !isSubject(r))
          : batch.records.map((r) => {
              if (isSubject(r)) redactStreamRecord(r, new Set(attributes));
              return r;
            });
      let keepVersion: string | undefined;
      if (kept.length > 0) {
        const body = JSON.stringify({ ...withBatchSize(batch.envelope, kept.length), payload: JSON.stringify({ Records: kept }) });
        const put = await s3.send(new PutObjectCommand({ Bucket: copy.bucket, Key: copy.objectKey, Body: body, ContentType: "application/json" }));
        keepVersion = put.VersionId ?? "null";
        summary.failureCopiesRewritten += 1;
      }
      const removed = await deleteOlderVersions(s3, copy.bucket, copy.objectKey, keepVersion);
      summary.failureCopyVersionsRemoved += removed.deleted;
      if (kept.length === 0 && removed.errors.length === 0) summary.failureCopiesDeleted += 1;
      for (const e of removed.errors) summary.remaining.push({ location, reason: e.reason });
    } catch (error) {
      summary.remaining.push({ location, reason: errorName(error) });
    }
  }
}

/** Rewrites each job object, then deletes its older versions: they still hold the subject. */
export async function cleanJobState(
  s3: S3Client,
  config: LazarusConfig,
  jobState: JobStatePlan,
  summary: Pick<ErasureSummary, "jobStateObjectsRewritten" | "jobStateVersionsRemoved" | "remaining">,
): Promise<void> {
  const bucket = config.archive.bucket;
  for (const rewrite of jobState.rewrites) {
    const location = `s3://${bucket}/${rewrite.objectKey}`;
    try {
      const keep = await writeJobState(s3, config, rewrite);
      summary.jobStateObjectsRewritten += 1;
      const removed = await deleteOlderVersions(s3, bucket, rewrite.objectKey, keep);
      summary.jobStateVersionsRemoved += removed.deleted;
      for (const e of removed.errors) summary.remaining.push({ location: `${location} (old version)`, reason: e.reason });
    } catch (error) {
      summary.remaining.push({ location, reason: errorName(error) });
    }
  }
}

/**
 * Lists again: whatever is still there is reported, never assumed gone. In erase mode
 * the record sources are searched afresh (every version under the subject's index
 * folder, every failed batch), so a record the plan did not know about (archived while
 * the erasure ran, or missed) is reported too, not only what the plan listed.
 */
async function verify(s3: S3Client, config: LazarusConfig, query: ErasureQuery, plan: ErasurePlan, mode: ErasureMode, summary: ErasureSummary): Promise<void> {
  const bucket = config.archive.bucket;
  const reported = new Set(summary.remaining.map((r) => r.location));
  const report = (location: string, reason: string) => {
    if (reported.has(location)) return;
    reported.add(location);
    summary.remaining.push({ location, reason });
  };
  for (const record of plan.records) {
    const location = recordLocation(config, record.service.name, record.deletion.archiveKey);
    const objectVersions = await listVersionsOf(s3, bucket, record.deletion.archiveKey);
    const expected = mode === "erase" ? 0 : 1;
    if (objectVersions.length > expected) report(location, `${objectVersions.length - expected} version(s) still present`);
    if (mode === "erase") {
      const indexVersions = await listVersionsOf(s3, bucket, record.deletion.indexKey);
      if (indexVersions.length > 0) report(`${location} (index entry)`, `${indexVersions.length} version(s) still present`);
    }
  }
  for (const copy of plan.failureCopies) {
    const versions = await listVersionsOf(s3, copy.bucket, copy.objectKey);
    if (versions.length > 1) report(`s3://${copy.bucket}/${copy.objectKey}`, `${versions.length - 1} older version(s) still present`);
  }
  if (mode !== "erase") return;
  for (const day of plan.sealedDays) {
    for (const leftover of await sealedLeftovers(s3, config, day)) report(sealedDayLocation(day.service, day.day), leftover);
  }
  // Listed afresh around the planned records' days: a call recorded while the erasure ran is reported too.
  for (const attribution of await planAttributions(s3, config, plan.records, false, new Date())) {
    report(attributionLocation(attribution), `${attribution.versions.length} version(s) of an attribution record still present`);
  }
  for (const service of plan.services) {
    const again = await findSubjectRecords(s3, config, service, subjectKeysOf(service, query), (pk) => keyMatches(query, service, pk), MAX_LOOKUP_LIMIT);
    for (const deletion of again.deletions) report(recordLocation(config, service.name, deletion.archiveKey), "still found after the erasure (archived while it ran?): erase again");
    for (const entry of again.unreadable) report(`${service.name} index entry #sha256:${createHash("sha256").update(entry.indexKey, "utf8").digest("hex").slice(0, 32)}`, entry.reason);
    for (const copy of await planFailureCopies(s3, config, service, (pk) => keyMatches(query, service, pk), new Date())) report(`s3://${copy.bucket}/${copy.objectKey}`, `${copy.subjectRecords} of the subject's record(s) still in this failed batch`);
  }
}

/** The erasure a request body asks for: what the erasure route runs, and what an approved erasure request runs. */
export function erasureRequestFrom(body: ErasureRequestBody, actor: SessionUser): ErasureRequest {
  return {
    query: { match: body.match, key: body.key, ...(body.services ? { services: body.services } : {}) },
    mode: body.mode,
    ...(body.attributes ? { attributes: body.attributes } : {}),
    confirmation: body.confirmation,
    actor,
  };
}
