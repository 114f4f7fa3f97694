import { searchDeletions } from "@/lib/archive/deletion-search";
import { callerVerdict, countVerdict, deletedByForDeletions } from "@/lib/attribution/day-attribution";
import { principalFromParams } from "@/lib/attribution/principal-filter";
import { searchQuerySchema, type CallerFilterCounts, type SearchResponse } from "@/lib/http/api-types";
import { toSearchResultRow } from "@/lib/http/archive-rows";
import { requireService } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";

export const GET = route({ permission: "archive:read", query: searchQuerySchema }, async ({ query, config, aws }) => {
  const service = query.service === "all" ? "all" : requireService(config, query.service);
  const s3 = aws().s3;
  const outcome = await searchDeletions(s3, config, { q: query.q, match: query.match, service }, query.limit);
  const principal = principalFromParams(query);
  if (principal) {
    // The same join and verdicts as the search page: one LIST per service-day of the results.
    const cells = await deletedByForDeletions(s3, config, outcome.deletions);
    const callerFilter: CallerFilterCounts = { examined: 0, matched: 0, notYetKnown: 0, noCaller: 0 };
    const kept = outcome.deletions.filter((d) => {
      const verdict = callerVerdict(cells.get(d.archiveKey), d.deletionType, principal);
      countVerdict(callerFilter, verdict);
      return verdict === "matched";
    });
    const results = kept.map((d) => ({ ...toSearchResultRow(d), deletedBy: cells.get(d.archiveKey)! }));
    return json({ results, truncated: outcome.truncated, unreadable: outcome.unreadable.length, skipped: outcome.skipped, callerFilter } satisfies SearchResponse);
  }
  const body: SearchResponse = {
    results: outcome.deletions.map(toSearchResultRow),
    truncated: outcome.truncated,
    unreadable: outcome.unreadable.length,
    skipped: outcome.skipped,
  };
  return json(body);
});
