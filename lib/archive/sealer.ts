import "server-only";
import { randomBytes } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { ARCHIVE_SCHEMA_VERSION, type IndexEntryBody } from "./archive-object";
import { assertConfiguredService, formatDay, validateDay, type CalendarDay, type CalendarMonth } from "./archive-input";
import { listMonths, listYears } from "./archive-calendar";
import { classifyArchiveName } from "./archive-names";
import { awsErrorName, isMissingObject, isPreconditionFailed } from "../aws/aws-errors";
import { putJson } from "../aws/s3-json";
import { BUNDLE_TAG_KEY, BUNDLE_TAG_VALUE, isSealingAllowed } from "./seal-labels";
import { dayPrefix, indexPartitionPrefix, monthPrefix, parseArchiveName, recordId, servicePrefix } from "./layout";
import { listPages } from "./object-listing";
import { deleteVersions, listVersionsUnder } from "./object-versions";
import { MAX_ARCHIVE_OBJECT_BYTES, readDeletion } from "./record-read";
import {
  buildBundle,
  buildDayManifest,
  bundlePartKey,
  dayManifestKey,
  dayOfMonthKey,
  emptyMonthSummary,
  MAX_PART_RECORDS,
  memberOf,
  monthSummaryKey,
  readBundleMember,
  SEALED_SEGMENT,
  sealedDayCounts,
  sealedDayPrefix,
  SealedFormatError,
  sha256Hex,
  type DayManifest,
  type ManifestRow,
} from "./sealed-format";
import { isSealableDay, mayBeSealed, MIN_SEAL_AGE_DAYS, readDayManifest, readManifestPage, readMonthSummary } from "./sealed-store";
import { busyDayText, takeDayLease, type DayLease, type DayLeaseOptions } from "./day-lease";

/**
 * Seals closed days: the day's per-record objects go into gzip bundles described by a
 * paged manifest, the month summary gets the day's counts, and only then are the
 * per-record objects deleted. The order is what keeps every record readable at any
 * crash point:
 *
 *   1. bundle parts written and read back (hash, member count, every member's bytes)
 *   2. each sealed record's index entry rewritten in place to point into its bundle
 *   3. manifest pages, then the manifest (the commit point)
 *   4. the month summary
 *   5. every version of the sealed per-record objects deleted, 1,000 per request
 *   6. what no manifest references any more (older pages and parts, crashed runs') deleted
 *
 * Before 3 a record is read from its object; from 3 on from its bundle, and readers
 * skip an object whose name the manifest already holds. Running it again on a sealed
 * day folds in records archived since (late deliveries, DLQ replays) as a new part,
 * deletes redelivered copies of sealed records, and otherwise changes nothing.
 */

export type SealStep = "listed" | "bundle-written" | "entries-written" | "manifest-written" | "summary-written" | "objects-deleted" | "cleaned";

export interface SealOptions {
  now?: Date;
  /** Per-record objects read at once. */
  concurrency?: number;
  /** Versions per DeleteObjects call (at most 1,000). */
  deleteBatchSize?: number;
  /** Rows per manifest page (at most the default, 1,000). */
  manifestPageRows?: number;
  /** Called after each step; a process killed here is what the crash tests do. */
  onStep?: (step: SealStep, detail: { date: string; deleted?: number }) => Promise<void> | void;
  /** Asked before each day of `sealService`; false leaves the remaining days for the next run (a time limit). */
  shouldContinue?: () => boolean;
  /** The day lease's holder name and length (day-lease.ts). */
  lease?: DayLeaseOptions;
}

export interface DaySealReport {
  service: string;
  date: string;
  /** "busy": someone else (an erasure) held the day's lease, so it was left for the next run. */
  outcome: "sealed" | "unchanged" | "failed" | "busy";
  /** Records in the day's manifest after the run. */
  records: number;
  /** Records moved into bundles by this run. */
  newlySealed: number;
  /** Per-record copies of records the manifest already held (redeliveries, a crashed run's leftovers). */
  duplicatesRemoved: number;
  objectVersionsDeleted: number;
  /** Objects left as they are: legacy names, unreadable or foreign objects. */
  leftInPlace: { key: string; reason: string }[];
  problem?: string;
  requests: { list: number; get: number; put: number; delete: number };
}

export class SealRefusedError extends Error {
  override name = "SealRefusedError";
}

const DEFAULT_CONCURRENCY = 8;
export const BUNDLE_TAG = `${BUNDLE_TAG_KEY}=${BUNDLE_TAG_VALUE}`;
const SUMMARY_WRITE_ATTEMPTS = 5;

export function assertSealingAllowed(config: LazarusConfig): void {
  if (!isSealingAllowed(config.archive)) {
    throw new SealRefusedError("the archive bucket locks every object for archive.objectLock.retentionDays, so sealed records could not be removed; sealing stays off");
  }
}

interface SourceRecord {
  name: string;
  key: string;
  bytes: Uint8Array;
  entry: IndexEntryBody;
  entryKey: string;
}

export async function sealDay(s3: S3Client, config: LazarusConfig, service: ServiceConfig, dayValue: CalendarDay, options: SealOptions = {}): Promise<DaySealReport> {
  assertConfiguredService(config, service);
  assertSealingAllowed(config);
  const day = validateDay(dayValue);
  const date = formatDay(day);
  if (!mayBeSealed(day, options.now ?? new Date())) {
    throw new SealRefusedError(`${date} is too recent to seal: readers look for sealed days from ${MIN_SEAL_AGE_DAYS} days back only`);
  }
  const report: DaySealReport = {
    service: service.name,
    date,
    outcome: "unchanged",
    records: 0,
    newlySealed: 0,
    duplicatesRemoved: 0,
    objectVersionsDeleted: 0,
    leftInPlace: [],
    requests: { list: 0, get: 0, put: 0, delete: 0 },
  };
  // An erasure of the day rewrites what this reads and deletes: one of them at a time.
  report.requests.put += 1;
  const taken = await takeDayLease(s3, config, service, day, "seal", options.lease);
  if ("busy" in taken) return { ...report, outcome: "busy", problem: `busy, will seal on the next run: ${busyDayText(taken.busy)}` };
  try {
    return await sealLeasedDay(s3, config, service, day, options, report, taken.lease);
  } finally {
    report.requests.delete += 1;
    await taken.lease.release();
  }
}

async function sealLeasedDay(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  day: CalendarDay,
  options: SealOptions,
  report: DaySealReport,
  lease: DayLease,
): Promise<DaySealReport> {
  const date = report.date;
  const bucket = config.archive.bucket;
  const step = async (name: SealStep, detail: { deleted?: number } = {}) => options.onStep?.(name, { date, ...detail });
  let current: DayManifest | null;
  const sealedRows = new Map<string, ManifestRow>();
  try {
    report.requests.get += 1;
    current = await readDayManifest(s3, config, service, day);
    for (let i = 0; current && i < current.pages.length; i++) {
      report.requests.get += 1;
      for (const row of (await readManifestPage(s3, config, current, i)).rows) sealedRows.set(row.name, row);
    }
  } catch (e) {
    if (!(e instanceof SealedFormatError)) throw e;
    // A damaged manifest is left for a person to look at: resealing over it could lose the records only it knows.
    return { ...report, outcome: "failed", problem: e.message };
  }
  report.records = sealedRows.size;

  // The day's per-record objects.
  const base = dayPrefix(config.archive.prefix, service.name, day);
  const fresh: { name: string; key: string; size: number }[] = [];
  const duplicates = new Set<string>();
  for await (const page of listPages(s3, { bucket, prefix: base })) {
    report.requests.list += 1;
    for (const object of page.objects) {
      const name = object.key.slice(base.length);
      const named = classifyArchiveName(service, day, name);
      if (named.kind !== "record") {
        report.leftInPlace.push({ key: object.key, reason: named.kind === "legacy" ? "a legacy object: its name does not say its key" : named.reason });
      } else if (sealedRows.has(name)) {
        duplicates.add(name);
      } else if (object.size > MAX_ARCHIVE_OBJECT_BYTES) {
        report.leftInPlace.push({ key: object.key, reason: `${object.size} bytes, larger than any archive object` });
      } else {
        fresh.push({ name, key: object.key, size: object.size });
      }
    }
  }
  await step("listed");

  let manifest = current;
  const held = new Set(sealedRows.keys());
  if (fresh.length > 0) {
    const records = await readSources(s3, config, service, day, fresh, options.concurrency ?? DEFAULT_CONCURRENCY, report);
    if (records.length > 0) {
      lease.assertHeld();
      manifest = await writeSealedRecords(s3, config, service, day, current, sealedRows, records, options, report, step, lease);
      for (const record of records) held.add(record.name);
      report.newlySealed = records.length;
      report.records = manifest.records;
      report.outcome = "sealed";
    }
  }
  if (!manifest) return report;

  lease.assertHeld();
  report.requests.get += 1;
  if (await writeMonthSummary(s3, config, service, day, manifest, report)) report.outcome = "sealed";
  await step("summary-written");

  // Every version of every per-record object the manifest holds, including copies written after the listing.
  const targets = [];
  for await (const version of listVersionsUnder(s3, bucket, base)) {
    if (version.key.startsWith(base) && held.has(version.key.slice(base.length))) targets.push(version);
  }
  report.requests.list += Math.max(1, Math.ceil(targets.length / 1000));
  report.duplicatesRemoved = duplicates.size;
  lease.assertHeld();
  report.objectVersionsDeleted = await deleteVersions(s3, bucket, targets, {
    ...(options.deleteBatchSize !== undefined ? { batchSize: options.deleteBatchSize } : {}),
    onBatch: async (deleted) => {
      report.requests.delete += 1;
      await step("objects-deleted", { deleted });
    },
  });
  if (duplicates.size > 0 && report.outcome === "unchanged") report.outcome = "sealed";

  report.requests.delete += await removeUnreferenced(s3, config, service, day, manifest);
  await step("cleaned");
  return report;
}

/** Reads and checks each object as the console would; anything that does not read cleanly stays an object. */
async function readSources(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  day: CalendarDay,
  objects: { name: string; key: string }[],
  concurrency: number,
  report: DaySealReport,
): Promise<SourceRecord[]> {
  const limit = pLimit(concurrency);
  const read = await Promise.all(
    objects.map((object) =>
      limit(async (): Promise<SourceRecord | null> => {
        report.requests.get += 1;
        let bytes: Uint8Array;
        let lastModified: Date | undefined;
        try {
          const response = await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: object.key }));
          bytes = (await response.Body?.transformToByteArray()) ?? new Uint8Array();
          lastModified = response.LastModified;
        } catch (error) {
          // Erased or sealed by someone else since the listing.
          if (isMissingObject(error)) return null;
          // Tiered to Glacier by a lifecycle rule: only a retrieval could read it, so it stays an object, readable as today.
          if (awsErrorName(error) === "InvalidObjectState") {
            report.leftInPlace.push({ key: object.key, reason: "in a Glacier storage class: it must be retrieved before it can be sealed" });
            return null;
          }
          throw error;
        }
        let text: string;
        try {
          text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        } catch {
          report.leftInPlace.push({ key: object.key, reason: "not UTF-8 text" });
          return null;
        }
        const outcome = readDeletion(text, service, day, object.name, lastModified);
        const parsed = parseArchiveName(object.name, day);
        if (!outcome.ok || !parsed) {
          report.leftInPlace.push({ key: object.key, reason: outcome.ok ? "not an archive name" : `${outcome.kind}: ${outcome.message}` });
          return null;
        }
        if (recordId(outcome.deletion.eventId) !== parsed.id) {
          report.leftInPlace.push({ key: object.key, reason: "corrupt: the record inside is not the one its name says" });
          return null;
        }
        return {
          name: object.name,
          key: object.key,
          bytes,
          entryKey: `${indexPartitionPrefix(config.archive.prefix, service.name, parsed.partitionKey)}${datedName(config, service, day, object.name)}`,
          entry: {
            schemaVersion: ARCHIVE_SCHEMA_VERSION,
            archiveKey: object.key,
            bundle: null,
            keys: outcome.deletion.keys,
            deletedAt: outcome.deletion.deletedAt.toISOString(),
            deletionType: outcome.deletion.deletionType,
          },
        };
      }),
    ),
  );
  return read.filter((r): r is SourceRecord => r !== null);
}

/** "yyyy/mm/dd/{name}": the path an archive object and its index entry share. */
function datedName(config: LazarusConfig, service: ServiceConfig, day: CalendarDay, name: string): string {
  return `${dayPrefix(config.archive.prefix, service.name, day).slice(servicePrefix(config.archive.prefix, service.name).length)}${name}`;
}

async function writeSealedRecords(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  day: CalendarDay,
  current: DayManifest | null,
  sealedRows: Map<string, ManifestRow>,
  records: SourceRecord[],
  options: SealOptions,
  report: DaySealReport,
  step: (name: SealStep) => Promise<void>,
  lease: DayLease,
): Promise<DayManifest> {
  const bucket = config.archive.bucket;
  const folder = sealedDayPrefix(config.archive.prefix, service.name, day);
  const generation = (current?.generation ?? 0) + 1;
  const run = randomBytes(4).toString("hex");
  const parts = [...(current?.parts ?? [])];
  const rows = [...sealedRows.values()];
  records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const located: { record: SourceRecord; key: string; offset: number; length: number }[] = [];
  for (let start = 0; start < records.length; start += MAX_PART_RECORDS) {
    const chunk = records.slice(start, start + MAX_PART_RECORDS);
    const bundle = buildBundle(chunk);
    const key = bundlePartKey(folder, generation, run, parts.length);
    report.requests.put += 1;
    // The tag lets a lifecycle rule tier bundles alone, leaving manifests and summaries in Standard.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bundle.body, ContentType: "application/gzip", Tagging: BUNDLE_TAG }));
    report.requests.get += 1;
    await verifyBundle(s3, bucket, key, bundle.sha256, chunk, bundle.rows);
    const index = parts.length;
    parts.push({ key, sha256: bundle.sha256, bytes: bundle.body.byteLength, records: chunk.length });
    bundle.rows.forEach((row, i) => {
      rows.push({ ...row, part: index });
      located.push({ record: chunk[i] as SourceRecord, key, offset: row.offset, length: row.length });
    });
  }
  await step("bundle-written");

  const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  await Promise.all(
    located.map(({ record, key, offset, length }) =>
      limit(async () => {
        report.requests.put += 1;
        await putJson(s3, bucket, record.entryKey, { ...record.entry, bundle: { key, offset, length } } satisfies IndexEntryBody);
      }),
    ),
  );
  await step("entries-written");

  const { manifest, pages } = buildDayManifest({
    service: service.name,
    day,
    dayPrefix: folder,
    generation,
    sealedAt: options.now ?? new Date(),
    parts,
    rows,
    ...(options.manifestPageRows !== undefined ? { pageRows: options.manifestPageRows } : {}),
  });
  // The commit point: a holder that lost the day's lease must not commit over someone else's work.
  lease.assertHeld();
  for (const page of pages) {
    report.requests.put += 1;
    await putJson(s3, bucket, page.key, page.page);
  }
  report.requests.put += 1;
  await putJson(s3, bucket, dayManifestKey(config.archive.prefix, service.name, day), manifest);
  await step("manifest-written");
  return manifest;
}

/** Read back what was written: the whole part's hash, and every member against the object it came from. */
async function verifyBundle(s3: S3Client, bucket: string, key: string, sha256: string, records: SourceRecord[], rows: { offset: number; length: number; size: number }[]): Promise<void> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = (await response.Body?.transformToByteArray()) ?? new Uint8Array();
  if (sha256Hex(body) !== sha256) throw new SealedFormatError(`bundle ${key} read back with another SHA-256 than was written`);
  if (rows.length !== records.length) throw new SealedFormatError(`bundle ${key} holds ${rows.length} records, the listing ${records.length}`);
  rows.forEach((row, i) => {
    const original = (records[i] as SourceRecord).bytes;
    const member = readBundleMember(memberOf(body, row), row.size);
    if (sha256Hex(member) !== sha256Hex(original)) throw new SealedFormatError(`bundle ${key}: record ${i} does not read back as its object's bytes`);
  });
}

/** Puts the day's counts in its month summary (a conditional write, retried when another writer got there first). */
export async function writeMonthSummary(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  day: CalendarDay,
  manifest: DayManifest,
  report: Pick<DaySealReport, "requests"> = { requests: { list: 0, get: 0, put: 0, delete: 0 } },
): Promise<boolean> {
  const key = monthSummaryKey(config.archive.prefix, service.name, day);
  for (let attempt = 1; ; attempt++) {
    const read = await readMonthSummary(s3, config, service, day);
    const summary = read?.summary ?? emptyMonthSummary(service.name, day);
    const counts = sealedDayCounts(manifest);
    const existing = summary.days[dayOfMonthKey(day)];
    if (existing && JSON.stringify(existing) === JSON.stringify(counts)) return false;
    summary.days[dayOfMonthKey(day)] = counts;
    try {
      report.requests.put += 1;
      await putJson(s3, config.archive.bucket, key, summary, read ? { ifMatch: read.etag } : { ifNoneMatch: true });
      return true;
    } catch (error) {
      if (!isPreconditionFailed(error) || attempt >= SUMMARY_WRITE_ATTEMPTS) throw error;
      report.requests.get += 1;
    }
  }
}

/** Deletes every version in the day's sealed folder that the manifest does not reference as current. */
async function removeUnreferenced(s3: S3Client, config: LazarusConfig, service: ServiceConfig, day: CalendarDay, manifest: DayManifest): Promise<number> {
  const folder = sealedDayPrefix(config.archive.prefix, service.name, day);
  const referenced = new Set([dayManifestKey(config.archive.prefix, service.name, day), ...manifest.pages.map((p) => p.key), ...manifest.parts.map((p) => p.key)]);
  const targets = [];
  for await (const version of listVersionsUnder(s3, config.archive.bucket, folder)) {
    if (!referenced.has(version.key) || !version.isLatest || version.isDeleteMarker) targets.push(version);
  }
  if (targets.length === 0) return 0;
  await deleteVersions(s3, config.archive.bucket, targets);
  return Math.ceil(targets.length / 1000);
}

// ---------------------------------------------------------------------------
// Which days to seal

export interface ServiceSealReport {
  service: string;
  days: DaySealReport[];
  /** The oldest day old enough to be sealed that still holds per-record objects, before this run. */
  oldestUnsealed: string | null;
  /** Days old enough to be sealed that this run did not seal, oldest first: failed, busy (an erasure held them), or left for the next run by `shouldContinue`. */
  unsealed: CalendarDay[];
}

/**
 * Seals every day of the service old enough to be sealed that still has per-record
 * objects. Finding them costs one delimited LIST per year and per month, whatever their size.
 */
export async function sealService(s3: S3Client, config: LazarusConfig, service: ServiceConfig, options: SealOptions = {}): Promise<ServiceSealReport> {
  assertConfiguredService(config, service);
  assertSealingAllowed(config);
  const now = options.now ?? new Date();
  const days = await daysWithObjects(s3, config, service);
  const due = days.filter((d) => isSealableDay(config, d, now));
  const reports: DaySealReport[] = [];
  const unsealed: CalendarDay[] = [];
  for (const day of due) {
    if (options.shouldContinue && !options.shouldContinue()) {
      unsealed.push(day);
      continue;
    }
    const report = await sealDay(s3, config, service, day, { ...options, now });
    reports.push(report);
    if (report.outcome === "failed" || report.outcome === "busy") unsealed.push(day);
  }
  return { service: service.name, days: reports, oldestUnsealed: due[0] ? formatDay(due[0]) : null, unsealed };
}

/** Days whose folders hold objects, oldest first: one delimited LIST per year and per month. */
export async function daysWithObjects(s3: S3Client, config: LazarusConfig, service: ServiceConfig): Promise<CalendarDay[]> {
  const days: CalendarDay[] = [];
  for (const year of await listYears(s3, config, service)) {
    for (const month of await listMonths(s3, config, service, year)) days.push(...(await daysOfMonthWithObjects(s3, config, service, month)));
  }
  return days;
}

async function daysOfMonthWithObjects(s3: S3Client, config: LazarusConfig, service: ServiceConfig, month: CalendarMonth): Promise<CalendarDay[]> {
  const base = monthPrefix(config.archive.prefix, service.name, month);
  const found = new Set<number>();
  for await (const page of listPages(s3, { bucket: config.archive.bucket, prefix: base, delimiter: "/" })) {
    for (const folder of page.commonPrefixes) {
      const m = /^(\d{2})\/$/.exec(folder.slice(base.length));
      if (m && folder.slice(base.length) !== `${SEALED_SEGMENT}/`) found.add(Number(m[1]));
    }
  }
  return [...found]
    .sort((a, b) => a - b)
    .flatMap((d) => {
      try {
        return [validateDay({ ...month, day: d })];
      } catch {
        return [];
      }
    });
}
