import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { assertConfiguredService, daySchema, formatDay, type CalendarDay } from "./archive-input";
import { classifyArchiveName } from "./archive-names";
import { servicePrefix } from "./layout";
import { listPage } from "./object-listing";
import { dayOfMonthKey, SEALED_SEGMENT, type MonthSummaryDocument } from "./sealed-format";
import { isSealableDay, readMonthSummary, sealableFrom, sealAfterDays } from "./sealed-store";

/**
 * Seal lag: how many whole days the oldest closed day that holds records and is still not
 * sealed has been due (it falls due `seal.afterDays` after it began); 0 when every closed
 * day is sealed, or while the oldest one has been due for less than a day. Counting from
 * the due date, not the day itself, keeps a day waiting for the next run from counting as
 * lag whatever `afterDays` is.
 *
 * Cost per service, whatever the archive's size or age: one LIST of the service's dated
 * folders with `/_sealed/` as the delimiter, so every month's sealed tree rolls up into a
 * single entry and the first per-record object listed is the oldest one left; one GET of
 * that month's summary says whether its day is sealed. A sealed day that still holds
 * per-record objects (late records the next seal folds in) is stepped over with one more
 * LIST, and its month's summary is read once. At most MAX_SEAL_LAG_LISTS LISTs and as many
 * summary GETs; past that the answer says it is incomplete.
 */

export const MAX_SEAL_LAG_LISTS = 6;
/** Sealed months collapse to one entry each, so one page covers years of them. */
const PAGE_KEYS = 200;
const DAY_MS = 86_400_000;

/** Whole days `day` has been due for sealing at `now` (see above). */
export function sealLagDays(config: LazarusConfig, day: CalendarDay, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - sealableFrom(config, day).getTime()) / DAY_MS));
}

export interface SealLag {
  service: string;
  /** Whole days the oldest closed day still unsealed has been due; 0 when there is none. */
  lagDays: number;
  /** That day ("YYYY-MM-DD"), or null when every closed day is sealed. */
  oldestUnsealed: string | null;
  /** Days older than this are closed and due to be sealed. */
  afterDays: number;
  thresholdDays: number;
  /** The lag is past the threshold. */
  isLagging: boolean;
  /** False when the request budget ran out before an answer (many sealed days holding late records). */
  complete: boolean;
  requests: { list: number; get: number };
}

/** Pages of a listing hold objects and rolled-up prefixes apart; the scan needs them in key order. */
function inKeyOrder(objects: { key: string }[], prefixes: string[]): { key: string; isPrefix: boolean }[] {
  return [...objects.map((o) => ({ key: o.key, isPrefix: false })), ...prefixes.map((key) => ({ key, isPrefix: true }))].sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
}

export async function sealLag(s3: S3Client, config: LazarusConfig, service: ServiceConfig, now: Date = new Date()): Promise<SealLag> {
  assertConfiguredService(config, service);
  const base = servicePrefix(config.archive.prefix, service.name);
  const result: SealLag = {
    service: service.name,
    lagDays: 0,
    oldestUnsealed: null,
    afterDays: sealAfterDays(config),
    thresholdDays: config.seal.lagThresholdDays,
    isLagging: false,
    complete: true,
    requests: { list: 0, get: 0 },
  };
  const summaries = new Map<string, MonthSummaryDocument["days"]>();
  const sealedDaysOf = async (day: CalendarDay) => {
    const month = formatDay(day).slice(0, 7);
    let days = summaries.get(month);
    if (!days) {
      result.requests.get += 1;
      days = (await readMonthSummary(s3, config, service, day))?.summary.days ?? {};
      summaries.set(month, days);
    }
    return days;
  };

  let startAfter: string | undefined;
  let continuationToken: string | undefined;
  for (;;) {
    if (result.requests.list >= MAX_SEAL_LAG_LISTS) {
      result.complete = false;
      return result;
    }
    result.requests.list += 1;
    const page = await listPage(s3, {
      bucket: config.archive.bucket,
      prefix: base,
      delimiter: `/${SEALED_SEGMENT}/`,
      maxKeys: PAGE_KEYS,
      ...(continuationToken ? { continuationToken } : startAfter ? { startAfter } : {}),
    });
    let hop: string | undefined;
    for (const entry of inKeyOrder(page.objects, page.commonPrefixes)) {
      if (entry.isPrefix) continue;
      const match = /^(\d{4})\/(\d{2})\/(\d{2})\/([^/]+)$/.exec(entry.key.slice(base.length));
      // Dated folders sort before the index (`_by-key/`) and anything else at the service's top level.
      if (!match) {
        if (/^\d{4}\//.test(entry.key.slice(base.length))) continue;
        return result;
      }
      const parsed = daySchema.safeParse({ year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) });
      if (!parsed.success) continue;
      const day = parsed.data;
      // Folders are in date order, so the first day not closed ends the search.
      if (!isSealableDay(config, day, now)) return result;
      // Legacy and foreign objects are never sealed; they do not hold a day back.
      if (classifyArchiveName(service, day, match[4] as string).kind !== "record") continue;
      if ((await sealedDaysOf(day))[dayOfMonthKey(day)]) {
        hop = `${entry.key.slice(0, base.length + "yyyy/mm/dd".length)}0`;
        break;
      }
      result.oldestUnsealed = formatDay(day);
      result.lagDays = sealLagDays(config, day, now);
      result.isLagging = result.lagDays > result.thresholdDays;
      return result;
    }
    if (hop !== undefined) {
      // "dd0" sorts after every key in the day's folder ("dd/...") and before the next day's.
      startAfter = hop;
      continuationToken = undefined;
    } else if (page.isTruncated && page.nextContinuationToken) {
      continuationToken = page.nextContinuationToken;
    } else {
      return result;
    }
  }
}
