import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import { encodeDayCursor, listDayRecords, type CalendarDay, type DayEntry } from "../archive/archive-reader";
import { dayPrefix } from "../archive/layout";
import { MAX_LIST_KEYS } from "../archive/object-listing";
import { deletedByForDay } from "../attribution/day-attribution";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import type { DayRecordRow, DayRecordsResponse } from "./api-types";
import { namedKeyStartsWith, toDayRecordRow } from "./archive-rows";

/** With a filter, a page may need many LISTs to fill; past this many it returns what it has and a cursor. */
const MAX_LISTS_PER_PAGE = 10;

export interface DayRecordsQuery {
  cursor?: string | undefined;
  limit: number;
  type?: "ttl" | "manual" | undefined;
  prefix?: string | undefined;
  /** Adds the "Deleted by" of each row: one more LIST per page (docs/ATTRIBUTION.md). */
  withDeletedBy?: boolean;
}

/**
 * One page of a day's deletions, from object names alone: one LIST per 1,000 names,
 * no GETs. Unfiltered, a page is one LIST of `limit` names; filtered, it lists
 * full pages until `limit` rows match, the day ends or MAX_LISTS_PER_PAGE is reached.
 */
export async function dayRecordsPage(s3: S3Client, config: LazarusConfig, service: ServiceConfig, day: CalendarDay, query: DayRecordsQuery): Promise<DayRecordsResponse> {
  const { type, prefix, limit } = query;
  const filtered = type !== undefined || prefix !== undefined;
  const matches = (entry: DayEntry) =>
    entry.kind === "record" && (type === undefined || entry.deletionType === type) && (prefix === undefined || namedKeyStartsWith(entry.partitionKey, prefix));
  const base = dayPrefix(config.archive.prefix, service.name, day);

  const rows: DayRecordRow[] = [];
  const picked: DayEntry[] = [];
  const done = async (response: DayRecordsResponse): Promise<DayRecordsResponse> => {
    if (!query.withDeletedBy) return response;
    const cells = await deletedByForDay(s3, config, service, day, picked);
    return { ...response, entries: response.entries.map((row) => ({ ...row, ...(cells.has(row.archiveKey) ? { deletedBy: cells.get(row.archiveKey)! } : {}) })) };
  };
  let cursor = query.cursor;
  for (let lists = 0; lists < MAX_LISTS_PER_PAGE; lists += 1) {
    const page = await listDayRecords(s3, config, service, day, { ...(cursor ? { cursor } : {}), limit: filtered ? MAX_LIST_KEYS : limit - rows.length });
    for (const [i, entry] of page.entries.entries()) {
      if (filtered && !matches(entry)) continue;
      rows.push(toDayRecordRow(entry));
      picked.push(entry);
      if (rows.length === limit) {
        const isLastOfDay = i === page.entries.length - 1 && page.nextCursor === undefined;
        return done({ entries: rows, ...(isLastOfDay ? {} : { nextCursor: encodeDayCursor(service.name, day, entry.archiveKey.slice(base.length)) }) });
      }
    }
    if (page.nextCursor === undefined) return done({ entries: rows });
    cursor = page.nextCursor;
  }
  return done({ entries: rows, ...(cursor ? { nextCursor: cursor } : {}) });
}
