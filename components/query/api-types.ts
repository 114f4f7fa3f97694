/** The JSON the console's API routes take and return, as the browser sees it (types only: nothing here reaches the bundle). */
import type { RetrievalTier } from "@/lib/archive/glacier-retrieval";
import type { RestoreMode } from "@/lib/restore/restore-request";
import type { TtlChoice } from "@/lib/restore/ttl-choice";

export type {
  CompareResponse as ComparePlan,
  DayRecordRow,
  DayRecordsResponse as DayRecordsPage,
  RestoreResponse as RestoreSuccess,
  SearchResultRow,
} from "@/lib/http/api-types";
export type { RetrievalStatus } from "@/lib/archive/glacier-retrieval";
export type { TtlState } from "@/lib/restore/ttl-choice";
export type { RestoreMode, RetrievalTier, TtlChoice };

export interface RetrievalBody {
  archiveKey: string;
  tier: RetrievalTier;
  days: number;
}

/** What the restore form sends; the route parses it with restoreRequestBodySchema. */
export interface RestoreBody {
  archiveKey: string;
  mode: RestoreMode;
  expectedLiveFingerprint?: string;
  ttl: TtlChoice;
  targetTable?: string;
}
