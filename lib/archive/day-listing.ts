import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { ArchiveInputError, assertConfiguredService, formatDay, validateDay, type CalendarDay } from "./archive-input";
import { classifyArchiveName } from "./archive-names";
import type { NamedKey } from "./archive-names";
import { dayPrefix } from "./layout";
import { clampListKeys, listPage, MAX_LIST_KEYS, type ListedObject } from "./object-listing";
import type { DeletionType } from "./stream-record";

/** A day's records, page by page, with cursors that stay inside that day. */

interface ObjectFacts {
  archiveKey: string;
  size: number;
  lastModified?: Date;
  storageClass: string;
}

export type DayEntry =
  | ({ kind: "record"; id: string; deletedAt: Date; deletionType: DeletionType; partitionKey: NamedKey; sortKey?: NamedKey } & ObjectFacts)
  | ({ kind: "legacy"; name: string } & ObjectFacts)
  | ({ kind: "unknown"; reason: string } & ObjectFacts);

export interface DayPage {
  entries: DayEntry[];
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

/** One page of a day: one LIST of at most `limit` (≤ 1,000) names, no GETs. */
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
  const page = await listPage(s3, {
    bucket: config.archive.bucket,
    prefix: base,
    maxKeys: clampListKeys(limit),
    ...(after !== undefined ? { startAfter: base + after } : {}),
  });
  const entries = page.objects.map((o) => toDayEntry(service, day, base, o));
  const last = page.objects.at(-1);
  return {
    entries,
    ...(page.isTruncated && last ? { nextCursor: encodeDayCursor(service.name, day, last.key.slice(base.length)) } : {}),
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
