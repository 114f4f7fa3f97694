import "server-only";
import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { z } from "zod";
import { validateDay } from "../archive/archive-reader";
import { listPage } from "../archive/object-listing";
import { isMissingObject, isPreconditionFailed } from "../aws/aws-errors";
import type { LazarusConfig } from "../config/schema";
import type { AuditEntry } from "./audit-entry";
import { auditDayPrefix, auditPrefix, compactTime, parseAuditEntryName } from "./audit-layout";
import { auditEntryRetention, checkEntry, readEntry } from "./audit-log";
import { processWide } from "../runtime/process-wide";

/**
 * Copies of a closed quarter hour's audit entries in one object, so the audit page reads a
 * screen of entries with a few GETs instead of one per entry:
 *
 *   {prefix}_audit/_rollups/{yyyy}/{mm}/{dd}/{hhmm}.json
 *
 * A rollup is a reading aid, never the record. It is written once, by the first reader
 * after its window closed, under `_audit/` where the bucket policy refuses overwrites and
 * deletes as it does for entries. Each copy carries the name, size and ETag its entry had
 * in the listing; a reader uses a copy only for an entry the day's listing shows with the
 * same name, size and ETag, and reads any other entry itself. So a rollup can neither hide
 * an entry nor add one, and an entry that arrived after its window was rolled up is still
 * shown. The CSV export and the record page's history read the entries themselves.
 */
export const ROLLUP_SEGMENT = "_rollups";
export const ROLLUP_WINDOW_MS = 15 * 60_000;
/** A window is rolled up this long after it ends: an entry is named when its write starts, and instances' clocks differ by a little. */
export const ROLLUP_GRACE_MS = 2 * 60_000;
/** A window busier than this is not rolled up: its entries are read one by one. */
export const MAX_ROLLUP_ENTRIES = 2_000;
const READ_CONCURRENCY = 32;

const rollupSchema = z.strictObject({
  schemaVersion: z.literal(1),
  window: z.string(),
  entries: z.array(z.strictObject({ name: z.string(), size: z.number().int().min(0), etag: z.string(), entry: z.unknown() })).max(MAX_ROLLUP_ENTRIES),
});

export interface RolledUpEntry {
  size: number;
  etag: string;
  entry: AuditEntry;
}

const pad = (n: number) => String(n).padStart(2, "0");

export function rollupWindowOf(at: number): number {
  return at - (at % ROLLUP_WINDOW_MS);
}

export function isRollupWindowClosed(windowStart: number, now: number): boolean {
  return windowStart + ROLLUP_WINDOW_MS + ROLLUP_GRACE_MS <= now;
}

export function auditRollupKey(archivePrefix: string, windowStart: number): string {
  const d = new Date(windowStart);
  return `${auditPrefix(archivePrefix)}${ROLLUP_SEGMENT}/${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}.json`;
}

/**
 * Rollups this process found missing, by bucket and key, until when it does not ask again:
 * paging through a day would otherwise ask for the same missing rollups on every screen.
 * Missing only costs reads, never correctness: the entries are then read one by one.
 */
const knownMissing = processWide("audit-rollup-missing", () => new Map<string, number>());
const MISSING_TTL_MS = 60_000;
const MAX_KNOWN_MISSING = 10_000;

/** The window's copies by entry name; null when it has no rollup (or one that does not parse, which is then ignored). */
export async function readAuditRollup(s3: S3Client, config: LazarusConfig, windowStart: number): Promise<Map<string, RolledUpEntry> | null> {
  const key = auditRollupKey(config.archive.prefix, windowStart);
  const cacheKey = `${config.archive.bucket}/${key}`;
  if ((knownMissing.get(cacheKey) ?? 0) > Date.now()) return null;
  let text: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: key }));
    text = (await response.Body?.transformToString("utf-8")) ?? "";
  } catch (error) {
    if (!isMissingObject(error)) throw error;
    if (knownMissing.size >= MAX_KNOWN_MISSING) knownMissing.clear();
    knownMissing.set(cacheKey, Date.now() + MISSING_TTL_MS);
    return null;
  }
  let parsed;
  try {
    parsed = rollupSchema.safeParse(JSON.parse(text));
  } catch {
    return null;
  }
  if (!parsed.success || parsed.data.window !== new Date(windowStart).toISOString()) return null;
  const out = new Map<string, RolledUpEntry>();
  for (const copy of parsed.data.entries) {
    const named = parseAuditEntryName(copy.name);
    if (!named || rollupWindowOf(named.at.getTime()) !== windowStart) continue;
    const checked = checkEntry(named, copy.entry);
    if (checked.ok) out.set(copy.name, { size: copy.size, etag: copy.etag, entry: checked.entry });
  }
  return out;
}

export type RollupOutcome = "written" | "exists" | "open" | "empty" | "too-busy";

/**
 * Rolls up one closed window: lists its names, reads each entry, and writes the rollup
 * if none exists (If-None-Match). Entries that do not read as entries are left out, so
 * readers keep reporting them.
 */
export async function writeAuditRollup(s3: S3Client, config: LazarusConfig, windowStart: number, now = Date.now()): Promise<RollupOutcome> {
  if (!isRollupWindowClosed(windowStart, now)) return "open";
  const start = new Date(windowStart);
  const day = validateDay({ year: start.getUTCFullYear(), month: start.getUTCMonth() + 1, day: start.getUTCDate() });
  const base = auditDayPrefix(config.archive.prefix, day);
  const end = compactTime(new Date(windowStart + ROLLUP_WINDOW_MS));
  const listed: { key: string; name: string; size: number; etag: string }[] = [];
  let token: string | undefined;
  // Names begin with their time, so the window's first name sorts just after its start time.
  const startAfter = `${base}${compactTime(start)}`;
  listing: do {
    const page = await listPage(s3, { bucket: config.archive.bucket, prefix: base, ...(token ? { continuationToken: token } : { startAfter }) });
    token = page.isTruncated ? page.nextContinuationToken : undefined;
    for (const o of page.objects) {
      const name = o.key.slice(base.length);
      if (name >= end) break listing;
      if (o.etag) listed.push({ key: o.key, name, size: o.size, etag: o.etag });
      if (listed.length > MAX_ROLLUP_ENTRIES) return "too-busy";
    }
  } while (token);
  if (listed.length === 0) return "empty";
  const read = pLimit(READ_CONCURRENCY);
  const outcomes = await Promise.all(listed.map((o) => read(() => readEntry(s3, config.archive.bucket, day, o.key, o.name, o.size))));
  const entries = listed.flatMap((o, i) => {
    const outcome = outcomes[i]!;
    return outcome.ok ? [{ name: o.name, size: o.size, etag: o.etag, entry: outcome.entry }] : [];
  });
  const body = JSON.stringify({ schemaVersion: 1, window: start.toISOString(), entries });
  const retention = auditEntryRetention(config, start);
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: config.archive.bucket,
        Key: auditRollupKey(config.archive.prefix, windowStart),
        Body: body,
        ContentType: "application/json",
        IfNoneMatch: "*",
        ContentMD5: createHash("md5").update(body, "utf8").digest("base64"),
        ...(retention ? { ObjectLockMode: retention.mode, ObjectLockRetainUntilDate: retention.retainUntil } : {}),
      }),
    );
  } catch (error) {
    if (isPreconditionFailed(error)) return "exists";
    throw error;
  } finally {
    knownMissing.delete(`${config.archive.bucket}/${auditRollupKey(config.archive.prefix, windowStart)}`);
  }
  return "written";
}

/** Windows being rolled up by this process (the audit page and the audit API alike), so two views do not both build one. */
const inFlight = processWide("audit-rollup-in-flight", () => new Map<number, Promise<RollupOutcome>>());
/** Rollups are built one at a time: each reads a window's entries 32 at a time already. */
const building = processWide("audit-rollup-building", () => pLimit(1));

/** Rolls up the windows, each once per process; failures are logged and left for a later reader. */
export function rollUpAuditWindows(s3: S3Client, config: LazarusConfig, windows: Iterable<number>): Promise<void> {
  const work = [...windows].map((w) => {
    const running = inFlight.get(w);
    if (running) return running;
    const job = building(() => writeAuditRollup(s3, config, w))
      .catch((error: unknown) => {
        console.warn(`audit rollup ${new Date(w).toISOString()}: not written (${error instanceof Error ? error.name : "error"})`);
        return "open" as const;
      })
      .finally(() => inFlight.delete(w));
    inFlight.set(w, job);
    return job;
  });
  return Promise.all(work).then(() => undefined);
}
