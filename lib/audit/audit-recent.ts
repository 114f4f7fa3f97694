import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { z } from "zod";
import { ArchiveInputError } from "../archive/archive-reader";
import { listPages } from "../archive/object-listing";
import type { LazarusConfig } from "../config/schema";
import type { AuditEntry } from "./audit-entry";
import { auditEntryMatches, type AuditFilter } from "./audit-filter";
import { listAuditDays, parseAuditRangeDay, readEntry } from "./audit-log";
import { auditDayPrefix, parseAuditEntryName } from "./audit-layout";
import { auditObjectPrefix } from "./audit-by-object";
import { validateDay } from "../archive/archive-reader";

/**
 * The audit log newest first, for the audit page. Entry names sort by time, so a
 * day's LIST (one per 1,000 entries) orders it without reading anything; then only
 * the entries shown are read (one GET each, in parallel). Unfiltered, the first
 * screen of a day of 2,000 entries costs 2 LISTs and `limit` GETs, not 2,000.
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
}

export interface RecentAuditPage {
  /** Newest first. */
  entries: AuditEntry[];
  nextCursor?: string;
  scanned: number;
  unreadable: { key: string; reason: string }[];
}

const READ_CONCURRENCY = 16;
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

  const to = start?.day ?? query.to;
  // One day needs no folder listing: an empty day's LIST finds nothing just as cheaply.
  const days = query.from === to ? [to] : (await listAuditDays(s3, config, { from: query.from, to })).reverse();
  for (const date of days) {
    const day = parseAuditRangeDay(date);
    const base = auditDayPrefix(config.archive.prefix, day);
    const objects: { key: string; name: string; size: number }[] = [];
    for await (const page of listPages(s3, { bucket: config.archive.bucket, prefix: base })) {
      for (const o of page.objects) objects.push({ key: o.key, name: o.key.slice(base.length), size: o.size });
    }
    objects.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    let i = start && date === start.day ? objects.findIndex((o) => o.name < start.before) : 0;
    if (i < 0) continue;
    while (i < objects.length) {
      const size = filter ? FILTERED_READ_CHUNK : limit - result.entries.length;
      const chunk = objects.slice(i, i + size);
      i += chunk.length;
      const outcomes = await Promise.all(chunk.map((o) => read(() => readEntry(s3, config.archive.bucket, day, o.key, o.name, o.size))));
      for (const [n, outcome] of outcomes.entries()) {
        const object = chunk[n]!;
        if (!outcome.ok) {
          if (outcome.reason) result.unreadable.push({ key: object.key, reason: outcome.reason });
          continue;
        }
        result.scanned += 1;
        if (!filter || auditEntryMatches(outcome.entry, filter)) result.entries.push(outcome.entry);
        const more = n < chunk.length - 1 || i < objects.length || date !== days.at(-1);
        if ((result.entries.length >= limit || result.scanned >= maxScanned) && more) {
          return { ...result, nextCursor: encodeCursor(date, object.name) };
        }
      }
    }
  }
  return result;
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
