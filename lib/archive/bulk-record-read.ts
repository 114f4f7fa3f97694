import "server-only";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { formatDay, UnsafeArchiveKeyError, validateArchiveKey, type CalendarDay } from "./archive-input";
import { parseArchiveName, recordId } from "./layout";
import { getArchivedRecord, readArchiveObject, readDeletion, type ArchivedRecordResult } from "./record-read";
import { locateRow, pageCovering, readBundleMember, SealedFormatError, type ManifestRow } from "./sealed-format";
import { mayBeSealed, readDayManifest, readManifestPage } from "./sealed-store";

/**
 * Many archived records at once, for bulk restore. A sealed day's records are read
 * from its manifest (1 GET, plus 1 per page that holds one of them) and their bundle
 * members, adjacent members coalesced into few ranged GETs. A record of a day old
 * enough to be sealed that its manifest does not hold (the day is open, or the record
 * arrived after the seal) is read from its object (1 GET); young days and legacy
 * names are read as `getArchivedRecord` reads them. Anything the bulk path cannot read cleanly (a damaged
 * manifest, a bundle in Glacier or gone, a member that does not check out) is read
 * again through `getArchivedRecord`, so its error is the one a single read reports.
 */

/** One ranged GET reads at most this much: a part's members are read in slices, never whole parts of 10,000 records. */
export const MAX_RANGE_BYTES = 8 * 1024 * 1024;
/** Members closer than this are read in one range; the bytes between them are read and dropped. */
export const MAX_RANGE_GAP_BYTES = 64 * 1024;
const RANGE_CONCURRENCY = 8;
const SINGLE_READ_CONCURRENCY = 16;

/** Where a sealed record's gzip member sits: enough to read it again with one ranged GET. */
export interface BundleMemberLocation {
  key: string;
  offset: number;
  length: number;
  /** The archive object's size, checked when the member is decompressed. */
  size: number;
}

export interface BulkReadStats {
  /** Records read one at a time (`getArchivedRecord`: 1–3 requests each). */
  singleReads: number;
  /** GETs of day manifests and manifest pages. */
  manifestReads: number;
  /** Ranged GETs of bundles. */
  rangeReads: number;
}

export const emptyBulkReadStats = (): BulkReadStats => ({ singleReads: 0, manifestReads: 0, rangeReads: 0 });

export async function getArchivedRecords(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  archiveKeys: readonly string[],
  options: { now?: Date; stats?: BulkReadStats } = {},
): Promise<ArchivedRecordResult[]> {
  const now = options.now ?? new Date();
  const stats = options.stats ?? emptyBulkReadStats();
  const results: (ArchivedRecordResult | undefined)[] = new Array(archiveKeys.length);
  const single = new Set<number>();
  const byDay = new Map<string, { day: CalendarDay; names: Map<string, number[]> }>();
  archiveKeys.forEach((archiveKey, i) => {
    let dated: { day: CalendarDay; name: string };
    try {
      dated = validateArchiveKey(config, service, archiveKey);
    } catch (error) {
      // A seed-era name with "..", "//" or "/./": the single read takes it only if the bucket lists it.
      if (!(error instanceof UnsafeArchiveKeyError)) throw error;
      single.add(i);
      return;
    }
    const { day, name } = dated;
    // Legacy names are never sealed, and no day younger than two days is.
    if (name.includes("/") || !parseArchiveName(name, day) || !mayBeSealed(day, now)) {
      single.add(i);
      return;
    }
    const group = byDay.get(formatDay(day)) ?? { day, names: new Map<string, number[]>() };
    group.names.set(name, [...(group.names.get(name) ?? []), i]);
    byDay.set(formatDay(day), group);
  });

  const located: { i: number; archiveKey: string; location: BundleMemberLocation }[] = [];
  // Not in a manifest that was read: an object, unless a seal committed since (then the single read finds it).
  const objects: { i: number; day: CalendarDay; name: string }[] = [];
  await Promise.all(
    [...byDay.values()].map(async ({ day, names }) => {
      const rows = await sealedRowsOf(s3, config, service, day, [...names.keys()], stats);
      for (const [name, positions] of names) {
        const row = rows?.get(name);
        for (const i of positions) {
          if (row) located.push({ i, archiveKey: archiveKeys[i] as string, location: row });
          else if (rows) objects.push({ i, day, name });
          else single.add(i);
        }
      }
    }),
  );

  const sealed = await readSealedRecords(s3, config, service, located, stats);
  for (const { i } of located) {
    const read = sealed.get(i);
    if (read) results[i] = read;
    else single.add(i);
  }

  const limit = pLimit(SINGLE_READ_CONCURRENCY);
  await Promise.all(
    objects.map(({ i, day, name }) =>
      limit(async () => {
        stats.singleReads += 1;
        const direct = await readArchiveObject(s3, config, service, archiveKeys[i] as string, day, name);
        if (direct.ok || direct.error.kind !== "not-found") results[i] = direct;
        else single.add(i);
      }),
    ),
  );
  await Promise.all(
    [...single].map((i) =>
      limit(async () => {
        stats.singleReads += 1;
        results[i] = await getArchivedRecord(s3, config, service, archiveKeys[i] as string, now);
      }),
    ),
  );
  return results as ArchivedRecordResult[];
}

/**
 * The manifest rows of `names` on a sealed day (empty when the day has no manifest:
 * its records are objects); null when the manifest cannot be read.
 */
async function sealedRowsOf(s3: S3Client, config: LazarusConfig, service: ServiceConfig, day: CalendarDay, names: string[], stats: BulkReadStats): Promise<Map<string, BundleMemberLocation> | null> {
  try {
    stats.manifestReads += 1;
    const manifest = await readDayManifest(s3, config, service, day);
    if (!manifest) return new Map();
    const pages = new Set(names.map((name) => pageCovering(manifest, name)).filter((p) => p >= 0));
    const rows = new Map<string, BundleMemberLocation>();
    const wanted = new Set(names);
    await Promise.all(
      [...pages].map(async (index) => {
        stats.manifestReads += 1;
        for (const row of (await readManifestPage(s3, config, manifest, index)).rows as ManifestRow[]) {
          if (!wanted.has(row.name)) continue;
          const at = locateRow(manifest, row);
          rows.set(row.name, { key: at.bundleKey, offset: at.offset, length: at.length, size: at.size });
        }
      }),
    );
    return rows;
  } catch (error) {
    // Read one by one instead: each record then reports what a single read reports.
    if (error instanceof SealedFormatError) return null;
    throw error;
  }
}

interface Range {
  key: string;
  start: number;
  end: number;
  members: { i: number; archiveKey: string; location: BundleMemberLocation }[];
}

/** Members of one bundle, in offset order, grouped into ranges of at most MAX_RANGE_BYTES with gaps of at most MAX_RANGE_GAP_BYTES. */
export function coalesceRanges(members: readonly { i: number; archiveKey: string; location: BundleMemberLocation }[]): Range[] {
  const ranges: Range[] = [];
  const sorted = [...members].sort((a, b) => (a.location.key < b.location.key ? -1 : a.location.key > b.location.key ? 1 : a.location.offset - b.location.offset));
  let current: Range | undefined;
  for (const member of sorted) {
    const { key, offset, length } = member.location;
    const end = offset + length;
    if (current && current.key === key && offset - current.end <= MAX_RANGE_GAP_BYTES && Math.max(end, current.end) - current.start <= MAX_RANGE_BYTES) {
      current.end = Math.max(current.end, end);
      current.members.push(member);
      continue;
    }
    current = { key, start: offset, end, members: [member] };
    ranges.push(current);
  }
  return ranges;
}

/**
 * Sealed records read by their bundle locations, checked as a single read checks
 * them (the member decompresses to the size the manifest gives, parses, belongs to
 * the service and day, and its eventID is the one its name carries). A record missing
 * from the result could not be read this way: its caller reads it on its own.
 */
export async function readSealedRecords(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  members: readonly { i: number; archiveKey: string; location: BundleMemberLocation }[],
  stats: BulkReadStats = emptyBulkReadStats(),
): Promise<Map<number, ArchivedRecordResult & { ok: true }>> {
  const out = new Map<number, ArchivedRecordResult & { ok: true }>();
  const limit = pLimit(RANGE_CONCURRENCY);
  await Promise.all(
    coalesceRanges(members).map((range) =>
      limit(async () => {
        let body: Uint8Array;
        let storageClass: string;
        let lastModified: Date | undefined;
        try {
          stats.rangeReads += 1;
          const response = await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: range.key, Range: `bytes=${range.start}-${range.end - 1}` }));
          body = (await response.Body?.transformToByteArray()) ?? new Uint8Array();
          storageClass = response.StorageClass ?? "STANDARD";
          lastModified = response.LastModified;
        } catch {
          // Gone, in Glacier, refused: each record's own read says which.
          return;
        }
        if (body.byteLength !== range.end - range.start) return;
        for (const member of range.members) {
          const { offset, length, size } = member.location;
          const read = parseMember(config, service, member.archiveKey, body.subarray(offset - range.start, offset - range.start + length), size, lastModified);
          if (read) out.set(member.i, { ok: true, archiveKey: member.archiveKey, deletion: read, storageClass, size, sealed: { key: range.key, offset, length }, ...(lastModified ? { lastModified } : {}) });
        }
      }),
    ),
  );
  return out;
}

function parseMember(config: LazarusConfig, service: ServiceConfig, archiveKey: string, member: Uint8Array, size: number, lastModified: Date | undefined) {
  const { day, name } = validateArchiveKey(config, service, archiveKey);
  const named = parseArchiveName(name, day);
  if (!named) return null;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(readBundleMember(member, size));
  } catch {
    return null;
  }
  const parsed = readDeletion(text, service, day, name, lastModified);
  if (!parsed.ok || recordId(parsed.deletion.eventId) !== named.id) return null;
  return parsed.deletion;
}
