import "server-only";
import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { ARCHIVE_CONTENT_TYPE, ARCHIVE_SCHEMA_VERSION, indexEntryBodySchema, type IndexEntryBody } from "./archive-object";
import {
  ArchiveInputError,
  assertConfiguredService,
  classifyArchiveName,
  MAX_ARCHIVE_OBJECT_BYTES,
  readDeletion,
  validateDay,
  type CalendarDay,
} from "./archive-reader";
import { encodeKeyValue } from "./key-codec";
import { dayPrefix, INDEX_SEGMENT, indexPartitionPrefix, parseArchiveName, servicePrefix } from "./layout";
import { dayManifestKey, locateRow, SealedFormatError } from "./sealed-format";
import { readBundledRecord, readDayManifest, readManifestPage } from "./sealed-store";
import { listFolders, listPages, MAX_LIST_KEYS } from "./object-listing";
import { isMissingObject } from "../aws/aws-errors";

/**
 * Rebuilds a service's by-key index from its archive objects.
 *
 * The index is listed first and the archive second. The archiver writes an object
 * before its index entry, so every entry seen in the first listing has its object
 * in the second one unless the object was really deleted: prune never removes the
 * entry of a record archived while the rebuild runs.
 *
 * An archive object whose entry is already there costs nothing beyond its share of
 * a LIST (standard names carry the encoded partition key; legacy objects are matched
 * by relative path). Objects without an entry are read (GET) and get one (PUT
 * If-None-Match "*", so a concurrent archiver write wins and counts as present).
 * Memory: one string per index entry and per archive object of the service.
 */
export interface ReindexOptions {
  dryRun?: boolean;
  prune?: boolean;
  concurrency?: number;
}

export interface ReindexReport {
  service: string;
  dryRun: boolean;
  /** Archive objects listed (everything inside the service's year folders). */
  scanned: number;
  /** Index entries written (or, in a dry run, that would be). */
  created: number;
  alreadyPresent: number;
  /** Orphan index entries deleted (or, in a dry run, that would be). */
  pruned: number;
  /** Objects that are not archive objects (not .json, or outside a day folder): left alone. */
  skipped: { key: string; reason: string }[];
  /** Archive objects that could not be indexed, and failed writes or deletes. */
  errors: { key: string; message: string }[];
  requests: { list: number; get: number; put: number; delete: number };
}

export const DEFAULT_REINDEX_CONCURRENCY = 16;
const MAX_REINDEX_CONCURRENCY = 64;
const MAX_S3_KEY_BYTES = 1024;

interface IndexedEntry {
  indexKey: string;
  encodedPartitionKey: string;
}

export async function rebuildIndex(s3: S3Client, config: LazarusConfig, service: ServiceConfig, options: ReindexOptions = {}): Promise<ReindexReport> {
  assertConfiguredService(config, service);
  const concurrency = options.concurrency ?? DEFAULT_REINDEX_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_REINDEX_CONCURRENCY) {
    throw new ArchiveInputError(`invalid concurrency ${concurrency}: must be an integer from 1 to ${MAX_REINDEX_CONCURRENCY}`);
  }
  const dryRun = options.dryRun === true;
  const bucket = config.archive.bucket;
  const base = servicePrefix(config.archive.prefix, service.name);
  const indexBase = `${base}${INDEX_SEGMENT}/`;
  const report: ReindexReport = {
    service: service.name,
    dryRun,
    scanned: 0,
    created: 0,
    alreadyPresent: 0,
    pruned: 0,
    skipped: [],
    errors: [],
    requests: { list: 0, get: 0, put: 0, delete: 0 },
  };
  const limit = pLimit(concurrency);

  // 1. The index as it is, keyed by the archive object's path relative to the service.
  const indexed = new Map<string, IndexedEntry[]>();
  for await (const page of listPages(s3, { bucket, prefix: indexBase })) {
    report.requests.list += 1;
    for (const object of page.objects) {
      const rel = object.key.slice(indexBase.length);
      const slash = rel.indexOf("/");
      if (slash <= 0) {
        report.skipped.push({ key: object.key, reason: "not an index entry path ({encoded key}/{yyyy}/{mm}/{dd}/{name})" });
        continue;
      }
      const entry = { indexKey: object.key, encodedPartitionKey: rel.slice(0, slash) };
      const dated = rel.slice(slash + 1);
      indexed.set(dated, [...(indexed.get(dated) ?? []), entry]);
    }
  }

  // 2. The archive, one LIST page at a time so pending work stays bounded.
  report.requests.list += 1;
  const years = (await listFolders(s3, { bucket, prefix: base })).filter((f) => /^\d{4}\/$/.test(f.slice(base.length)));
  const archived = new Set<string>();
  const sealedDays: CalendarDay[] = [];
  for (const year of years) {
    for await (const page of listPages(s3, { bucket, prefix: year })) {
      report.requests.list += 1;
      const work: Promise<void>[] = [];
      for (const object of page.objects) {
        const rel = object.key.slice(base.length);
        const sealed = /^(\d{4})\/(\d{2})\/_sealed\/(?:(\d{2})\/_manifest\.json)?/.exec(rel);
        if (sealed) {
          // Sealed days are indexed from their manifests below; their other files are bundles and pages.
          if (sealed[3]) sealedDays.push({ year: Number(sealed[1]), month: Number(sealed[2]), day: Number(sealed[3]) });
          continue;
        }
        report.scanned += 1;
        const located = locate(service, rel);
        if ("reason" in located) {
          report.skipped.push({ key: object.key, reason: located.reason });
          continue;
        }
        archived.add(rel);
        const entries = indexed.get(rel) ?? [];
        const present = located.encodedPartitionKey === undefined ? entries.length > 0 : entries.some((e) => e.encodedPartitionKey === located.encodedPartitionKey);
        if (present) {
          report.alreadyPresent += 1;
          continue;
        }
        if (object.size > MAX_ARCHIVE_OBJECT_BYTES) {
          report.errors.push({ key: object.key, message: `${object.size} bytes, larger than any archive object` });
          continue;
        }
        work.push(limit(() => indexObject(s3, config, service, object.key, located.day, located.name, rel, dryRun, report)));
      }
      await Promise.all(work);
    }
  }

  // 2b. Sealed records, from their days' manifests and bundles.
  for (const day of sealedDays) {
    const work = await indexSealedDay(s3, config, service, day, indexed, archived, dryRun, report);
    await Promise.all(work.map((w) => limit(w)));
  }

  // 3. Entries whose archive object is gone.
  if (options.prune) {
    const orphans: string[] = [];
    await Promise.all(
      [...indexed].flatMap(([rel, entries]) =>
        archived.has(rel) ? [] : entries.map((entry) => limit(async () => {
          if (await isOrphan(s3, config, service, entry.indexKey, rel, archived, report)) orphans.push(entry.indexKey);
        })),
      ),
    );
    if (dryRun) report.pruned = orphans.length;
    else await deleteAll(s3, bucket, orphans.sort(), report);
  }
  return report;
}

type Located = { day: CalendarDay; name: string; encodedPartitionKey?: string } | { reason: string };

/** Where an object sits in the archive, and the encoded partition key its name carries (standard names only). */
function locate(service: ServiceConfig, rel: string): Located {
  const m = /^(\d{4})\/(\d{2})\/(\d{2})\/(.+)$/.exec(rel);
  if (!m) return { reason: "outside a day folder (YYYY/MM/DD/name)" };
  let day: CalendarDay;
  try {
    day = validateDay({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) });
  } catch (e) {
    return { reason: (e as Error).message };
  }
  const name = m[4] as string;
  const named = classifyArchiveName(service, day, name);
  if (named.kind === "unknown") return { reason: named.reason };
  if (named.kind === "legacy") return { day, name };
  const pk = named.partitionKey;
  return { day, name, encodedPartitionKey: pk.hashed ? pk.encoded : encodeKeyValue(pk.value) };
}

async function indexObject(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  archiveKey: string,
  day: CalendarDay,
  name: string,
  rel: string,
  dryRun: boolean,
  report: ReindexReport,
): Promise<void> {
  const bucket = config.archive.bucket;
  try {
    report.requests.get += 1;
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: archiveKey }));
    const text = (await response.Body?.transformToString("utf-8")) ?? "";
    const read = readDeletion(text, service, day, name, response.LastModified);
    if (!read.ok) {
      report.errors.push({ key: archiveKey, message: `${read.kind}: ${read.message}` });
      return;
    }
    const { deletion } = read;
    // readDeletion has checked that the partition key is there.
    const pk = deletion.keys[service.table.partitionKey.name]!;
    const indexKey = `${indexPartitionPrefix(config.archive.prefix, service.name, encodeKeyValue(pk))}${rel}`;
    if (Buffer.byteLength(indexKey, "utf8") > MAX_S3_KEY_BYTES) {
      report.errors.push({ key: archiveKey, message: `its index entry's key would be longer than ${MAX_S3_KEY_BYTES} bytes` });
      return;
    }
    const body: IndexEntryBody = {
      schemaVersion: ARCHIVE_SCHEMA_VERSION,
      archiveKey,
      bundle: null,
      keys: deletion.keys,
      deletedAt: deletion.deletedAt.toISOString(),
      deletionType: deletion.deletionType,
    };
    if (dryRun) {
      report.created += 1;
      return;
    }
    report.requests.put += 1;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: indexKey, Body: JSON.stringify(body), ContentType: ARCHIVE_CONTENT_TYPE, IfNoneMatch: "*" }));
    report.created += 1;
  } catch (error) {
    if (statusOf(error) === 412) {
      report.alreadyPresent += 1;
      return;
    }
    if (isMissingObject(error)) return; // erased since it was listed
    if (error instanceof Error && error.name === "InvalidObjectState") {
      report.errors.push({ key: archiveKey, message: "in Glacier Flexible Retrieval or Deep Archive and not restored: restore it to index it" });
      return;
    }
    report.errors.push({ key: archiveKey, message: describe(error) });
  }
}

/**
 * A sealed day's records: each counts as archived (so prune keeps its entry), and one
 * without an entry gets one pointing into its bundle, built from a ranged GET of it.
 * Costs 1 GET for the manifest and 1 per page, plus 1 ranged GET and 1 PUT per missing entry.
 */
async function indexSealedDay(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  dayValue: CalendarDay,
  indexed: Map<string, IndexedEntry[]>,
  archived: Set<string>,
  dryRun: boolean,
  report: ReindexReport,
): Promise<(() => Promise<void>)[]> {
  const bucket = config.archive.bucket;
  const work: (() => Promise<void>)[] = [];
  let day: CalendarDay;
  try {
    day = validateDay(dayValue);
    report.requests.get += 1;
    const manifest = await readDayManifest(s3, config, service, day);
    if (!manifest) return work;
    const datePrefix = dayPrefix(config.archive.prefix, service.name, day).slice(servicePrefix(config.archive.prefix, service.name).length);
    for (let i = 0; i < manifest.pages.length; i++) {
      report.requests.get += 1;
      for (const row of (await readManifestPage(s3, config, manifest, i)).rows) {
        report.scanned += 1;
        const rel = `${datePrefix}${row.name}`;
        archived.add(rel);
        const named = parseArchiveName(row.name, day);
        if (!named) {
          report.errors.push({ key: rel, message: "a sealed record whose name is not an archive name" });
          continue;
        }
        if ((indexed.get(rel) ?? []).some((e) => e.encodedPartitionKey === named.partitionKey)) {
          report.alreadyPresent += 1;
          continue;
        }
        const location = locateRow(manifest, row);
        const archiveKey = `${dayPrefix(config.archive.prefix, service.name, day)}${row.name}`;
        work.push(async () => {
          report.requests.get += 1;
          const read = await readBundledRecord(s3, bucket, { key: location.bundleKey, offset: location.offset, length: location.length }, location.size);
          if (!read.ok) {
            report.errors.push({ key: archiveKey, message: `sealed, and its bundle cannot be read: ${read.message}` });
            return;
          }
          const outcome = readDeletion(read.bytes.toString("utf8"), service, day, row.name);
          if (!outcome.ok) {
            report.errors.push({ key: archiveKey, message: `sealed, ${outcome.kind}: ${outcome.message}` });
            return;
          }
          const body: IndexEntryBody = {
            schemaVersion: ARCHIVE_SCHEMA_VERSION,
            archiveKey,
            bundle: { key: location.bundleKey, offset: location.offset, length: location.length },
            keys: outcome.deletion.keys,
            deletedAt: outcome.deletion.deletedAt.toISOString(),
            deletionType: outcome.deletion.deletionType,
          };
          if (dryRun) {
            report.created += 1;
            return;
          }
          try {
            report.requests.put += 1;
            const indexKey = `${indexPartitionPrefix(config.archive.prefix, service.name, named.partitionKey)}${rel}`;
            await s3.send(new PutObjectCommand({ Bucket: bucket, Key: indexKey, Body: JSON.stringify(body), ContentType: ARCHIVE_CONTENT_TYPE, IfNoneMatch: "*" }));
            report.created += 1;
          } catch (error) {
            if (statusOf(error) === 412) report.alreadyPresent += 1;
            else report.errors.push({ key: archiveKey, message: describe(error) });
          }
        });
      }
    }
  } catch (e) {
    if (!(e instanceof SealedFormatError) && !(e instanceof ArchiveInputError)) throw e;
    report.errors.push({ key: dayManifestKey(config.archive.prefix, service.name, dayValue), message: e.message });
  }
  return work;
}

/**
 * A standard-name entry without its object is an orphan. Other entries are read:
 * one that points into a bundle is the compaction step's business, and one that
 * points at a listed object is not an orphan.
 */
async function isOrphan(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  indexKey: string,
  rel: string,
  archived: Set<string>,
  report: ReindexReport,
): Promise<boolean> {
  const located = locate(service, rel);
  if ("reason" in located || located.encodedPartitionKey === undefined) {
    try {
      report.requests.get += 1;
      const response = await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: indexKey }));
      const body = indexEntryBodySchema.safeParse(JSON.parse((await response.Body?.transformToString("utf-8")) ?? ""));
      if (!body.success) {
        report.errors.push({ key: indexKey, message: "index entry has no archive object and an invalid body; left in place" });
        return false;
      }
      if (body.data.bundle) return false;
      const base = servicePrefix(config.archive.prefix, service.name);
      return !(body.data.archiveKey.startsWith(base) && archived.has(body.data.archiveKey.slice(base.length)));
    } catch (error) {
      if (isMissingObject(error)) return false;
      report.errors.push({ key: indexKey, message: `could not read the index entry: ${describe(error)}` });
      return false;
    }
  }
  return true;
}

async function deleteAll(s3: S3Client, bucket: string, keys: string[], report: ReindexReport): Promise<void> {
  // DeleteObjects takes at most 1,000 keys.
  for (let i = 0; i < keys.length; i += MAX_LIST_KEYS) {
    const chunk = keys.slice(i, i + MAX_LIST_KEYS);
    try {
      report.requests.delete += 1;
      const out = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }));
      const failed = out.Errors ?? [];
      for (const e of failed) report.errors.push({ key: e.Key ?? "(unknown key)", message: `delete failed: ${e.Code ?? ""} ${e.Message ?? ""}`.trim() });
      report.pruned += chunk.length - failed.length;
    } catch (error) {
      for (const key of chunk) report.errors.push({ key, message: `delete failed: ${describe(error)}` });
    }
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = statusOf(error);
  return `${status ?? "no response"} ${error.name}: ${error.message}`;
}
