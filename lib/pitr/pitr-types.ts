import { z } from "zod";
import { attributeMapSchema, attributeRecord, keyValueSchema, type AttributeMap, type KeyValue } from "../archive/attribute-value";
import type { DiffChange } from "../diff/item-diff";

/**
 * What the PITR pages and routes exchange. Isomorphic: the browser validates the
 * start form with the same schemas the server parses with.
 */

/** DynamoDB's table-name rule. */
export const TABLE_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;

/** Restore times are whole seconds in UTC, as the console shows them. */
export const restoreTimeSchema = z.union([
  z.literal("latest"),
  z.iso.datetime({ offset: false, precision: 0, message: "must be a UTC time to the second, e.g. 2024-03-05T10:29:59Z, or \"latest\"" }),
]);

export const startPitrBodySchema = z
  .object({
    service: z.string().min(1).max(63),
    time: restoreTimeSchema,
    targetTable: z.string().regex(TABLE_NAME_PATTERN, "must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)"),
  })
  .strict();
export type StartPitrBody = z.infer<typeof startPitrBodySchema>;

export const pitrJobIdSchema = z.uuid();
export const pitrJobParams = z.strictObject({ id: pitrJobIdSchema });

export type PitrTableStatus = "CREATING" | "ACTIVE" | "UPDATING" | "DELETING" | "MISSING" | "UNKNOWN";

export interface PitrJob {
  schemaVersion: 1;
  id: string;
  service: string;
  sourceTable: string;
  targetTable: string;
  /** The requested time; null for "latest". */
  requestedTime: string | null;
  requestedBy: { id: string; email: string; name: string };
  startedAt: string;
  auditId: string;
  /** First seen ACTIVE by a poll; elapsed time runs from startedAt to here. */
  activeAt?: string;
  /** RestoreSummary.RestoreDateTime: the point in time DynamoDB restored to. */
  restoreDateTime?: string;
  status: PitrTableStatus;
}

export interface PitrJobView extends PitrJob {
  elapsedSeconds: number;
}

export const COMPARE_CATEGORIES = ["only-in-restored", "only-in-live", "changed"] as const;
export type CompareCategory = (typeof COMPARE_CATEGORIES)[number];
export const compareCategorySchema = z.enum(COMPARE_CATEGORIES);

export interface CompareState {
  schemaVersion: 1;
  jobId: string;
  compareId: string;
  /** "stalled": running, but no progress written for COMPARE_STALE_MS (its server stopped); never stored. */
  status: "running" | "done" | "failed" | "stalled";
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  segments: number;
  scanned: { live: number; restored: number };
  /** Live items counted by DescribeTable when the compare started (approximate, for a progress estimate). */
  approximateCounts: { live: number | null; restored: number | null };
  counts: Record<CompareCategory, number>;
  identical: number;
  /** Differences of keys erased from the archive (as of the restore point): left out of the chunks, counted only. */
  erased?: number;
  chunks: Record<CompareCategory, number>;
  error?: string;
}

/** One entry of a compare chunk. `id` is `{chunk}:{index}` and names it for copy-back. */
export interface CompareEntry {
  id: string;
  key: Record<string, KeyValue>;
  /** The restored item (only-in-restored, changed). */
  restored?: AttributeMap;
  /** The live item as the compare read it (changed). */
  live?: AttributeMap;
  /** Fingerprint of the live item the compare saw; "absent" for only-in-restored. */
  liveFingerprint: string;
}

export interface CompareChunk {
  category: CompareCategory;
  chunk: number;
  entries: CompareEntry[];
}

export interface CompareEntryView extends CompareEntry {
  changes?: DiffChange[];
}

export const ENTRY_ID_PATTERN = /^\d{1,7}:\d{1,4}$/;

export const copyBackBodySchema = z
  .object({
    compareId: z.uuid(),
    category: z.enum(["only-in-restored", "changed"]),
    selection: z.union([z.object({ all: z.literal(true) }).strict(), z.object({ ids: z.array(z.string().regex(ENTRY_ID_PATTERN)).min(1).max(2000) }).strict()]),
  })
  .strict();
export type CopyBackBody = z.infer<typeof copyBackBodySchema>;

export type CopyBackOutcome = "copied" | "changed-since-compare" | "erased" | "failed";
export interface CopyBackItemResult {
  id: string;
  key: Record<string, KeyValue>;
  outcome: CopyBackOutcome;
  message?: string;
}
export interface CopyBackResult {
  auditId: string;
  counts: Record<CopyBackOutcome, number>;
  items: CopyBackItemResult[];
}

export type ChecklistState = "ok" | "todo" | "manual";
export interface ChecklistItem {
  id: string;
  label: string;
  state: ChecklistState;
  detail: string;
  command?: string;
}

/** `{table}-restored-{yyyymmddTHHMMSSZ}`, cut to DynamoDB's 255 characters. */
export function suggestTargetName(table: string, at: Date): string {
  const stamp = at.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
  const suffix = `-restored-${stamp}`;
  return `${table.slice(0, 255 - suffix.length)}${suffix}`;
}

/* What a restore's objects in S3 hold, parsed on every read (another instance, or an older version, wrote them). */
export const storedPitrJobSchema = z.object({
  schemaVersion: z.literal(1),
  id: z.string(),
  service: z.string(),
  sourceTable: z.string(),
  targetTable: z.string(),
  requestedTime: z.string().nullable(),
  requestedBy: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  startedAt: z.string(),
  auditId: z.string(),
  activeAt: z.string().optional(),
  restoreDateTime: z.string().optional(),
  status: z.enum(["CREATING", "ACTIVE", "UPDATING", "DELETING", "MISSING", "UNKNOWN"]),
}) satisfies z.ZodType<PitrJob>;

const perCategory = z.object({ "only-in-restored": z.number(), "only-in-live": z.number(), changed: z.number() });

export const storedCompareStateSchema = z.object({
  schemaVersion: z.literal(1),
  jobId: z.string(),
  compareId: z.string(),
  status: z.enum(["running", "done", "failed", "stalled"]),
  startedAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  segments: z.number().int().min(1),
  scanned: z.object({ live: z.number(), restored: z.number() }),
  approximateCounts: z.object({ live: z.number().nullable(), restored: z.number().nullable() }),
  counts: perCategory,
  identical: z.number(),
  chunks: perCategory,
  error: z.string().optional(),
}) satisfies z.ZodType<CompareState>;

export const storedCompareChunkSchema = z.object({
  category: compareCategorySchema,
  chunk: z.number().int().min(0),
  entries: z.array(
    z.object({
      id: z.string(),
      key: attributeRecord(keyValueSchema),
      restored: attributeMapSchema.optional(),
      live: attributeMapSchema.optional(),
      liveFingerprint: z.string(),
    }),
  ),
}) satisfies z.ZodType<CompareChunk>;

export const storedLatestCompareSchema = z.object({ compareId: z.string() });

/** A copy-back's results file (see copyBack): kept whole when rewritten, so fields this version does not know survive. */
export const storedCopyBackResultsSchema = z.looseObject({
  items: z.array(
    z.looseObject({
      id: z.string().optional(),
      key: attributeRecord(keyValueSchema).optional(),
      keyHash: z.string().optional(),
      outcome: z.enum(["copied", "changed-since-compare", "erased", "failed"]),
      message: z.string().optional(),
    }),
  ),
});
