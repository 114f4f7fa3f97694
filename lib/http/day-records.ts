import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import { encodeDayCursor, listDayRecords, type CalendarDay, type DayEntry } from "../archive/archive-reader";
import { dayPrefix } from "../archive/layout";
import { MAX_LIST_KEYS } from "../archive/object-listing";
import { callerVerdict, countVerdict, dayCallsLister, deletedByForDay, type DeletedByCell } from "../attribution/day-attribution";
import type { PrincipalFilter } from "../attribution/principal-filter";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import type { CallerFilterCounts, DayRecordRow, DayRecordsResponse } from "./api-types";
import { namedKeyStartsWith, toDayRecordRow } from "./archive-rows";

/** With a filter, a page may need many LISTs to fill; past this many it returns what it has and a cursor. */
const MAX_LISTS_PER_PAGE = 10;

export interface DayRecordsQuery {
  cursor?: string | undefined;
  limit: number;
  type?: "ttl" | "manual" | undefined;
  prefix?: string | undefined;
  /** Only this caller's deletions (docs/ATTRIBUTION.md, "Filtering by caller"); implies withDeletedBy. */
  principal?: PrincipalFilter | undefined;
  /** Adds the "Deleted by" of each row: one more LIST per page (docs/ATTRIBUTION.md). */
  withDeletedBy?: boolean;
}

/**
 * One page of a day's deletions, from object names alone: one LIST per 1,000 names,
 * no GETs. Unfiltered, a page is one LIST of `limit` names; filtered, it lists
 * full pages until `limit` rows match, the day ends or MAX_LISTS_PER_PAGE is reached.
 * With a caller filter the day's attribution folder is listed once per page (and the
 * neighbouring day's for deletions near midnight), and the page counts what it looked at.
 */
export async function dayRecordsPage(s3: S3Client, config: LazarusConfig, service: ServiceConfig, day: CalendarDay, query: DayRecordsQuery): Promise<DayRecordsResponse> {
  const { type, prefix, limit, principal } = query;
  const filtered = type !== undefined || prefix !== undefined || principal !== undefined;
  const matches = (entry: DayEntry) =>
    entry.kind === "record" && (type === undefined || entry.deletionType === type) && (prefix === undefined || namedKeyStartsWith(entry.partitionKey, prefix));
  const base = dayPrefix(config.archive.prefix, service.name, day);
  const calls = dayCallsLister(s3, config);
  const now = new Date();

  const rows: DayRecordRow[] = [];
  const picked: DayEntry[] = [];
  const cells = new Map<string, DeletedByCell>();
  const counts: CallerFilterCounts = { examined: 0, matched: 0, notYetKnown: 0, noCaller: 0 };
  const done = async (response: DayRecordsResponse): Promise<DayRecordsResponse> => {
    const withCounts = principal ? { ...response, callerFilter: counts } : response;
    if (!query.withDeletedBy && !principal) return withCounts;
    if (!principal) for (const [key, cell] of await deletedByForDay(s3, config, service, day, picked, now, calls)) cells.set(key, cell);
    return { ...withCounts, entries: response.entries.map((row) => ({ ...row, ...(cells.has(row.archiveKey) ? { deletedBy: cells.get(row.archiveKey)! } : {}) })) };
  };
  /** Whether the caller filter keeps this deletion, counting it either way. */
  const keptByCaller = (entry: DayEntry): boolean => {
    if (!principal) return true;
    if (entry.kind !== "record") return false;
    const verdict = callerVerdict(cells.get(entry.archiveKey), entry.deletionType, principal);
    countVerdict(counts, verdict);
    return verdict === "matched";
  };
  let cursor = query.cursor;
  for (let lists = 0; lists < MAX_LISTS_PER_PAGE; lists += 1) {
    const page = await listDayRecords(s3, config, service, day, { ...(cursor ? { cursor } : {}), limit: filtered ? MAX_LIST_KEYS : limit - rows.length });
    if (principal) for (const [key, cell] of await deletedByForDay(s3, config, service, day, page.entries.filter(matches), now, calls)) cells.set(key, cell);
    for (const [i, entry] of page.entries.entries()) {
      if (filtered && !matches(entry)) continue;
      if (!keptByCaller(entry)) continue;
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
