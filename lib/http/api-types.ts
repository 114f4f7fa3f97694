import type { CallerCounts, DeletedByCell } from "../attribution/day-attribution";
import { z } from "zod";
import { principalParamsShape } from "../attribution/principal-filter";
import type { AttributeMap } from "../archive/attribute-value";
import type { RestorePlan } from "../restore/restore-planner";

/**
 * What the JSON API under /api takes and returns. Isomorphic: the routes parse
 * with these schemas and the browser code reads these types.
 */

export interface ApiError {
  error: { code: string; message: string; auditId?: string };
}

// GET /api/services/{service}/days/{yyyy-mm-dd}/records

export const DAY_RECORDS_MAX_LIMIT = 500;
export const DAY_RECORDS_DEFAULT_LIMIT = 100;

export const dayRecordsQuerySchema = z
  .object({
    cursor: z.string().min(1).max(4096).optional(),
    limit: z.coerce.number().int().min(1).max(DAY_RECORDS_MAX_LIMIT).default(DAY_RECORDS_DEFAULT_LIMIT),
    type: z.enum(["ttl", "manual"]).optional(),
    prefix: z.string().min(1).max(2048).optional(),
    ...principalParamsShape,
  })
  .strict();

export interface DayRecordRow {
  archiveKey: string;
  kind: "record" | "legacy" | "unknown";
  deletedAt: string | null;
  deletionType: "ttl" | "manual" | null;
  /** Display text of the key (S and N as they are, B as base64); null when the object name holds it hashed. */
  partitionKey: string | null;
  sortKey: string | null;
  hashedKey: boolean;
  size: number;
  storageClass: string;
  /** Why an object does not belong to the archive layout (kind "unknown"). */
  reason?: string;
  /** Who deleted it, from CloudTrail (docs/ATTRIBUTION.md); absent when not looked up. */
  deletedBy?: DeletedByCell;
}

/**
 * What a page filtered by caller looked at: of `examined` deletions (those the type and
 * prefix filters keep), `matched` were the caller's; `notYetKnown` are still within
 * CloudTrail's delivery delay and may match later; `noCaller` are manual deletions no call
 * was found for. Counts cover exactly the names up to the page's cursor, so a client
 * adds up its pages.
 */
export type CallerFilterCounts = CallerCounts;

export interface DayRecordsResponse {
  entries: DayRecordRow[];
  nextCursor?: string;
  /** Present when the page is filtered by caller. */
  callerFilter?: CallerFilterCounts;
}

// GET /api/search

export const SEARCH_MAX_LIMIT = 1000;

export const searchQuerySchema = z
  .object({
    q: z.string().min(1, "enter a key to search for").max(2048),
    match: z.enum(["exact", "prefix"]).default("exact"),
    service: z.string().min(1).max(63).default("all"),
    limit: z.coerce.number().int().min(1).max(SEARCH_MAX_LIMIT).default(100),
    ...principalParamsShape,
  })
  .strict();

export interface SearchResultRow {
  service: string;
  archiveKey: string;
  deletedAt: string;
  deletionType: "ttl" | "manual";
  partitionKey: string | null;
  sortKey: string | null;
  hashedKey: boolean;
  /** Who deleted it; present when the search filtered by caller. */
  deletedBy?: DeletedByCell;
}

export interface SearchResponse {
  results: SearchResultRow[];
  truncated: boolean;
  /** Index entries that could not be read; the results are complete otherwise. */
  unreadable: number;
  /** Services not searched, and why (e.g. a number key and a query that is not a number). */
  skipped: { service: string; why: string }[];
  /** With `who`: what the caller filter looked at among the deletions found (the results are the matched ones, each with its deletedBy). */
  callerFilter?: CallerFilterCounts;
}

// GET /api/services/{service}/records/compare and /retrieval

export const archiveKeyQuerySchema = z.object({ archiveKey: z.string().min(1, "is required").max(1024) }).strict();

export type CompareResponse = RestorePlan & { live: AttributeMap | null; table: string };

// POST /api/services/{service}/records/restore: body is restoreRequestBodySchema (lib/restore/restore-request.ts)

export interface RestoreResponse {
  outcome: "restored";
  table: string;
  auditId: string;
}

// POST /api/services/{service}/records/retrieval

export const retrievalBodySchema = z
  .object({
    archiveKey: z.string().min(1).max(1024),
    tier: z.enum(["Expedited", "Standard", "Bulk"]),
    days: z.number().int().min(1).max(30),
  })
  .strict();

// GET /api/audit

export const auditQuerySchema = z
  .object({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD"),
    cursor: z.string().min(1).max(4096).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  .strict();
