import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { z } from "zod";
import { ArchiveInputError } from "../archive/archive-reader";
import { listPage, listPages, MAX_LIST_KEYS } from "../archive/object-listing";
import type { LazarusConfig } from "../config/schema";
import type { AuditEntry } from "./audit-entry";
import { auditEntryMatches, type AuditFilter } from "./audit-filter";
import { listAuditDays, parseAuditRangeDay, readEntry } from "./audit-log";
import { auditDayPrefix, compactTime, parseAuditEntryName } from "./audit-layout";
import { auditObjectPrefix } from "./audit-by-object";
import { isRollupWindowClosed, readAuditRollup, rollUpAuditWindows, rollupWindowOf, type RolledUpEntry } from "./audit-rollup";
import { validateDay, type CalendarDay } from "../archive/archive-reader";

/**
 * The audit log newest first, for the audit page. Entry names sort by time, so the
 * day's newest entries are found by listing only its last hour (S3 lists in
 * ascending order from a StartAfter name), then earlier windows, each larger, only
 * while more entries are needed. Then only the entries shown are read: from the rollup
 * of their closed quarter hour (audit-rollup.ts: one GET for a quarter hour's entries)
 * when it holds them as listed, else one GET each, in parallel. Unfiltered, the first
 * screen of a busy past day costs one LIST of the last hour's names and a GET per
 * quarter hour shown, not a listing of the whole day and a GET per entry.
 * A filter needs the entries' contents, so it reads newest first until `limit`
 * match or `maxScanned` were read, and hands back a cursor.
 */

export interface RecentAuditQuery {
  from: string;
  to: string;
  filter?: AuditFilter;
  cursor?: string;
  /** Matching entries to return (default 100, at most 1,000). */
  limit?: number;
  /** Entries to read before answering with what matched so far and a cursor (default 2,000). */
  maxScanned?: number;
  /**
   * Rollups of closed quarter hours: read them (default) and write the missing ones of the
   * windows this query read, after answering ("background") or before ("wait").
   */
  rollups?: { read?: boolean; write?: "background" | "wait" };
}

export interface RecentAuditPage {
  /** Newest first. */
  entries: AuditEntry[];
  nextCursor?: string;
  scanned: number;
  unreadable: { key: string; reason: string }[];
}

/** GETs in flight: a first screen's reads go out together (measured in bench/audit-log.ts). */
const READ_CONCURRENCY = 32;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Entries read per round when filtering: enough to keep the reads parallel, few enough not to read far past the page. */
const FILTERED_READ_CHUNK = 100;
const MAX_CURSOR_LENGTH = 4096;

const cursorSchema = z.object({ v: z.literal(1), log: z.literal("audit-recent"), d: z.string().length(10), before: z.string().min(1).max(1024) }).strict();

function encodeCursor(day: string, before: string): string {
  return Buffer.from(JSON.stringify({ v: 1, log: "audit-recent", d: day, before }), "utf8").toString("base64url");
}

function decodeCursor(cursor: string): { day: string; before: string } {
  const invalid = new ArchiveInputError("invalid cursor: not a cursor the audit log issued");
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  let parsed;
  try {
    parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw invalid;
  }
  if (!parsed.success) throw invalid;
  parseAuditRangeDay(parsed.data.d);
  return { day: parsed.data.d, before: parsed.data.before };
}

export async function queryRecentAuditEntries(s3: S3Client, config: LazarusConfig, query: RecentAuditQuery): Promise<RecentAuditPage> {
  const limit = query.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ArchiveInputError(`invalid limit ${limit}: must be an integer from 1 to 1000`);
  const maxScanned = query.maxScanned ?? 2000;
  const start = query.cursor ? decodeCursor(query.cursor) : undefined;
  if (start && (start.day < query.from || start.day > query.to)) throw new ArchiveInputError(`invalid cursor: ${start.day} is outside ${query.from} to ${query.to}`);
  const filter = query.filter && Object.keys(query.filter).length > 0 ? query.filter : undefined;
  const result: RecentAuditPage = { entries: [], scanned: 0, unreadable: [] };
  const read = pLimit(READ_CONCURRENCY);
  const readRollups = query.rollups?.read ?? true;
  const rollups = new Map<number, Promise<Map<string, RolledUpEntry> | null>>();
  const unrolled = new Set<number>();
  const now = Date.now();
  /** An entry from its window's rollup when the rollup holds it exactly as listed, else by its own GET. */
  const readListed = async (day: CalendarDay, o: NamedObject) => {
    const at = parseAuditEntryName(o.name)?.at.getTime();
    const window = at === undefined ? undefined : rollupWindowOf(at);
    if (window !== undefined && readRollups && isRollupWindowClosed(window, now)) {
      if (!rollups.has(window)) rollups.set(window, readAuditRollup(s3, config, window));
      const rollup = await rollups.get(window)!;
      const copy = rollup?.get(o.name);
      if (copy && copy.size === o.size && o.etag !== undefined && copy.etag === o.etag) return { ok: true as const, entry: copy.entry };
      if (!rollup) unrolled.add(window);
    }
    return read(() => readEntry(s3, config.archive.bucket, day, o.key, o.name, o.size));
  };
  const finish = async (page: RecentAuditPage): Promise<RecentAuditPage> => {
    const write = query.rollups?.write;
    if (write && unrolled.size > 0) {
      const writing = rollUpAuditWindows(s3, config, unrolled);
      if (write === "wait") await writing;
    }
    return page;
  };

  const to = start?.day ?? query.to;
  // One day needs no folder listing: an empty day's LIST finds nothing just as cheaply.
  const days = query.from === to ? [to] : (await listAuditDays(s3, config, { from: query.from, to })).reverse();
  for (const date of days) {
    const day = parseAuditRangeDay(date);
    const base = auditDayPrefix(config.archive.prefix, day);
    const before = start && date === start.day ? start.before : undefined;
    const batches = listDayNewestFirst(s3, config.archive.bucket, base, date, before);
    for (let batch = await batches.next(); !batch.done; batch = await batches.next()) {
      const objects = batch.value;
      let i = 0;
      while (i < objects.length) {
        const size = filter ? FILTERED_READ_CHUNK : limit - result.entries.length;
        const chunk = objects.slice(i, i + size);
        i += chunk.length;
        const outcomes = await Promise.all(chunk.map((o) => readListed(day, o)));
        for (const [n, outcome] of outcomes.entries()) {
          const object = chunk[n]!;
          if (!outcome.ok) {
            if (outcome.reason) result.unreadable.push({ key: object.key, reason: outcome.reason });
            continue;
          }
          result.scanned += 1;
          if (!filter || auditEntryMatches(outcome.entry, filter)) result.entries.push(outcome.entry);
          if (result.entries.length >= limit || result.scanned >= maxScanned) {
            // Only when the page ends exactly at a window's oldest name does it list further to know.
            const more = n < chunk.length - 1 || i < objects.length || date !== days.at(-1) || !(await batches.next()).done;
            return finish(more ? { ...result, nextCursor: encodeCursor(date, object.name) } : result);
          }
        }
      }
    }
  }
  return finish(result);
}

type NamedObject = { key: string; name: string; size: number; etag?: string };

/**
 * A day's entry objects newest first, in batches: names at or after a window's start
 * (StartAfter) and before the previous window's, the first window one hour back from
 * the day's end (or from now on the current day), each next one grown by what the
 * last one held so that a quiet day needs few LISTs and a busy one lists little more
 * than it shows. Names after `before` (a cursor) are left out.
 */
async function* listDayNewestFirst(s3: S3Client, bucket: string, base: string, date: string, before?: string): AsyncGenerator<NamedObject[]> {
  const dayStart = Date.parse(`${date}T00:00:00Z`);
  const dayEnd = dayStart + DAY_MS;
  const first = Math.min(before ? (parseAuditEntryName(before)?.at.getTime() ?? dayEnd) : dayEnd, Math.max(dayStart, Date.now()));
  let upper = before;
  // A cursor's own name was shown already; a window's start name was left out by StartAfter.
  let upperShown = true;
  let end = first;
  let windowMs = HOUR_MS;
  let listed = 0;
  for (;;) {
    const from = Math.max(dayStart, end - windowMs);
    const startAfter = from > dayStart ? `${base}${compactTime(new Date(from))}` : undefined;
    // Names at or past `upper` were listed already (or lie past the cursor): ask for about
    // as many names as this window should hold, going by the windows listed so far.
    const expected = Math.ceil((listed * windowMs) / Math.max(first - end, HOUR_MS));
    const maxKeys = listed === 0 ? MAX_LIST_KEYS : Math.min(MAX_LIST_KEYS, Math.max(100, expected * 2));
    const found: NamedObject[] = [];
    let token: string | undefined;
    do {
      const page = await listPage(s3, { bucket, prefix: base, maxKeys, ...(token ? { continuationToken: token } : startAfter ? { startAfter } : {}) });
      token = page.isTruncated ? page.nextContinuationToken : undefined;
      for (const o of page.objects) {
        const name = o.key.slice(base.length);
        if (upper !== undefined && (name > upper || (upperShown && name === upper))) {
          token = undefined;
          break;
        }
        found.push({ key: o.key, name, size: o.size, ...(o.etag ? { etag: o.etag } : {}) });
      }
    } while (token);
    listed += found.length;
    if (found.length > 0) yield found.reverse();
    if (!startAfter) return;
    upper = startAfter.slice(base.length);
    upperShown = false;
    end = from;
    windowMs *= found.length > 0 ? 2 : 4;
  }
}

/** The newest `limit` entries that name `archiveKey`, oldest first: one LIST per 1,000 markers, one GET per entry. */
export async function auditEntriesOfObject(s3: S3Client, config: LazarusConfig, archiveKey: string, limit = 50): Promise<AuditEntry[]> {
  const base = auditObjectPrefix(config.archive.prefix, archiveKey);
  const names: { at: Date; name: string }[] = [];
  for await (const page of listPages(s3, { bucket: config.archive.bucket, prefix: base })) {
    for (const o of page.objects) {
      const name = o.key.slice(base.length);
      const parsed = parseAuditEntryName(name);
      if (parsed) names.push({ at: parsed.at, name });
    }
  }
  const newest = names.sort((a, b) => a.at.getTime() - b.at.getTime()).slice(-limit);
  const read = pLimit(8);
  const outcomes = await Promise.all(
    newest.map(({ at, name }) =>
      read(() => {
        const day = validateDay({ year: at.getUTCFullYear(), month: at.getUTCMonth() + 1, day: at.getUTCDate() });
        const prefix = auditDayPrefix(config.archive.prefix, day);
        return readEntry(s3, config.archive.bucket, day, `${prefix}${name}`, name, 0);
      }),
    ),
  );
  // An entry must name this object itself: a marker cannot make another entry appear here.
  return outcomes.flatMap((o) => (o.ok && o.entry.archiveKey === archiveKey ? [o.entry] : []));
}
