import { encodeDayCursor, listDayRecords, type DayEntry } from "@/lib/archive/archive-reader";
import { dayPrefix } from "@/lib/archive/layout";
import { MAX_LIST_KEYS } from "@/lib/archive/object-listing";
import { dayRecordsQuerySchema, type DayRecordRow, type DayRecordsResponse } from "@/lib/http/api-types";
import { namedKeyStartsWith, toDayRecordRow } from "@/lib/http/archive-rows";
import { requireService, serviceDayParams } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";

/** With a filter, a page may need many LISTs to fill; past this many it returns what it has and a cursor. */
const MAX_LISTS_PER_PAGE = 10;

export const GET = route(
  { permission: "archive:read", params: serviceDayParams, query: dayRecordsQuerySchema },
  async ({ params, query, config, aws }) => {
    const service = requireService(config, params.service);
    const day = params.date;
    const { type, prefix, limit } = query;
    const filtered = type !== undefined || prefix !== undefined;
    const matches = (entry: DayEntry) =>
      entry.kind === "record" && (type === undefined || entry.deletionType === type) && (prefix === undefined || namedKeyStartsWith(entry.partitionKey, prefix));
    const base = dayPrefix(config.archive.prefix, service.name, day);

    const rows: DayRecordRow[] = [];
    let cursor = query.cursor;
    for (let lists = 0; lists < MAX_LISTS_PER_PAGE; lists += 1) {
      const page = await listDayRecords(aws().s3, config, service, day, { ...(cursor ? { cursor } : {}), limit: filtered ? MAX_LIST_KEYS : limit - rows.length });
      for (const [i, entry] of page.entries.entries()) {
        if (filtered && !matches(entry)) continue;
        rows.push(toDayRecordRow(entry));
        if (rows.length === limit) {
          const isLastOfDay = i === page.entries.length - 1 && page.nextCursor === undefined;
          const body: DayRecordsResponse = { entries: rows, ...(isLastOfDay ? {} : { nextCursor: encodeDayCursor(service.name, day, entry.archiveKey.slice(base.length)) }) };
          return json(body);
        }
      }
      if (page.nextCursor === undefined) return json({ entries: rows } satisfies DayRecordsResponse);
      cursor = page.nextCursor;
    }
    return json({ entries: rows, ...(cursor ? { nextCursor: cursor } : {}) } satisfies DayRecordsResponse);
  },
);
