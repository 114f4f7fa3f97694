/** The JSON the console's API routes take and return, as the browser sees it (types only: nothing here reaches the bundle). */
import type { z } from "zod";
import type { RetrievalTier } from "@/lib/archive/glacier-retrieval";
import type { retrievalBodySchema } from "@/lib/http/api-types";
import type { restoreRequestBodySchema } from "@/lib/restore/restore-request";
import type { RestoreMode } from "@/lib/restore/restore-request";
import type { TtlChoice } from "@/lib/restore/ttl-choice";

export type {
  CallerFilterCounts,
  CompareResponse as ComparePlan,
  DayRecordRow,
  DayRecordsResponse as DayRecordsPage,
  RestoreResponse as RestoreSuccess,
  SearchResultRow,
} from "@/lib/http/api-types";
export type { RetrievalStatus } from "@/lib/archive/glacier-retrieval";
export type { TtlState } from "@/lib/restore/ttl-choice";
export type { RestoreMode, RetrievalTier, TtlChoice };

/** What the retrieval form sends; the route parses it with retrievalBodySchema. */
export type RetrievalBody = z.input<typeof retrievalBodySchema>;

/** What the restore form sends; the route parses it with restoreRequestBodySchema. */
export type RestoreBody = z.input<typeof restoreRequestBodySchema>;
