import { searchDeletions } from "@/lib/archive/deletion-search";
import { searchQuerySchema, type SearchResponse } from "@/lib/http/api-types";
import { toSearchResultRow } from "@/lib/http/archive-rows";
import { requireService } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";

export const GET = route({ permission: "archive:read", query: searchQuerySchema }, async ({ query, config, aws }) => {
  const service = query.service === "all" ? "all" : requireService(config, query.service);
  const outcome = await searchDeletions(aws().s3, config, { q: query.q, match: query.match, service }, query.limit);
  const body: SearchResponse = {
    results: outcome.deletions.map(toSearchResultRow),
    truncated: outcome.truncated,
    unreadable: outcome.unreadable.length,
    skipped: outcome.skipped,
  };
  return json(body);
});
