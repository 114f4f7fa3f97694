/** What a content search streams, one event per NDJSON line. Isomorphic: the search page reads them. */

import type { DeletedByCell } from "../attribution/day-attribution";
import type { AttributeMap } from "../archive/attribute-value";

export interface SearchMatch {
  service: string;
  archiveKey: string;
  deletedAt: string;
  deletionType: "ttl" | "manual";
  partitionKey: string;
  sortKey: string | null;
  /** Read from a sealed bundle rather than a per-record object. */
  sealed: boolean;
  /** Who deleted it (docs/ATTRIBUTION.md); absent when attribution is off or could not be listed. */
  deletedBy?: DeletedByCell;
  /** The deleted item, for exports only: never sent to the browser. */
  image?: AttributeMap;
}

export interface SearchProgress {
  daysTotal: number;
  daysScanned: number;
  bytesTotal: number;
  bytesScanned: number;
  recordsScanned: number;
  matches: number;
  elapsedMs: number;
  /** Archive bytes read per second so far. */
  bytesPerSecond: number;
  /** When Athena searched the sealed days (search.engine "athena"). */
  athena?: AthenaUsage;
}

/** Athena's part of a search: its query's state, what it scanned and what that costs. */
export interface AthenaUsage {
  state: "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";
  bytesScanned: number;
  /** US dollars at $5 per TB scanned, each query billed for at least 10 MB. */
  costUsd: number;
}

export interface SearchProblem {
  service: string;
  day: string;
  message: string;
}

export type SearchOutcome = "complete" | "capped" | "cancelled";

export type SearchEvent =
  | { type: "progress"; progress: SearchProgress }
  | { type: "match"; match: SearchMatch }
  | { type: "problem"; problem: SearchProblem }
  | { type: "done"; outcome: SearchOutcome; progress: SearchProgress };

/** The last line of a stream that failed midway (AWS unreachable, say). */
export interface SearchStreamError {
  type: "error";
  status: number;
  message: string;
}

export type SearchStreamLine = SearchEvent | SearchStreamError;
