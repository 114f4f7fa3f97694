import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import { classifyArchiveName } from "../archive/archive-names";
import type { DayEntry } from "../archive/day-listing";
import { servicePrefix, splitDatedKey } from "../archive/layout";
import { dayCallsLister, deletedByForDay, type DeletedByCell } from "../attribution/day-attribution";
import { matchesPrincipal } from "../attribution/principal-filter";
import { findService } from "../config/load";
import type { LazarusConfig } from "../config/schema";
import type { ContentSearch } from "./content-query";
import { searchArchive, type SearchOptions } from "./local-engine";
import type { SearchEvent, SearchMatch, SearchProgress } from "./search-events";

/**
 * A content search whose matches carry who deleted them, and which keeps only one
 * caller's deletions when the query names a principal. The caller comes from the
 * attribution folder's names (the same join as the day table): one LIST per 1,000
 * calls per service-day among the matches, listed once, never a request per match.
 *
 * The local engine runs unless another (Athena) is given. With a principal filter the engine scans without its cap (and for manual deletions
 * only: TTL expiries have no caller) and the cap counts the caller's matches, so
 * "capped" still means that more of them match.
 */
export async function* searchWithAttribution(
  s3: S3Client,
  config: LazarusConfig,
  query: ContentSearch,
  options: SearchOptions & { now?: Date; engine?: (query: ContentSearch) => AsyncGenerator<SearchEvent, void, undefined> } = {},
): AsyncGenerator<SearchEvent, void, undefined> {
  const principal = query.principal;
  const now = options.now ?? new Date();
  const engineQuery: ContentSearch = principal ? { ...query, cap: Number.MAX_SAFE_INTEGER, deletionType: "manual" } : query;
  const calls = dayCallsLister(s3, config);
  let listFailed = false;

  const cellOf = async (match: SearchMatch): Promise<DeletedByCell | undefined> => {
    const service = findService(config, match.service);
    const base = service ? servicePrefix(config.archive.prefix, service.name) : "";
    const dated = service && match.archiveKey.startsWith(base) ? splitDatedKey(match.archiveKey.slice(base.length)) : undefined;
    if (!service || !dated) return undefined;
    const named = classifyArchiveName(service, dated.day, dated.name);
    if (named.kind !== "record") return undefined;
    const entry: DayEntry = { ...named, archiveKey: match.archiveKey, size: 0, storageClass: "" };
    return (await deletedByForDay(s3, config, service, dated.day, [entry], now, calls)).get(match.archiveKey);
  };

  let kept = 0;
  let progress: SearchProgress | undefined;
  const events = options.engine ? options.engine(engineQuery) : searchArchive(s3, config, engineQuery, options);
  try {
    for await (const event of events) {
      if (event.type === "progress") progress = event.progress;
      if (event.type !== "match") {
        yield principal && event.type !== "problem" ? { ...event, progress: { ...event.progress, matches: kept } } : event;
        continue;
      }
      let cell: DeletedByCell | undefined;
      try {
        cell = await cellOf(event.match);
      } catch (error) {
        // Without a principal filter the matches stand without their caller, as key search results do.
        if (principal) throw error;
        listFailed = true;
      }
      if (principal && !(cell?.state === "found" && matchesPrincipal(cell.label, principal))) continue;
      kept += 1;
      yield { type: "match", match: { ...event.match, ...(cell ? { deletedBy: cell } : {}) } };
      if (principal && kept >= query.cap) {
        yield { type: "done", outcome: "capped", progress: { ...(progress ?? EMPTY_PROGRESS), matches: kept } };
        return;
      }
    }
  } finally {
    await events.return(undefined);
    if (listFailed) console.warn("[lazarus] content search: the attribution folder could not be listed; matches were shown without their caller");
  }
}

const EMPTY_PROGRESS: SearchProgress = { daysTotal: 0, daysScanned: 0, bytesTotal: 0, bytesScanned: 0, recordsScanned: 0, matches: 0, elapsedMs: 0, bytesPerSecond: 0 };
