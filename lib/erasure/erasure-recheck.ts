import "server-only";
import { randomUUID } from "node:crypto";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { classifyArchiveName, getArchivedRecord } from "../archive/archive-reader";
import type { KeyValue } from "../archive/attribute-value";
import { dayPrefix, INDEX_SEGMENT, parseArchiveName, servicePrefix } from "../archive/layout";
import { listObjects } from "../archive/object-listing";
import { DayBusyError, takeDayLeases, type DayLeases, type DayLeaseWait } from "../archive/day-lease";
import { formatDay } from "../archive/archive-input";
import { SealedFormatError } from "../archive/sealed-format";
import { mayBeSealed, readDayManifest, readManifestPage } from "../archive/sealed-store";
import { appendAuditEntry, type NewAuditEntry } from "../audit/audit-log";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { attributionLocation, cleanFailureCopies, cleanJobState, deleteVersions, removeAttributions, versionTargets } from "./erase";
import { planJobState } from "./job-state";
import { planFailureCopies, type RecordMatcher } from "./erasure-plan";
import { erasureCovers, erasureKeyHash, listLedger, readLedgerEntry, recheckDelayMs, recheckMarkerKey, type ErasureLedgerEntry } from "./ledger-format";
import { recordLocation } from "./record-location";
import { eraseFromSealedDay, removeUncommittedSeal, sealedDayLocation, sealedLeftovers } from "./sealed-erasure";
import { listVersionPages, listVersionsOf, type ObjectVersion } from "./record-sources";
import { attributionDayPrefix, KEYLESS_FOLDER, parseAttributionName } from "../attribution/attribution-layout";
import { readAttribution } from "../attribution/attribution-store";
import { decodeKeyValue, isHashedEncoding } from "../archive/key-codec";

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
 * - the manifests of those days once they may be sealed: a late record that a seal folded
 *   into a bundle before this ran is blanked in place, as an erasure does (sealed-erasure.ts);
 * - the attribution records of the days a late CloudTrail call can be filed under (the
 *   attribution function also checks the ledger through a cache), by exact partition key;
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
 * for a day that may be sealed 1 GET of its manifest and 1 per 1,000 rows, one read per
 * hashed name there, one ListObjectVersions per 1,000 attribution versions of two or three
 * days, the failed batches, and the files of the bulk-restore
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
  /** Late records found in a day's bundles (a seal ran before the re-check), blanked in place. */
  sealedRecordsRemoved: number;
  bundlesRewritten: number;
  sealedVersionsRemoved: number;
  indexEntriesRemoved: number;
  /** Attribution records of a late CloudTrail delivery, every version removed. */
  attributionRecordsRemoved: number;
  attributionVersionsRemoved: number;
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

type Day = { year: number; month: number; day: number };

/** Whether an archive name in the day is of an erased key whose deletion the erasure covers; for a hashed name, one read of the record tells its key. */
async function isLateName(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  erasures: Map<string, ErasureLedgerEntry>,
  day: Day,
  name: string,
): Promise<boolean> {
  const named = classifyArchiveName(service, day, name);
  // The archiver writes standard names only; anything else was not written by a late delivery.
  if (named.kind !== "record" || !parseArchiveName(name, day)) return false;
  let partitionKey: KeyValue | undefined;
  if (!named.partitionKey.hashed) partitionKey = named.partitionKey.value;
  else {
    const read = await getArchivedRecord(s3, config, service, `${dayPrefix(config.archive.prefix, service.name, day)}${name}`);
    partitionKey = read.ok ? read.deletion.keys[service.table.partitionKey.name] : undefined;
  }
  if (!partitionKey) return false;
  const erasure = erasures.get(erasureKeyHash(service.name, partitionKey));
  return erasure !== undefined && erasureCovers(erasure, named.deletedAt);
}

function indexKeyOf(config: LazarusConfig, service: ServiceConfig, day: Day, name: string): string {
  const base = servicePrefix(config.archive.prefix, service.name);
  const archiveKey = `${dayPrefix(config.archive.prefix, service.name, day)}${name}`;
  return `${base}${INDEX_SEGMENT}/${parseArchiveName(name, day)!.partitionKey}/${archiveKey.slice(base.length)}`;
}

/** Archive objects of the service, in those days, whose key is erased and whose deletion the erasure covers. */
async function findLateRecords(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  erasures: Map<string, ErasureLedgerEntry>,
  days: Day[],
): Promise<{ archiveKey: string; indexKey: string; day: Day }[]> {
  const found: { archiveKey: string; indexKey: string; day: Day }[] = [];
  for (const day of days) {
    const prefix = dayPrefix(config.archive.prefix, service.name, day);
    for await (const object of listObjects(s3, { bucket: config.archive.bucket, prefix })) {
      const name = object.key.slice(prefix.length);
      if (await isLateName(s3, config, service, erasures, day, name)) found.push({ archiveKey: object.key, indexKey: indexKeyOf(config, service, day, name), day });
    }
  }
  return found;
}

/**
 * The late records a seal has already folded into the day's bundles: the day's manifest
 * rows (1 GET of the manifest, 1 per 1,000 rows; a hashed name costs a read of its record).
 * Null when the day has no manifest.
 */
async function findLateSealedNames(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  erasures: Map<string, ErasureLedgerEntry>,
  day: Day,
): Promise<string[] | null> {
  const manifest = await readDayManifest(s3, config, service, day);
  if (!manifest) return null;
  const names: string[] = [];
  for (let page = 0; page < manifest.pages.length; page++) {
    for (const row of (await readManifestPage(s3, config, manifest, page)).rows) {
      if (await isLateName(s3, config, service, erasures, day, row.name)) names.push(row.name);
    }
  }
  return names;
}

/** How long the attribution function's events are retried (docs/ATTRIBUTION.md): a call this old can still be delivered within the cache window. */
const ATTRIBUTION_RETRY_MS = 24 * 3_600_000;

/** The days (UTC midnights) a late attribution record of these erasures can be filed under: its call came before the erasure, at most a retry period earlier. */
function lateAttributionDays(erasures: Map<string, ErasureLedgerEntry>): Date[] {
  const days = new Map<string, Date>();
  for (const entry of erasures.values()) {
    const erasedAt = new Date(entry.erasedAt);
    for (const day of daysBetween(new Date(erasedAt.getTime() - ATTRIBUTION_RETRY_MS - DELIVERY_SLACK_MS), erasedAt)) {
      days.set(`${day.year}-${day.month}-${day.day}`, new Date(Date.UTC(day.year, day.month - 1, day.day)));
    }
  }
  return [...days.values()];
}

/**
 * Attribution records of an erased key whose call the erasure covers, in those days, with
 * every version: one ListObjectVersions per day and 1,000 versions. A folder's partition
 * key is the text before its first "_" (the key codec escapes "_" inside keys), compared by
 * hash with the ledger's, so a longer key that starts with the subject's is never taken; a
 * hashed folder costs one GET of a record in it. Calls that named no key (`_table/`) are kept.
 */
async function findLateAttributions(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  erasures: Map<string, ErasureLedgerEntry>,
  days: Date[],
): Promise<{ service: ServiceConfig; objectKey: string; versions: ObjectVersion[] }[]> {
  const bucket = config.archive.bucket;
  const found = new Map<string, ObjectVersion[]>();
  for (const day of days) {
    const prefix = attributionDayPrefix(config.archive.prefix, service.name, day);
    const folderKeys = new Map<string, KeyValue | null>();
    for await (const page of listVersionPages(s3, bucket, prefix)) {
      for (const v of page) {
        const relative = v.key.slice(prefix.length);
        const named = parseAttributionName(relative, day);
        if (!named || named.keyFolder === KEYLESS_FOLDER) continue;
        if (!folderKeys.has(named.keyFolder)) folderKeys.set(named.keyFolder, await folderPartitionKey(s3, config, service, named.keyFolder, v.key));
        const partitionKey = folderKeys.get(named.keyFolder);
        const erasure = partitionKey ? erasures.get(erasureKeyHash(service.name, partitionKey)) : undefined;
        if (!erasure || !erasureCovers(erasure, named.eventTime)) continue;
        found.set(v.key, [...(found.get(v.key) ?? []), { versionId: v.versionId, isDeleteMarker: v.isDeleteMarker, isLatest: v.isLatest }]);
      }
    }
  }
  return [...found].map(([objectKey, versions]) => ({ service, objectKey, versions }));
}

async function folderPartitionKey(s3: S3Client, config: LazarusConfig, service: ServiceConfig, folder: string, objectKey: string): Promise<KeyValue | null> {
  const encoded = folder.split("_")[0] ?? "";
  try {
    if (!isHashedEncoding(encoded)) return decodeKeyValue(encoded, service.table.partitionKey.type);
  } catch {
    return null;
  }
  const record = await readAttribution(s3, { bucket: config.archive.bucket, prefix: config.archive.prefix }, objectKey).catch(() => null);
  return record?.key?.partitionKey ?? null;
}

/**
 * A day of late records that is old enough to be sealed. With a manifest, the late records
 * the seal folded into bundles are taken out as an erasure does (members blanked in place,
 * manifest and summary rewritten, replaced versions deleted), then their index entries.
 * Without one, a seal that stopped before its commit point may have bundled a late record
 * removed above from its object: its leftovers go, as an erasure removes them.
 */
async function recheckSealedDay(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  erasures: Map<string, ErasureLedgerEntry>,
  day: Day,
  lateObjects: readonly { day: Day }[],
  leases: DayLeases,
  result: RecheckResult,
): Promise<void> {
  const location = sealedDayLocation(service, day);
  leases.assertHeld();
  let names: string[] | null;
  try {
    names = await findLateSealedNames(s3, config, service, erasures, day);
  } catch (error) {
    if (!(error instanceof SealedFormatError)) throw error;
    result.remaining.push({ location, reason: error.message });
    return;
  }
  if (names === null) {
    if (lateObjects.some((l) => formatDay(l.day) === formatDay(day))) result.sealedVersionsRemoved += await removeUncommittedSeal(s3, config, service, day);
    return;
  }
  if (names.length === 0) return;
  result.locations.push(location);
  try {
    leases.assertHeld();
    const done = await eraseFromSealedDay(s3, config, { service, day, names });
    result.sealedRecordsRemoved += done.recordsRemoved;
    result.bundlesRewritten += done.partsRewritten;
    result.sealedVersionsRemoved += done.versionsRemoved;
  } catch (error) {
    result.remaining.push({ location, reason: `stopped with ${error instanceof Error ? error.name : "an unknown error"}${error instanceof SealedFormatError ? `: ${error.message}` : ""}` });
    return;
  }
  const leftovers = await sealedLeftovers(s3, config, { service, day, names });
  for (const reason of leftovers) result.remaining.push({ location, reason });
  // The index entries point into the bundles; they go last, so a day that could not be cleaned is still found by key.
  if (leftovers.length > 0) return;
  const bucket = config.archive.bucket;
  for (const name of names) {
    const indexKey = indexKeyOf(config, service, day, name);
    const index = await deleteVersions(s3, bucket, versionTargets(indexKey, await listVersionsOf(s3, bucket, indexKey)));
    result.indexEntriesRemoved += index.deleted;
    for (const e of index.errors) result.remaining.push({ location: `${location} (index entry)`, reason: e.reason });
  }
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
    sealedRecordsRemoved: 0,
    bundlesRewritten: 0,
    sealedVersionsRemoved: 0,
    indexEntriesRemoved: 0,
    attributionRecordsRemoved: 0,
    attributionVersionsRemoved: 0,
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
      const lateObjects = await findLateRecords(s3, config, service, erasures, days);
      for (const late of lateObjects) {
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
      for (const day of days) {
        if (mayBeSealed(day, now)) await recheckSealedDay(s3, config, service, erasures, day, lateObjects, leases, result);
      }
      const attributions = await findLateAttributions(s3, config, service, erasures, lateAttributionDays(erasures));
      result.locations.push(...attributions.map(attributionLocation));
      await removeAttributions(s3, config, attributions, result);
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
    : `Re-checked ${due.length} erasure(s): ${result.recordsRemoved} record(s) archived after the erasure removed, ${result.sealedRecordsRemoved} sealed since, ${result.attributionRecordsRemoved} attribution record(s), ${result.failureCopiesRewritten + result.failureCopiesDeleted} failed batch(es) cleaned, ${result.jobStateObjectsRewritten} job file(s) rewritten.`;
  await appendAuditEntry(s3, config, { ...base, outcome: failed ? "failed" : "succeeded", message, details: { ...base.details, result: { ...result, auditId: undefined } } }).catch((error: unknown) =>
    console.error(JSON.stringify({ message: "erasure re-check outcome not recorded", operationId, error: error instanceof Error ? error.name : "unknown" })),
  );
  return result;
}
