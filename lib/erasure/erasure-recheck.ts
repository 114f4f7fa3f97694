import "server-only";
import { randomUUID } from "node:crypto";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { classifyArchiveName, getArchivedRecord } from "../archive/archive-reader";
import type { KeyValue } from "../archive/attribute-value";
import { dayPrefix, INDEX_SEGMENT, parseArchiveName, servicePrefix } from "../archive/layout";
import { listObjects } from "../archive/object-listing";
import { DayBusyError, takeDayLeases, type DayLeases, type DayLeaseWait } from "../archive/day-lease";
import { appendAuditEntry, type NewAuditEntry } from "../audit/audit-log";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { cleanFailureCopies, cleanJobState, deleteVersions, versionTargets } from "./erase";
import { planJobState } from "./job-state";
import { planFailureCopies, type RecordMatcher } from "./erasure-plan";
import { erasureCovers, erasureKeyHash, listLedger, readLedgerEntry, recheckDelayMs, recheckMarkerKey, type ErasureLedgerEntry } from "./ledger-format";
import { recordLocation } from "./record-location";
import { listVersionsOf } from "./record-sources";

/**
 * The scheduled re-check that closes an erasure's window (docs/ERASURE.md, "Redelivery").
 *
 * After an erasure, a stream record of the subject can still be archived by an archiver
 * instance whose list of erased keys predates the erasure (for ARCHIVER_ERASURE_CACHE_MS),
 * and a failed batch holding one can still reach an S3 on-failure destination until the
 * mapping's maximum record age has passed. Once both are over (`recheckDelayMs`), this
 * looks once more where such a record can be and removes it:
 *
 * - the day folders its deletion time can fall in: a record the erasure covers was
 *   deleted before the erasure, and no later than the maximum record age before it was
 *   delivered (plus an hour for the erasure's own run); the name gives the key, or for a
 *   hashed name one GET of the object does; its hash is compared with the ledger's;
 * - the S3 on-failure destination's failed batches (read whole, as an erasure does);
 * - bulk-restore jobs created from an hour before the erasure on (one planned while the
 *   erasure ran, from a ledger that did not have it yet, holds the key's text): their
 *   files are rewritten to name the subject by hash and location, as the erasure does,
 *   and their older versions deleted. A job still running stays due for the next run.
 *
 * Each run is audited (`action: "erasure"`, `mode: "recheck"`, by key hash and location
 * only). An erasure re-checked with nothing left gets a marker beside its ledger entry
 * (`{keyHash}.rechecked.json`) and is not checked again, unless it is erased again later.
 *
 * Cost per run: one LIST per 1,000 ledger objects per service; for each due erasure one
 * GET of its entry, the LISTs of one or two days of its service (one per 1,000 records),
 * one GET per hashed name there, the failed batches, and the files of the bulk-restore
 * jobs created since (one LIST of the jobs, a few GETs per job).
 */

const RECHECK_ACTOR = { id: "lazarus-erasure-recheck", email: "", name: "Scheduled erasure re-check" } as const;
const DELIVERY_SLACK_MS = 3_600_000;

export interface RecheckResult {
  /** The run's audit operation id; null when no erasure was due (nothing is written then). */
  auditId: string | null;
  due: number;
  recordsRemoved: number;
  objectVersionsRemoved: number;
  indexEntriesRemoved: number;
  failureCopiesRewritten: number;
  failureCopiesDeleted: number;
  failureCopyVersionsRemoved: number;
  jobStateObjectsRewritten: number;
  jobStateVersionsRemoved: number;
  locations: string[];
  remaining: { location: string; reason: string }[];
}

interface DueErasure {
  service: ServiceConfig;
  entry: ErasureLedgerEntry;
}

async function dueErasures(s3: S3Client, config: LazarusConfig, service: ServiceConfig, now: Date): Promise<DueErasure[]> {
  const bucket = config.archive.bucket;
  const delay = recheckDelayMs(service);
  const listing = await listLedger(s3, bucket, config.archive.prefix, service.name);
  const due: DueErasure[] = [];
  for (const [keyHash, object] of listing.entries) {
    const written = object.lastModified?.getTime() ?? 0;
    if (written + delay > now.getTime()) continue;
    const marker = listing.rechecked.get(keyHash);
    // A marker older than the entry belongs to an earlier erasure of the key.
    if (marker && (marker.lastModified?.getTime() ?? 0) >= written) continue;
    const entry = await readLedgerEntry(s3, bucket, object.key);
    if (entry && new Date(entry.erasedAt).getTime() + delay <= now.getTime()) due.push({ service, entry });
  }
  return due;
}

/** UTC days from `from` to `to`, inclusive. */
function daysBetween(from: Date, to: Date): { year: number; month: number; day: number }[] {
  const days = [];
  for (let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); t <= to.getTime(); t += 86_400_000) {
    const d = new Date(t);
    days.push({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
  }
  return days;
}

/** The days of the service the erasures' late records can be in. */
function lateRecordDays(service: ServiceConfig, erasures: Map<string, ErasureLedgerEntry>): { year: number; month: number; day: number }[] {
  const maxAge = service.archiver.maximumRecordAgeSeconds * 1000 + DELIVERY_SLACK_MS;
  const days = new Map<string, { year: number; month: number; day: number }>();
  for (const entry of erasures.values()) {
    const erasedAt = new Date(entry.erasedAt);
    for (const day of daysBetween(new Date(erasedAt.getTime() - maxAge), erasedAt)) days.set(`${day.year}-${day.month}-${day.day}`, day);
  }
  return [...days.values()];
}

/** Archive objects of the service, in those days, whose key is erased and whose deletion the erasure covers. */
async function findLateRecords(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  erasures: Map<string, ErasureLedgerEntry>,
  days: { year: number; month: number; day: number }[],
): Promise<{ archiveKey: string; indexKey: string }[]> {
  const found: { archiveKey: string; indexKey: string }[] = [];
  const base = servicePrefix(config.archive.prefix, service.name);
  for (const day of days) {
    const prefix = dayPrefix(config.archive.prefix, service.name, day);
    for await (const object of listObjects(s3, { bucket: config.archive.bucket, prefix })) {
      const name = object.key.slice(prefix.length);
      const named = classifyArchiveName(service, day, name);
      const parsed = parseArchiveName(name, day);
      // The archiver writes standard names only; anything else was not written by a late delivery.
      if (named.kind !== "record" || !parsed) continue;
      let partitionKey: KeyValue | undefined;
      if (!named.partitionKey.hashed) partitionKey = named.partitionKey.value;
      else {
        const read = await getArchivedRecord(s3, config, service, object.key);
        partitionKey = read.ok ? read.deletion.keys[service.table.partitionKey.name] : undefined;
      }
      if (!partitionKey) continue;
      const erasure = erasures.get(erasureKeyHash(service.name, partitionKey));
      if (!erasure || !erasureCovers(erasure, named.deletedAt)) continue;
      found.push({ archiveKey: object.key, indexKey: `${base}${INDEX_SEGMENT}/${parsed.partitionKey}/${object.key.slice(base.length)}` });
    }
  }
  return found;
}

export async function recheckErasures(s3: S3Client, config: LazarusConfig, options: { now?: Date; lease?: DayLeaseWait } = {}): Promise<RecheckResult> {
  const now = options.now ?? new Date();
  const due: DueErasure[] = [];
  for (const service of config.services) due.push(...(await dueErasures(s3, config, service, now)));
  const result: RecheckResult = {
    auditId: null,
    due: due.length,
    recordsRemoved: 0,
    objectVersionsRemoved: 0,
    indexEntriesRemoved: 0,
    failureCopiesRewritten: 0,
    failureCopiesDeleted: 0,
    failureCopyVersionsRemoved: 0,
    jobStateObjectsRewritten: 0,
    jobStateVersionsRemoved: 0,
    locations: [],
    remaining: [],
  };
  if (due.length === 0) return result;

  const operationId = randomUUID();
  result.auditId = operationId;
  const keyHashes: Record<string, string[]> = {};
  for (const { service, entry } of due) (keyHashes[service.name] ??= []).push(entry.keyHash);
  const base: Omit<NewAuditEntry, "outcome"> = {
    operationId,
    actor: { ...RECHECK_ACTOR },
    role: "admin",
    action: "erasure",
    mode: "recheck",
    details: { keyHashes, erasureAuditIds: [...new Set(due.map((d) => d.entry.auditId))] },
  };
  // Write-ahead, as for an erasure: nothing is removed that the log does not announce.
  await appendAuditEntry(s3, config, { ...base, outcome: "started", message: `re-check of ${due.length} erasure(s) after their window` });

  const bucket = config.archive.bucket;
  for (const service of config.services) {
    const erasures = new Map(due.filter((d) => d.service === service).map((d) => [d.entry.keyHash, d.entry]));
    if (erasures.size === 0) continue;
    const remainingBefore = result.remaining.length;
    let leases: DayLeases | undefined;
    try {
      // A seal of one of these days reads the objects this deletes: not at the same time.
      const days = lateRecordDays(service, erasures);
      leases = await takeDayLeases(s3, config, days.map((day) => ({ service, day })), "erasure-recheck", options.lease);
      for (const late of await findLateRecords(s3, config, service, erasures, days)) {
        leases.assertHeld();
        const location = recordLocation(config, service.name, late.archiveKey);
        result.locations.push(location);
        const objects = await deleteVersions(s3, bucket, versionTargets(late.archiveKey, await listVersionsOf(s3, bucket, late.archiveKey)));
        result.objectVersionsRemoved += objects.deleted;
        if (objects.errors.length === 0) {
          const index = await deleteVersions(s3, bucket, versionTargets(late.indexKey, await listVersionsOf(s3, bucket, late.indexKey)));
          result.indexEntriesRemoved += index.deleted;
          for (const e of index.errors) result.remaining.push({ location: `${location} (index entry)`, reason: e.reason });
        }
        for (const e of objects.errors) result.remaining.push({ location, reason: e.reason });
        const left = (await listVersionsOf(s3, bucket, late.archiveKey)).length + (await listVersionsOf(s3, bucket, late.indexKey)).length;
        if (left > 0) result.remaining.push({ location, reason: `${left} version(s) still present` });
        else result.recordsRemoved += 1;
      }
      const matches: RecordMatcher = (pk, deletedAt) => {
        const erasure = erasures.get(erasureKeyHash(service.name, pk));
        return erasure !== undefined && erasureCovers(erasure, deletedAt);
      };
      const copies = await planFailureCopies(s3, config, service, matches, now);
      result.locations.push(...copies.map((c) => `s3://${c.bucket}/${c.objectKey}`));
      await cleanFailureCopies(s3, copies, "erase", [], result, () => matches);

      const since = Math.min(...[...erasures.values()].map((e) => new Date(e.erasedAt).getTime())) - DELIVERY_SLACK_MS;
      const jobs = await planJobState(
        s3,
        {
          config,
          services: [service],
          archiveKeys: new Set(),
          createdSince: new Date(since),
          matches: (_service, key, deletedAt) => {
            const erasure = key ? erasures.get(erasureKeyHash(service.name, key)) : undefined;
            return erasure !== undefined && (deletedAt === undefined || erasureCovers(erasure, deletedAt));
          },
        },
        "erase",
        [],
      );
      for (const reason of jobs.blockers) result.remaining.push({ location: service.name, reason });
      result.locations.push(...jobs.rewrites.map((r) => `s3://${bucket}/${r.objectKey}`));
      await cleanJobState(s3, config, jobs, result);
    } catch (error) {
      // A busy day keeps the erasure due: the next run checks it again.
      result.remaining.push({ location: service.name, reason: error instanceof DayBusyError ? error.message : `stopped with ${error instanceof Error ? error.name : "an unknown error"}` });
    } finally {
      await leases?.releaseAll().catch(() => undefined);
    }
    if (result.remaining.length > remainingBefore) continue;
    for (const entry of erasures.values()) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: recheckMarkerKey(config.archive.prefix, service.name, entry.keyHash),
          Body: JSON.stringify({ schemaVersion: 1, keyHash: entry.keyHash, erasedAt: entry.erasedAt, recheckedAt: now.toISOString(), auditId: operationId }),
          ContentType: "application/json",
        }),
      );
    }
  }

  const failed = result.remaining.length > 0;
  const message = failed
    ? `Re-check of ${due.length} erasure(s): ${result.remaining.length} location(s) could not be cleaned; see details.remaining.`
    : `Re-checked ${due.length} erasure(s): ${result.recordsRemoved} record(s) archived after the erasure removed, ${result.failureCopiesRewritten + result.failureCopiesDeleted} failed batch(es) cleaned, ${result.jobStateObjectsRewritten} job file(s) rewritten.`;
  await appendAuditEntry(s3, config, { ...base, outcome: failed ? "failed" : "succeeded", message, details: { ...base.details, result: { ...result, auditId: undefined } } }).catch((error: unknown) =>
    console.error(JSON.stringify({ message: "erasure re-check outcome not recorded", operationId, error: error instanceof Error ? error.name : "unknown" })),
  );
  return result;
}
