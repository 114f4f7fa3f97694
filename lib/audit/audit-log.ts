import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { z } from "zod";
import { ArchiveInputError, formatDay, validateDay, type CalendarDay } from "../archive/archive-reader";
import { listFolders, listPage, MAX_LIST_KEYS } from "../archive/object-listing";
import type { AuditConfig, LazarusConfig } from "../config/schema";
import { auditEntrySchema, type AuditEntry } from "./audit-entry";
import { auditDayPrefix, auditEntryKey, auditEntryName, auditPrefix, parseAuditEntryName } from "./audit-layout";
import { auditEntryMatches, type AuditFilter } from "./audit-filter";
import { isMissingObject } from "../aws/aws-errors";
import { indexAuditEntry } from "./audit-by-object";

export { AUDIT_ACTIONS, AUDIT_OUTCOMES, auditEntrySchema, type AuditAction, type AuditEntry, type AuditOutcome } from "./audit-entry";
export { AUDIT_SEGMENT } from "./audit-layout";

/**
 * The append-only audit log in S3: one object per entry, written with
 * If-None-Match: * and never overwritten or deleted by the console (its IAM policy
 * grants s3:PutObject on the log, nothing else that writes). With `audit.objectLock`
 * each entry also carries its own Object Lock retention, so S3 refuses to delete it.
 */

export type NewAuditEntry = Omit<AuditEntry, "schemaVersion" | "id" | "at">;

let lastAt = 0;

/**
 * Entries of one process never share a millisecond, so a "started" entry always
 * lists before the outcome written after it, even on a fast local endpoint.
 */
function monotonicNow(): Date {
  lastAt = Math.max(Date.now(), lastAt + 1);
  return new Date(lastAt);
}

const DAY_MS = 86_400_000;
type AuditLockMode = NonNullable<AuditConfig["objectLock"]>["mode"];

/**
 * The Object Lock retention an entry written at `at` carries (config `audit.objectLock`),
 * counted from the entry's own time so its name and its lock tell one story.
 */
export function auditEntryRetention(config: LazarusConfig, at: Date): { mode: AuditLockMode; retainUntil: Date } | undefined {
  const lock = config.audit.objectLock;
  return lock ? { mode: lock.mode, retainUntil: new Date(at.getTime() + lock.retentionDays * DAY_MS) } : undefined;
}

export async function appendAuditEntry(s3: S3Client, config: LazarusConfig, entry: NewAuditEntry, now?: Date): Promise<AuditEntry> {
  const at = now ?? monotonicNow();
  const full = auditEntrySchema.parse({ ...entry, schemaVersion: 1, id: randomUUID(), at: at.toISOString() });
  const key = auditEntryKey(config.archive.prefix, at, full.id);
  const body = JSON.stringify(full);
  const retention = auditEntryRetention(config, at);
  // AWS errors pass through unchanged: the one error mapping turns them into messages. A
  // bucket without Object Lock refuses a locked entry (InvalidRequest) like any other
  // failed write, so an entry meant to be locked is never written unlocked.
  await s3.send(
    new PutObjectCommand({
      Bucket: config.archive.bucket,
      Key: key,
      Body: body,
      ContentType: "application/json",
      IfNoneMatch: "*",
      // S3 refuses a PutObject with Object Lock parameters without Content-MD5 or a flexible
      // checksum, and the client adds the latter only for AWS itself (lib/aws/clients.ts).
      // Sent on every entry, locked or not: one way to write, and S3 checks the bytes.
      ContentMD5: createHash("md5").update(body, "utf8").digest("base64"),
      ...(retention ? { ObjectLockMode: retention.mode, ObjectLockRetainUntilDate: retention.retainUntil } : {}),
    }),
  );
  // The entry is written and is the record; a lost marker only hides it from the record page's history.
  await indexAuditEntry(s3, config, full, retention).catch((error: unknown) => {
    console.warn(`audit entry ${full.id}: the by-object marker was not written (${error instanceof Error ? error.name : "error"})`);
  });
  return full;
}

export interface AuditPage {
  /** In time order. */
  entries: AuditEntry[];
  nextCursor?: string;
  /** Objects in the day's folder that are not valid entries; the rest of the page is still complete. */
  unreadable: { key: string; reason: string }[];
}

export const DEFAULT_AUDIT_PAGE_SIZE = 100;
const MAX_ENTRY_BYTES = 64 * 1024;
const MAX_CURSOR_LENGTH = 4096;
const READ_CONCURRENCY = 8;

const cursorSchema = z
  .object({ v: z.literal(1), log: z.literal("audit"), day: z.string(), after: z.string().min(1).max(1024) })
  .strict();

export function encodeAuditCursor(day: CalendarDay, after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, log: "audit", day: formatDay(day), after }), "utf8").toString("base64url");
}

function decodeAuditCursor(cursor: string, day: CalendarDay): string {
  const invalid = new ArchiveInputError("invalid cursor: not a cursor the audit log issued");
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid;
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) throw invalid;
  if (parsed.data.day !== formatDay(day)) {
    throw new ArchiveInputError(`invalid cursor: it belongs to ${parsed.data.day}, not ${formatDay(day)}`);
  }
  return parsed.data.after;
}

/** One page of a day's entries (UTC): one LIST, then one GET per entry. */
export async function listAuditEntries(
  s3: S3Client,
  config: LazarusConfig,
  query: { day: CalendarDay; cursor?: string; limit?: number },
): Promise<AuditPage> {
  const day = validateDay(query.day);
  const limit = query.limit ?? DEFAULT_AUDIT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_KEYS) {
    throw new ArchiveInputError(`invalid limit ${limit}: must be an integer from 1 to ${MAX_LIST_KEYS}`);
  }
  const base = auditDayPrefix(config.archive.prefix, day);
  const after = query.cursor === undefined ? undefined : decodeAuditCursor(query.cursor, day);
  const page = await listPage(s3, { bucket: config.archive.bucket, prefix: base, maxKeys: limit, ...(after ? { startAfter: base + after } : {}) });

  const read = pLimit(READ_CONCURRENCY);
  const outcomes = await Promise.all(page.objects.map((o) => read(() => readEntry(s3, config.archive.bucket, day, o.key, o.key.slice(base.length), o.size))));
  const result: AuditPage = { entries: [], unreadable: [] };
  outcomes.forEach((outcome, i) => {
    if (outcome.ok) result.entries.push(outcome.entry);
    else if (outcome.reason) result.unreadable.push({ key: (page.objects[i] as { key: string }).key, reason: outcome.reason });
  });
  const last = page.objects.at(-1);
  if (page.isTruncated && last) result.nextCursor = encodeAuditCursor(day, last.key.slice(base.length));
  return result;
}

export type ReadOutcome = { ok: true; entry: AuditEntry } | { ok: false; reason?: string };

export async function readEntry(s3: S3Client, bucket: string, day: CalendarDay, key: string, name: string, size: number): Promise<ReadOutcome> {
  const named = parseAuditEntryName(name);
  if (!named) return { ok: false, reason: "not an audit entry name ({time}_{id}.json)" };
  if (named.at.toISOString().slice(0, 10) !== formatDay(day)) return { ok: false, reason: "the time in its name is not on this day" };
  if (size > MAX_ENTRY_BYTES) return { ok: false, reason: `${size} bytes, larger than any audit entry` };
  let text: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await response.Body?.transformToString("utf-8")) ?? "";
  } catch (error) {
    // Gone between the LIST and the GET: nothing to show, and nothing to report.
    if (isMissingObject(error)) return { ok: false };
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: "not valid JSON" };
  }
  return checkEntry(named, json);
}

/** An entry's JSON, parsed and checked against the id and time its name carries. */
export function checkEntry(named: { at: Date; id: string }, json: unknown): ReadOutcome {
  const parsed = auditEntrySchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, reason: `invalid entry: ${parsed.error.issues.map((i) => `${i.path.join(".") || "entry"}: ${i.message}`).join("; ")}` };
  }
  if (parsed.data.id !== named.id || Date.parse(parsed.data.at) !== named.at.getTime()) {
    return { ok: false, reason: "the entry's id or time does not match its name" };
  }
  return { ok: true, entry: parsed.data };
}

// ---------------------------------------------------------------------------
// Queries over a range of days (read-only: the log has no update or delete)

const pad2 = (n: number) => String(n).padStart(2, "0");

function monthsBetween(from: string, to: string): { year: number; month: number }[] {
  const months: { year: number; month: number }[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  const endY = Number(to.slice(0, 4));
  const endM = Number(to.slice(5, 7));
  while (y < endY || (y === endY && m <= endM)) {
    months.push({ year: y, month: m });
    m += 1;
    if (m === 13) {
      m = 1;
      y += 1;
    }
  }
  return months;
}

/**
 * The days in [from, to] (YYYY-MM-DD, UTC) that have entries, oldest first: one
 * delimited LIST per month the range touches, so empty days cost nothing.
 */
export async function listAuditDays(s3: S3Client, config: LazarusConfig, range: { from: string; to: string }): Promise<string[]> {
  parseAuditRangeDay(range.from);
  parseAuditRangeDay(range.to);
  const base = auditPrefix(config.archive.prefix);
  const days: string[] = [];
  for (const { year, month } of monthsBetween(range.from, range.to)) {
    const monthBase = `${base}${String(year).padStart(4, "0")}/${pad2(month)}/`;
    for (const folder of await listFolders(s3, { bucket: config.archive.bucket, prefix: monthBase })) {
      const d = /^(\d{2})\/$/.exec(folder.slice(monthBase.length))?.[1];
      if (!d) continue;
      const date = `${String(year).padStart(4, "0")}-${pad2(month)}-${d}`;
      if (date >= range.from && date <= range.to) days.push(date);
    }
  }
  return days.sort();
}

export function parseAuditRangeDay(text: string): CalendarDay {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) throw new ArchiveInputError(`invalid day "${text.slice(0, 20)}": expected YYYY-MM-DD`);
  return validateDay({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) });
}

const rangeCursorSchema = z.object({ v: z.literal(1), log: z.literal("audit-range"), d: z.string().length(10), c: z.string().max(MAX_CURSOR_LENGTH).optional() }).strict();

function encodeRangeCursor(day: string, dayCursor?: string): string {
  return Buffer.from(JSON.stringify({ v: 1, log: "audit-range", d: day, ...(dayCursor ? { c: dayCursor } : {}) }), "utf8").toString("base64url");
}

function decodeRangeCursor(cursor: string): { day: string; dayCursor?: string } {
  const invalid = new ArchiveInputError("invalid cursor: not a cursor the audit log issued");
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH * 2 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  let parsed;
  try {
    parsed = rangeCursorSchema.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw invalid;
  }
  if (!parsed.success) throw invalid;
  parseAuditRangeDay(parsed.data.d);
  return { day: parsed.data.d, ...(parsed.data.c ? { dayCursor: parsed.data.c } : {}) };
}

export interface AuditRangeQuery {
  from: string;
  to: string;
  filter?: AuditFilter;
  cursor?: string;
  /** Matching entries to return (default 100, at most 1,000). */
  limit?: number;
  /** Entries to read (one GET each) before answering with what matched so far and a cursor. */
  maxScanned?: number;
}

export interface AuditRangePage {
  /** Oldest first. */
  entries: AuditEntry[];
  nextCursor?: string;
  scanned: number;
  unreadable: { key: string; reason: string }[];
}

const DEFAULT_MAX_SCANNED = 2000;
const RANGE_READ_PAGE = 250;

/**
 * The entries of a range of days that match a filter, oldest first. The names
 * only carry time and id, so every entry of the listed days is read (one GET
 * each); a page stops after `maxScanned` reads and hands back a cursor.
 */
export async function queryAuditEntries(s3: S3Client, config: LazarusConfig, query: AuditRangeQuery): Promise<AuditRangePage> {
  const limit = query.limit ?? DEFAULT_AUDIT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_KEYS) {
    throw new ArchiveInputError(`invalid limit ${limit}: must be an integer from 1 to ${MAX_LIST_KEYS}`);
  }
  const maxScanned = query.maxScanned ?? DEFAULT_MAX_SCANNED;
  const result: AuditRangePage = { entries: [], scanned: 0, unreadable: [] };
  const start = query.cursor ? decodeRangeCursor(query.cursor) : undefined;
  if (start && (start.day < query.from || start.day > query.to)) throw new ArchiveInputError(`invalid cursor: ${start.day} is outside ${query.from} to ${query.to}`);
  const days = (await listAuditDays(s3, config, { from: start?.day ?? query.from, to: query.to }));
  for (const date of days) {
    const day = parseAuditRangeDay(date);
    let dayCursor = start && date === start.day ? start.dayCursor : undefined;
    do {
      const page = await listAuditEntries(s3, config, { day, ...(dayCursor ? { cursor: dayCursor } : {}), limit: RANGE_READ_PAGE });
      result.unreadable.push(...page.unreadable);
      for (const entry of page.entries) {
        result.scanned += 1;
        if (query.filter && !auditEntryMatches(entry, query.filter)) {
          if (result.scanned >= maxScanned) return { ...result, nextCursor: encodeRangeCursor(date, encodeAuditCursor(day, auditEntryName(new Date(entry.at), entry.id))) };
          continue;
        }
        result.entries.push(entry);
        if (result.entries.length >= limit || result.scanned >= maxScanned) {
          return { ...result, nextCursor: encodeRangeCursor(date, encodeAuditCursor(day, auditEntryName(new Date(entry.at), entry.id))) };
        }
      }
      dayCursor = page.nextCursor;
    } while (dayCursor);
  }
  return result;
}

/** Every matching entry of a range, oldest first, a day page at a time (for exports and lookups). */
export async function* scanAuditEntries(s3: S3Client, config: LazarusConfig, range: { from: string; to: string }, filter?: AuditFilter): AsyncGenerator<AuditEntry> {
  for (const date of await listAuditDays(s3, config, range)) {
    const day = parseAuditRangeDay(date);
    let cursor: string | undefined;
    do {
      const page = await listAuditEntries(s3, config, { day, ...(cursor ? { cursor } : {}), limit: RANGE_READ_PAGE });
      for (const entry of page.entries) if (!filter || auditEntryMatches(entry, filter)) yield entry;
      cursor = page.nextCursor;
    } while (cursor);
  }
}
