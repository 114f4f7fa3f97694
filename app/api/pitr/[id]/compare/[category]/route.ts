import { z } from "zod";
import { compareItems } from "@/lib/diff/item-diff";
import { HttpError } from "@/lib/http/error-response";
import { json, route } from "@/lib/http/route";
import { loadCompareChunk, loadCompareState, requireJob } from "@/lib/pitr/pitr-store";
import { compareCategorySchema, pitrJobIdSchema, type CompareEntryView } from "@/lib/pitr/pitr-types";

/** One page (chunk) of a compare's list for a category; changed entries carry their diff. */
export const GET = route(
  {
    permission: "pitr",
    params: z.strictObject({ id: pitrJobIdSchema, category: compareCategorySchema }),
    query: z.strictObject({ compareId: z.uuid(), page: z.coerce.number().int().min(0).max(9_999_999).default(0) }),
  },
  async ({ params, query, config, aws }) => {
    await requireJob(aws(), config, params.id);
    const state = await loadCompareState(aws().s3, config, params.id, query.compareId);
    if (!state) throw new HttpError(404, "compare-not-found", "There is no such compare for this restore.");
    const pages = state.chunks[params.category];
    if (query.page >= pages) return json({ entries: [], page: query.page, pages, total: state.counts[params.category] });
    const chunk = await loadCompareChunk(aws().s3, config, params.id, query.compareId, params.category, query.page);
    const entries: CompareEntryView[] = (chunk?.entries ?? []).map((entry) => {
      if (params.category !== "changed" || !entry.restored || !entry.live) return entry;
      const comparison = compareItems(entry.restored, entry.live);
      return { ...entry, changes: comparison.status === "changed" ? comparison.changes : [] };
    });
    return json({ entries, page: query.page, pages, total: state.counts[params.category] });
  },
);
