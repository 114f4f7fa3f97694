import "server-only";
import { callerVerdict, countVerdict, dayCallsLister, deletedByForDay, deletedByLabel, type CallerCounts, type DeletedByCell } from "../attribution/day-attribution";
import type { PrincipalFilter } from "../attribution/principal-filter";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { ArchiveInputError, listDayRecords, parseDay, type DayEntry, type NamedKey } from "../archive/archive-reader";
import { keyValueText } from "../archive/attribute-value";
import { MAX_LIST_KEYS } from "../archive/object-listing";
import type { LazarusConfig } from "../config/schema";
import type { ServiceDays } from "./deletion-report";

/**
 * The records of a report, service by service, day by day, one LIST page at a time
 * (names only, no GETs). Only days the report counted are listed. Objects that do
 * not belong to the archive layout ("unknown") are left out, as the counts do.
 */

export interface ReportRecord {
  service: string;
  table: string;
  archiveKey: string;
  kind: "record" | "legacy";
  /** ISO time; for a legacy object only its folder's day is known (YYYY-MM-DD). */
  deletedAt: string;
  deletionType: "ttl" | "manual" | "unknown";
  /** Display text of the key; for a hashed name, "hashed:" and the name's encoding (the object holds the full key). */
  partitionKey: string;
  sortKey: string | null;
  hashedKey: boolean;
  /** Who deleted it (docs/ATTRIBUTION.md), when asked for: a caller's label, "DynamoDB TTL", or why none is known. */
  deletedBy?: string;
  /** The caller's label alone, when the join found one (what a caller filter matches). */
  callerLabel?: string;
}

function keyText(key: NamedKey | undefined): string | null {
  if (!key) return null;
  if (key.hashed) return `hashed:${key.encoded}`;
  return keyValueText(key.value);
}

export function toReportRecord(service: string, table: string, date: string, entry: DayEntry): ReportRecord | null {
  if (entry.kind === "unknown") return null;
  if (entry.kind === "legacy") {
    const stem = entry.name.replace(/\.json$/, "");
    return { service, table, archiveKey: entry.archiveKey, kind: "legacy", deletedAt: date, deletionType: "unknown", partitionKey: stem, sortKey: null, hashedKey: false };
  }
  return {
    service,
    table,
    archiveKey: entry.archiveKey,
    kind: "record",
    deletedAt: entry.deletedAt.toISOString(),
    deletionType: entry.deletionType,
    partitionKey: keyText(entry.partitionKey) ?? "",
    sortKey: keyText(entry.sortKey),
    hashedKey: entry.partitionKey.hashed || entry.sortKey?.hashed === true,
  };
}

// ---------------------------------------------------------------------------
// Positions

export interface RecordPosition {
  service: string;
  date: string;
  /** The day cursor inside that day; absent at the day's start. */
  dayCursor?: string;
}

const positionSchema = z.object({ v: z.literal(1), s: z.string().min(1).max(63), d: z.string().length(10), c: z.string().max(4096).optional() }).strict();

export function encodeRecordCursor(position: RecordPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, s: position.service, d: position.date, ...(position.dayCursor ? { c: position.dayCursor } : {}) }), "utf8").toString("base64url");
}

export function decodeRecordCursor(cursor: string): RecordPosition {
  const invalid = new ArchiveInputError("invalid cursor: not a cursor this report issued");
  if (cursor.length > 6000 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  let parsed;
  try {
    parsed = positionSchema.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw invalid;
  }
  if (!parsed.success) throw invalid;
  parseDay(parsed.data.d);
  return { service: parsed.data.s, date: parsed.data.d, ...(parsed.data.c ? { dayCursor: parsed.data.c } : {}) };
}

/** The (service, day) pairs still to list from a position, in report order. */
function remainingDays(scope: readonly ServiceDays[], from: RecordPosition | undefined): { scope: ServiceDays; date: string; dayCursor?: string }[] {
  const out: { scope: ServiceDays; date: string; dayCursor?: string }[] = [];
  let started = from === undefined;
  const serviceIndex = from ? scope.findIndex((s) => s.service.name === from.service) : 0;
  if (from && serviceIndex < 0) throw new ArchiveInputError(`invalid cursor: service "${from.service}" is not in this report`);
  for (const [i, s] of scope.entries()) {
    if (i < serviceIndex) continue;
    for (const d of s.days) {
      if (!started) {
        if (d.date < from!.date) continue;
        started = true;
        if (d.date === from!.date && from!.dayCursor) {
          out.push({ scope: s, date: d.date, dayCursor: from!.dayCursor });
          continue;
        }
      }
      out.push({ scope: s, date: d.date });
    }
    started = true;
  }
  return out;
}

export interface RecordPage {
  records: ReportRecord[];
  /** Who deleted each record, by archive key, when asked for (`withDeletedBy`). */
  deletedBy?: ReadonlyMap<string, DeletedByCell>;
  /** Where the next page starts; absent after the report's last record. */
  next?: RecordPosition;
}

/**
 * Pages of at most `pageSize` listed names (≤ 1,000), each one LIST. A page may hold
 * fewer records than names (unknown objects are skipped) and never crosses a day.
 */
export async function* reportRecordPages(
  s3: S3Client,
  config: LazarusConfig,
  scope: readonly ServiceDays[],
  options: { from?: RecordPosition; pageSize?: number; withDeletedBy?: boolean } = {},
): AsyncGenerator<RecordPage> {
  const pageSize = Math.min(options.pageSize ?? MAX_LIST_KEYS, MAX_LIST_KEYS);
  const days = remainingDays(scope, options.from);
  // Each service-day's calls are listed once for all its pages (and for a neighbouring day's deletions near midnight).
  const calls = dayCallsLister(s3, config);
  for (const [i, { scope: s, date, dayCursor }] of days.entries()) {
    let cursor = dayCursor;
    do {
      const day = parseDay(date);
      const page = await listDayRecords(s3, config, s.service, day, { ...(cursor ? { cursor } : {}), limit: pageSize });
      let cells: Map<string, DeletedByCell> | undefined;
      if (options.withDeletedBy) cells = await deletedByForDay(s3, config, s.service, day, page.entries, new Date(), calls);
      const records = page.entries.flatMap((e) => {
        const record = toReportRecord(s.service.name, s.service.table.name, date, e);
        if (!record) return [];
        if (!cells) return [record];
        const cell = cells.get(e.archiveKey);
        return [{ ...record, deletedBy: deletedByLabel(cell), ...(cell?.state === "found" ? { callerLabel: cell.label } : {}) }];
      });
      cursor = page.nextCursor;
      const following = days[i + 1];
      const next: RecordPosition | undefined = cursor
        ? { service: s.service.name, date, dayCursor: cursor }
        : following
          ? { service: following.scope.service.name, date: following.date }
          : undefined;
      yield { records, ...(cells ? { deletedBy: cells } : {}), ...(next ? { next } : {}) };
    } while (cursor);
  }
}

/** With a caller filter, a screen stops after listing this many names even if it has fewer matches, and offers to go on. */
export const MAX_FILTERED_SCAN = 5000;

/**
 * One screen of the record list: at least `limit` records unless the report ends first,
 * each with who deleted it (one LIST of the day's attribution folder per 1,000 calls per
 * service-day shown). With a caller filter, only that caller's records, reading at most
 * MAX_FILTERED_SCAN names per screen (`scanned` says how many were read, `callerFilter`
 * how many matched and how many could not be judged yet), as the day table counts.
 */
export async function reportRecordsScreen(
  s3: S3Client,
  config: LazarusConfig,
  scope: readonly ServiceDays[],
  options: { cursor?: string; limit: number; principal?: PrincipalFilter },
): Promise<{ records: ReportRecord[]; nextCursor?: string; scanned: number; callerFilter?: CallerCounts }> {
  const from = options.cursor ? decodeRecordCursor(options.cursor) : undefined;
  const records: ReportRecord[] = [];
  let next: RecordPosition | undefined;
  let scanned = 0;
  const counts: CallerCounts = { examined: 0, matched: 0, notYetKnown: 0, noCaller: 0 };
  const pageSize = options.principal ? MAX_LIST_KEYS : Math.min(options.limit, MAX_LIST_KEYS);
  for await (const page of reportRecordPages(s3, config, scope, { ...(from ? { from } : {}), pageSize, withDeletedBy: true })) {
    scanned += page.records.length;
    const principal = options.principal;
    if (principal) {
      for (const record of page.records) {
        const verdict = record.deletionType === "unknown" ? "other" : callerVerdict(page.deletedBy?.get(record.archiveKey), record.deletionType, principal);
        countVerdict(counts, verdict);
        if (verdict === "matched") records.push(record);
      }
    } else records.push(...page.records);
    next = page.next;
    if (records.length >= options.limit || scanned >= MAX_FILTERED_SCAN) break;
  }
  return { records, ...(next ? { nextCursor: encodeRecordCursor(next) } : {}), scanned, ...(options.principal ? { callerFilter: counts } : {}) };
}
