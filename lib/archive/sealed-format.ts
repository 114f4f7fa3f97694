import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { z } from "zod";
import { formatDay, type CalendarDay, type CalendarMonth } from "./archive-input";
import { ARCHIVE_SUFFIX, INDEX_SEGMENT, monthPrefix, parseArchiveName } from "./layout";

/**
 * The sealed layout of a closed day: gzip bundles holding the day's archive objects,
 * a paged day manifest that says where each record is, and a per-month summary of
 * sealed days' counts. See docs/ARCHIVE-FORMAT.md ("Sealed days").
 *
 *   {month}/_sealed/summary.json                         month summary
 *   {month}/_sealed/{dd}/_manifest.json                  day manifest (the commit point)
 *   {month}/_sealed/{dd}/_rows-{gen}-{page}.json         manifest pages, 1,000 rows each
 *   {month}/_sealed/{dd}/part-{gen}-{run}-{n}.jsonl.gz   bundles
 *   {service}/_by-key/{pk}/{yyyy}/{mm}/{dd}/{stem}.bundled.json   index entry of a sealed record
 *
 * `_sealed` sorts after every day folder ("01/".."31/"), so a listing of the month's
 * per-record objects stops before it. Athena skips files whose names start with "_",
 * so a bundle folder read as a table shows the bundles only.
 */
export const SEALED_SEGMENT = "_sealed";
export const SEALED_SCHEMA_VERSION = 1;
/**
 * Rows per manifest page: a day page of 100 rows is one GET of the page that covers it,
 * and a report or export reads 1,000 rows per GET, as it lists 1,000 names per LIST on an open day.
 */
export const MANIFEST_PAGE_ROWS = 1000;
/**
 * A page stays below S3's 128 KB lifecycle floor (the default of
 * archive.lifecycle.minimumObjectSizeBytes), so the rule that tiers bundles never
 * moves a page to a storage class that cannot be read directly. Long keys make pages
 * of fewer rows.
 */
export const MAX_PAGE_BYTES = 96 * 1024;
/** Keeps one part's bytes comfortably in memory while it is built and verified. */
export const MAX_PART_RECORDS = 10_000;
const BUNDLED_SUFFIX = ".bundled.json";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

export function sealedMonthPrefix(prefix: string, service: string, month: CalendarMonth): string {
  return `${monthPrefix(prefix, service, month)}${SEALED_SEGMENT}/`;
}

export function sealedDayPrefix(prefix: string, service: string, day: CalendarDay): string {
  return `${sealedMonthPrefix(prefix, service, day)}${pad(day.day)}/`;
}

export function monthSummaryKey(prefix: string, service: string, month: CalendarMonth): string {
  return `${sealedMonthPrefix(prefix, service, month)}summary.json`;
}

export function dayManifestKey(prefix: string, service: string, day: CalendarDay): string {
  return `${sealedDayPrefix(prefix, service, day)}_manifest.json`;
}

export function manifestPageKey(dayPrefix: string, generation: number, page: number): string {
  return `${dayPrefix}_rows-${pad(generation, 6)}-${pad(page, 6)}.json`;
}

/** `run` is random per sealing run, so a crashed run's parts never share a name with a later run's. */
export function bundlePartKey(dayPrefix: string, generation: number, run: string, part: number): string {
  return `${dayPrefix}part-${pad(generation, 6)}-${run}-${pad(part, 4)}.jsonl.gz`;
}

/** Checks that a bundle key belongs to this service's sealed tree for the given day. */
export function isBundleKeyOfDay(prefix: string, service: string, day: CalendarDay, key: string): boolean {
  const base = sealedDayPrefix(prefix, service, day);
  return key.startsWith(base) && /^part-\d{6}-[0-9a-f]{8}-\d{4}\.jsonl\.gz$/.test(key.slice(base.length));
}

/** The index entry name of a sealed record: the archive name with `.bundled` before `.json`. */
export function bundledEntryName(archiveName: string): string {
  if (!archiveName.endsWith(ARCHIVE_SUFFIX)) throw new Error("not an archive object name");
  return `${archiveName.slice(0, -ARCHIVE_SUFFIX.length)}${BUNDLED_SUFFIX}`;
}

/** The archive name a sealed record's index entry stands for; undefined for other names. */
export function archiveNameOfBundledEntry(entryName: string): string | undefined {
  return entryName.endsWith(BUNDLED_SUFFIX) ? `${entryName.slice(0, -BUNDLED_SUFFIX.length)}${ARCHIVE_SUFFIX}` : undefined;
}

export function bundledIndexEntryKey(prefix: string, service: string, encodedPartitionKey: string, day: CalendarDay, archiveName: string): string {
  return `${prefix}${service}/${INDEX_SEGMENT}/${encodedPartitionKey}/${pad(day.year, 4)}/${pad(day.month)}/${pad(day.day)}/${bundledEntryName(archiveName)}`;
}

// ---------------------------------------------------------------------------
// Bundles

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Where one record sits in a bundle: a ranged GET of [offset, offset + length) is one gzip member. */
export interface BundleRow {
  name: string;
  offset: number;
  length: number;
  /** The archive object's size in bytes. */
  size: number;
}

export interface BuiltBundle {
  body: Buffer;
  rows: BundleRow[];
  sha256: string;
}

// A newline in a member of its own keeps each record's member its exact bytes and
// still makes the whole bundle, decompressed, one JSON object per line.
const NEWLINE_MEMBER = gzipSync(Buffer.from("\n"));

/** One gzip member per record (its exact bytes), each followed by a newline member. */
export function buildBundle(records: readonly { name: string; bytes: Uint8Array }[]): BuiltBundle {
  const chunks: Buffer[] = [];
  const rows: BundleRow[] = [];
  let offset = 0;
  for (const record of records) {
    const member = gzipSync(record.bytes);
    rows.push({ name: record.name, offset, length: member.byteLength, size: record.bytes.byteLength });
    chunks.push(member, NEWLINE_MEMBER);
    offset += member.byteLength + NEWLINE_MEMBER.byteLength;
  }
  const body = Buffer.concat(chunks);
  return { body, rows, sha256: sha256Hex(body) };
}

export class SealedFormatError extends Error {
  override name = "SealedFormatError";
}

/** Decompresses the bytes of one ranged GET: exactly one member, so exactly one record. */
export function readBundleMember(member: Uint8Array, expectedSize?: number): Buffer {
  let bytes: Buffer;
  try {
    bytes = gunzipSync(member);
  } catch (e) {
    throw new SealedFormatError(`the bundle range is not a gzip member: ${(e as Error).message}`);
  }
  if (expectedSize !== undefined && bytes.byteLength !== expectedSize) {
    throw new SealedFormatError(`the bundle member holds ${bytes.byteLength} bytes, the manifest says ${expectedSize}`);
  }
  return bytes;
}

/**
 * A gzip member of exactly `length` bytes that decompresses to nothing: the header's
 * comment field (FCOMMENT, spaces) takes up the room. Erasure overwrites a record's
 * member and the newline member after it with one of these, so every other record of
 * the part keeps its offset (its index entry and manifest row stay right) and the part,
 * decompressed whole, has no line for the erased record.
 */
export function emptyMember(length: number): Buffer {
  const overhead = 10 + 1 + 2 + 8;
  if (length < overhead) throw new SealedFormatError(`an empty gzip member needs at least ${overhead} bytes, not ${length}`);
  const member = Buffer.alloc(length, 0x20);
  member.set([0x1f, 0x8b, 8, 0x10, 0, 0, 0, 0, 0, 0xff], 0);
  member[length - 11] = 0;
  member.set([0x03, 0x00], length - 10);
  member.fill(0, length - 8);
  return member;
}

/**
 * The part's bytes with the given records' members blanked (see emptyMember): each
 * record's member, and the newline member after it when it is there, becomes one
 * empty member of the same total length.
 */
export function blankMembers(body: Uint8Array, rows: readonly Pick<BundleRow, "offset" | "length">[]): Buffer {
  const out = Buffer.from(body);
  for (const row of rows) {
    memberOf(body, row);
    // Blanked by an earlier, interrupted erasure: its span may be longer than the row.
    if (isEmptyMemberAt(out, row.offset)) continue;
    const end = row.offset + row.length;
    const followedByNewline = end + NEWLINE_MEMBER.byteLength <= body.byteLength && NEWLINE_MEMBER.equals(out.subarray(end, end + NEWLINE_MEMBER.byteLength));
    out.set(emptyMember(row.length + (followedByNewline ? NEWLINE_MEMBER.byteLength : 0)), row.offset);
  }
  return out;
}

/** Whether an empty member (see emptyMember) starts at `offset`: records' members never carry a comment. */
export function isEmptyMemberAt(body: Uint8Array, offset: number): boolean {
  return body[offset] === 0x1f && body[offset + 1] === 0x8b && body[offset + 3] === 0x10;
}

/** The records a whole part holds, counted by decompressing it: one line per record. */
export function countBundleLines(body: Uint8Array): number {
  let text: string;
  try {
    text = gunzipSync(body).toString("utf8");
  } catch (e) {
    throw new SealedFormatError(`the bundle does not decompress: ${(e as Error).message}`);
  }
  return text.length === 0 ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/** The member of `row` inside a whole bundle body (used to verify a bundle read back). */
export function memberOf(body: Uint8Array, row: Pick<BundleRow, "offset" | "length">): Uint8Array {
  if (row.offset < 0 || row.offset + row.length > body.byteLength) throw new SealedFormatError("the manifest points past the end of the bundle");
  return body.subarray(row.offset, row.offset + row.length);
}

// ---------------------------------------------------------------------------
// Day manifest and its pages

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);
const countSchema = z.number().int().min(0);

export const manifestRowSchema = z
  .object({
    name: z.string().min(1).max(1024),
    /** Index into the manifest's `parts`. */
    part: countSchema,
    offset: countSchema,
    length: z.number().int().min(1),
    size: countSchema,
  })
  .strict();
export type ManifestRow = z.infer<typeof manifestRowSchema>;

export const manifestPageSchema = z
  .object({
    schemaVersion: z.literal(SEALED_SCHEMA_VERSION),
    generation: countSchema,
    rows: z.array(manifestRowSchema).max(MANIFEST_PAGE_ROWS),
  })
  .strict();
export type ManifestPage = z.infer<typeof manifestPageSchema>;

export const typeCountsSchema = z.object({ ttl: countSchema, manual: countSchema }).strict();

export const dayManifestSchema = z
  .object({
    schemaVersion: z.literal(SEALED_SCHEMA_VERSION),
    service: z.string().min(1),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    /** Grows by one with each seal or rewrite of the day; pages carry it in their names. */
    generation: countSchema,
    sealedAt: z.iso.datetime(),
    records: countSchema,
    byType: typeCountsSchema,
    byHour: z.array(countSchema).length(24),
    parts: z.array(z.object({ key: z.string().min(1), sha256: sha256Schema, bytes: countSchema, records: countSchema }).strict()),
    /** In name order; `first` and `last` let a reader find the page holding a name with one GET. */
    pages: z.array(z.object({ key: z.string().min(1), first: z.string(), last: z.string(), records: z.number().int().min(1) }).strict()),
  })
  .strict();
export type DayManifest = z.infer<typeof dayManifestSchema>;

/** A sealed record as the manifest describes it, with the part resolved to its key. */
export interface SealedRecordLocation {
  name: string;
  bundleKey: string;
  offset: number;
  length: number;
  size: number;
}

/**
 * Builds a day's manifest and pages from its rows (any order; a name must appear once).
 * Counts come from the names, which carry the deletion time and type.
 */
export function buildDayManifest(input: {
  service: string;
  day: CalendarDay;
  dayPrefix: string;
  generation: number;
  sealedAt: Date;
  parts: DayManifest["parts"];
  rows: readonly ManifestRow[];
  pageRows?: number;
}): { manifest: DayManifest; pages: { key: string; page: ManifestPage }[] } {
  const pageRows = Math.min(input.pageRows ?? MANIFEST_PAGE_ROWS, MANIFEST_PAGE_ROWS);
  const rows = [...input.rows].sort((a, b) => compareNames(a.name, b.name));
  const byType = { ttl: 0, manual: 0 };
  const byHour = Array.from({ length: 24 }, () => 0);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as ManifestRow;
    if (i > 0 && (rows[i - 1] as ManifestRow).name === row.name) throw new SealedFormatError(`record ${row.name} appears twice in one manifest`);
    if (row.part >= input.parts.length) throw new SealedFormatError(`record ${row.name} points at part ${row.part}, which does not exist`);
    const parsed = parseArchiveName(row.name, input.day);
    if (!parsed) throw new SealedFormatError(`${row.name} is not an archive name`);
    byType[parsed.deletionType] += 1;
    byHour[parsed.deletedAt.getUTCHours()] = (byHour[parsed.deletedAt.getUTCHours()] ?? 0) + 1;
  }
  const pages: { key: string; page: ManifestPage }[] = [];
  let current: ManifestRow[] = [];
  let bytes = 0;
  const flush = () => {
    if (current.length === 0) return;
    pages.push({
      key: manifestPageKey(input.dayPrefix, input.generation, pages.length),
      page: { schemaVersion: SEALED_SCHEMA_VERSION, generation: input.generation, rows: current },
    });
    current = [];
    bytes = 0;
  };
  for (const row of rows) {
    const size = Buffer.byteLength(JSON.stringify(row), "utf8") + 1;
    if (current.length >= pageRows || bytes + size > MAX_PAGE_BYTES) flush();
    current.push(row);
    bytes += size;
  }
  flush();
  const manifest: DayManifest = {
    schemaVersion: SEALED_SCHEMA_VERSION,
    service: input.service,
    date: formatDay(input.day),
    generation: input.generation,
    sealedAt: input.sealedAt.toISOString(),
    records: rows.length,
    byType,
    byHour,
    parts: input.parts,
    pages: pages.map(({ key, page }) => ({
      key,
      first: (page.rows[0] as ManifestRow).name,
      last: (page.rows.at(-1) as ManifestRow).name,
      records: page.rows.length,
    })),
  };
  return { manifest, pages };
}

/** S3 lists keys in UTF-8 byte order; names are ASCII, so code-unit order is the same. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The index of the page whose name range covers `name` (the only page that can hold it), else -1. */
export function pageCovering(manifest: DayManifest, name: string): number {
  let lo = 0;
  let hi = manifest.pages.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const page = manifest.pages[mid] as DayManifest["pages"][number];
    if (compareNames(name, page.first) < 0) hi = mid - 1;
    else if (compareNames(name, page.last) > 0) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** The index of the first page with a name after `after` (pages.length when none). */
export function firstPageAfter(manifest: DayManifest, after: string | undefined): number {
  if (after === undefined) return 0;
  let lo = 0;
  let hi = manifest.pages.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareNames((manifest.pages[mid] as DayManifest["pages"][number]).last, after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function locateRow(manifest: DayManifest, row: ManifestRow): SealedRecordLocation {
  const part = manifest.parts[row.part];
  if (!part) throw new SealedFormatError(`record ${row.name} points at part ${row.part}, which the manifest does not list`);
  return { name: row.name, bundleKey: part.key, offset: row.offset, length: row.length, size: row.size };
}

// ---------------------------------------------------------------------------
// Month summary

export const sealedDaySchema = z
  .object({
    records: countSchema,
    ttl: countSchema,
    manual: countSchema,
    generation: countSchema,
    sealedAt: z.iso.datetime(),
  })
  .strict();
export type SealedDayCounts = z.infer<typeof sealedDaySchema>;

/** The sealed days of one service-month, so the overview and calendar read one object, not the day folders. */
export const monthSummarySchema = z
  .object({
    schemaVersion: z.literal(SEALED_SCHEMA_VERSION),
    service: z.string().min(1),
    month: z.string().regex(/^\d{4}-\d{2}$/),
    /** Keyed by day of month, "01".."31". */
    days: z.record(z.string().regex(/^\d{2}$/), sealedDaySchema),
  })
  .strict();
export type MonthSummaryDocument = z.infer<typeof monthSummarySchema>;

export function emptyMonthSummary(service: string, month: CalendarMonth): MonthSummaryDocument {
  return { schemaVersion: SEALED_SCHEMA_VERSION, service, month: `${pad(month.year, 4)}-${pad(month.month)}`, days: {} };
}

export function sealedDayCounts(manifest: DayManifest): SealedDayCounts {
  return { records: manifest.records, ttl: manifest.byType.ttl, manual: manifest.byType.manual, generation: manifest.generation, sealedAt: manifest.sealedAt };
}

export function dayOfMonthKey(day: CalendarDay): string {
  return pad(day.day);
}

/** Parses a sealed-layout document; the error names the object and the fields, never values. */
export function parseSealedDocument<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SealedFormatError(`${what} is not valid JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new SealedFormatError(`${what} is invalid: ${parsed.error.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}
