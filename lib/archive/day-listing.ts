import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { ArchiveInputError, assertConfiguredService, formatDay, validateDay, type CalendarDay } from "./archive-input";
import { classifyArchiveName } from "./archive-names";
import type { NamedKey } from "./archive-names";
import { dayPrefix } from "./layout";
import { compareNames, dayOfMonthKey, firstPageAfter, locateRow, SealedFormatError, type ManifestRow, type SealedRecordLocation } from "./sealed-format";
import { mayBeSealed, readDayManifest, readManifestPage, readMonthSummary } from "./sealed-store";
import { clampListKeys, listPage, MAX_LIST_KEYS, type ListedObject } from "./object-listing";
import type { DeletionType } from "./stream-record";
import { DomainError } from "../errors/domain-error";

/** A day's records, page by page, with cursors that stay inside that day. */

interface ObjectFacts {
  archiveKey: string;
  size: number;
  lastModified?: Date;
  /** The object's storage class; "SEALED" for a record in a bundle (its view shows the bundle's class). */
  storageClass: string;
  /** Where a sealed record sits: its bundle and byte range. */
  sealed?: { key: string; offset: number; length: number };
}

/** A sealed day whose manifest, pages or summary cannot be read: the day cannot be listed in full. */
/** Names the service and day, never a record: the day's sealed files need a person's attention. */
export class SealedDayError extends DomainError {
  override name = "SealedDayError";
  constructor(message: string) {
    super(500, "sealed-day-unreadable", message);
  }
}

export type DayEntry =
  | ({ kind: "record"; id: string; deletedAt: Date; deletionType: DeletionType; partitionKey: NamedKey; sortKey?: NamedKey } & ObjectFacts)
  | ({ kind: "legacy"; name: string } & ObjectFacts)
  | ({ kind: "unknown"; reason: string } & ObjectFacts);

export interface DayPage {
  entries: DayEntry[];
  /** Set when the day is sealed. */
  sealed?: { at: string; records: number };
  /** Pass back to get the next page; absent on the last page. */
  nextCursor?: string;
}

export const DEFAULT_DAY_PAGE_SIZE = 100;
const MAX_CURSOR_LENGTH = 4096;

const cursorSchema = z
  .object({
    v: z.literal(1),
    service: z.string(),
    day: z.string(),
    /** The last name returned, relative to the day folder: the next LIST starts after it. */
    after: z.string().min(1).max(1024),
  })
  .strict();

export function encodeDayCursor(service: string, day: CalendarDay, after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, service, day: formatDay(day), after }), "utf8").toString("base64url");
}

/** The name a cursor resumes after; throws ArchiveInputError for a damaged cursor or one from another day. */
export function decodeDayCursor(cursor: string, expected: { service: string; day: CalendarDay }): string {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new ArchiveInputError("invalid cursor: not a cursor this archive issued");
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new ArchiveInputError("invalid cursor: not a cursor this archive issued");
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) throw new ArchiveInputError("invalid cursor: not a cursor this archive issued");
  if (parsed.data.service !== expected.service || parsed.data.day !== formatDay(expected.day)) {
    throw new ArchiveInputError(
      `invalid cursor: it belongs to ${parsed.data.service} on ${parsed.data.day}, not ${expected.service} on ${formatDay(expected.day)}`,
    );
  }
  return parsed.data.after;
}

/**
 * One page of a day, in name order (which is time order). Today and yesterday (never
 * sealed) cost one LIST of at most `limit` (≤ 1,000) names, no GETs; an older open day
 * one GET more (its manifest, absent). A sealed day merges its manifest's rows
 * with the per-record objects archived since: 1 GET of the manifest, 1 GET per manifest
 * page the page spans (1,000 rows each), and the same one LIST, whatever the day's size.
 * A damaged sealed day throws SealedDayError rather than showing part of the day.
 */
export async function listDayRecords(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  dayValue: CalendarDay,
  options: { cursor?: string; limit?: number } = {},
): Promise<DayPage> {
  assertConfiguredService(config, service);
  const day = validateDay(dayValue);
  const limit = options.limit ?? DEFAULT_DAY_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_KEYS) {
    throw new ArchiveInputError(`invalid limit ${limit}: must be an integer from 1 to ${MAX_LIST_KEYS}`);
  }
  const base = dayPrefix(config.archive.prefix, service.name, day);
  const after = options.cursor === undefined ? undefined : decodeDayCursor(options.cursor, { service: service.name, day });
  const isSealable = mayBeSealed(day, new Date());
  const [manifest, page] = await Promise.all([
    (isSealable ? readDayManifest(s3, config, service, day) : Promise.resolve(null)).catch((e: unknown) => {
      throw e instanceof SealedFormatError ? new SealedDayError(e.message) : e;
    }),
    listPage(s3, {
      bucket: config.archive.bucket,
      prefix: base,
      maxKeys: clampListKeys(limit),
      ...(after !== undefined ? { startAfter: base + after } : {}),
    }),
  ]);
  const objects = page.objects.map((o) => toDayEntry(service, day, base, o));
  if (!manifest) {
    if (isSealable && objects.length === 0 && after === undefined) await assertNotSealed(s3, config, service, day);
    const last = page.objects.at(-1);
    return {
      entries: objects,
      ...(page.isTruncated && last ? { nextCursor: encodeDayCursor(service.name, day, last.key.slice(base.length)) } : {}),
    };
  }

  const rows: ManifestRow[] = [];
  let next = firstPageAfter(manifest, after);
  try {
    while (rows.length < limit && next < manifest.pages.length) {
      const read = await readManifestPage(s3, config, manifest, next);
      rows.push(...read.rows.filter((r) => after === undefined || compareNames(r.name, after) > 0));
      next += 1;
    }
  } catch (e) {
    throw e instanceof SealedFormatError ? new SealedDayError(e.message) : e;
  }
  // Every manifest row up to the last name returned has been read, so a per-record
  // copy of a sealed record (a redelivery, an interrupted seal) is recognised here.
  const sealedNames = new Set(rows.map((r) => r.name));
  const merged = [
    ...rows.map((row) => sealedEntry(service, day, base, locateRow(manifest, row))),
    ...objects.filter((o) => !sealedNames.has(o.archiveKey.slice(base.length))),
  ].sort((a, b) => compareNames(a.archiveKey, b.archiveKey));
  const entries = merged.slice(0, limit);
  const last = entries.at(-1);
  const more = merged.length > limit || next < manifest.pages.length || page.isTruncated;
  return {
    entries,
    sealed: { at: manifest.sealedAt, records: manifest.records },
    ...(more && last ? { nextCursor: encodeDayCursor(service.name, day, last.archiveKey.slice(base.length)) } : {}),
  };
}

/** An empty open day is either really empty or a sealed day whose manifest is gone: the month summary tells. */
async function assertNotSealed(s3: S3Client, config: LazarusConfig, service: ServiceConfig, day: CalendarDay): Promise<void> {
  let summary;
  try {
    summary = await readMonthSummary(s3, config, service, day);
  } catch (e) {
    throw e instanceof SealedFormatError ? new SealedDayError(e.message) : e;
  }
  if (summary?.summary.days[dayOfMonthKey(day)]) {
    throw new SealedDayError(`${service.name} on ${formatDay(day)} is sealed, but its manifest is missing: its sealed records cannot be listed`);
  }
}

function sealedEntry(service: ServiceConfig, day: CalendarDay, base: string, location: SealedRecordLocation): DayEntry {
  return {
    ...classifyArchiveName(service, day, location.name),
    archiveKey: base + location.name,
    size: location.size,
    storageClass: "SEALED",
    sealed: { key: location.bundleKey, offset: location.offset, length: location.length },
  };
}

function toDayEntry(service: ServiceConfig, day: CalendarDay, base: string, object: ListedObject): DayEntry {
  const facts: ObjectFacts = {
    archiveKey: object.key,
    size: object.size,
    ...(object.lastModified ? { lastModified: object.lastModified } : {}),
    storageClass: object.storageClass,
  };
  return { ...classifyArchiveName(service, day, object.key.slice(base.length)), ...facts };
}
