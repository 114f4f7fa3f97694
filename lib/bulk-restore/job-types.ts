import { z } from "zod";
import { attributeRecord, attributeValueSchema, keyValueSchema, type KeyValue } from "../archive/attribute-value";
import { ROLES, type Role } from "../auth/roles";
import type { DiffChange } from "../diff/item-diff";
import { ttlChoiceSchema, type TtlChoice } from "../restore/ttl-choice";

/**
 * The bulk-restore job as it is stored in S3 and served to the browser.
 * Isomorphic: the routes parse requests with these schemas and the pages read
 * these types. docs/BULK-RESTORE.md describes the lifecycle.
 */

/** One job restores at most this many items; a larger selection is refused before any work. */
export const MAX_JOB_ITEMS = 10_000;
/** A filter may span at most this many days. */
export const MAX_FILTER_DAYS = 92;
/** Items per checkpoint at most: a chunk's results are one S3 object, written once. */
export const DEFAULT_CHUNK_SIZE = 100;

const dayText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD");
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (UTC)");

export const selectionSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("archive-keys"),
    service: z.string().min(1).max(63),
    archiveKeys: z.array(z.string().min(1).max(1024)).min(1, "select at least one record").max(MAX_JOB_ITEMS, `a job holds at most ${MAX_JOB_ITEMS.toLocaleString("en-US")} items`),
  }),
  z.strictObject({
    kind: z.literal("filter"),
    service: z.string().min(1).max(63),
    from: dayText,
    to: dayText,
    type: z.enum(["ttl", "manual"]).optional(),
    prefix: z.string().min(1).max(2048).optional(),
    /** A time-of-day window applied to every day (UTC, HH:MM, `timeTo` taking its whole minute). */
    timeFrom: timeOfDay.optional(),
    timeTo: timeOfDay.optional(),
  }).refine((f) => f.timeFrom === undefined || f.timeTo === undefined || f.timeFrom <= f.timeTo, { path: ["timeTo"], message: "is before timeFrom (a window does not wrap past midnight: use two jobs)" }),
  z.strictObject({
    kind: z.literal("pasted-keys"),
    service: z.string().min(1).max(63),
    /** One key per line: partition key, optionally a tab and the sort key. */
    text: z.string().min(1, "paste at least one key").max(60_000),
  }),
]);
export type Selection = z.infer<typeof selectionSchema>;

export const planRequestSchema = z.strictObject({ selection: selectionSchema });

export const MIN_ITEMS_PER_SECOND = 1;
export const MAX_ITEMS_PER_SECOND = 10_000;

export const WRITE_MODES = ["item", "transaction"] as const;

export const runOptionsSchema = z.strictObject({
  /** Conflicting items are written only when an admin asks for it, each guarded by the live fingerprint seen in the plan. */
  overwriteConflicting: z.boolean().default(false),
  ttl: ttlChoiceSchema.default({ action: "keep" }),
  /** A cap on items written per second, so a restore leaves the table's write capacity to its own traffic; absent: as fast as the table accepts. */
  itemsPerSecond: z.number().int().min(MIN_ITEMS_PER_SECOND).max(MAX_ITEMS_PER_SECOND).optional(),
  /** Positions in the item list the admin unticked in the plan: never written, reported skipped. */
  exclude: z.array(z.number().int().min(0).max(MAX_JOB_ITEMS - 1)).max(MAX_JOB_ITEMS).optional(),
  /** `transaction`: items found absent are written in TransactWriteItems of up to 100 (far fewer requests, twice the write capacity); absent: one PutItem each. */
  writeMode: z.enum(WRITE_MODES).optional(),
});
export type WriteMode = (typeof WRITE_MODES)[number];
export type RunOptions = { overwriteConflicting: boolean; ttl: TtlChoice; itemsPerSecond?: number; exclude?: number[]; writeMode?: WriteMode };

export const PLAN_CATEGORIES = ["absent", "identical", "conflicting", "duplicate", "unreadable", "erased"] as const;
export type PlanCategory = (typeof PLAN_CATEGORIES)[number];

export interface PlanItem {
  /** Position in the job's item list; chunk c holds items [c * chunkSize, (c + 1) * chunkSize). */
  i: number;
  archiveKey: string;
  /** The table key taken from the archived image; null when the archive cannot supply it. */
  key: Record<string, KeyValue> | null;
  keyText: string;
  deletedAt: string | null;
  category: PlanCategory;
  reason?: string;
  /** itemFingerprint of the live item the plan saw ("absent" for none). */
  liveFingerprint?: string;
  /** itemFingerprint of the archived image: equal to the live one once the item is restored as it was. */
  archivedFingerprint?: string;
  ttlExpired?: boolean;
  /** The bundle member of a sealed record (a location, no content), so the run reads it again by range. */
  sealed?: { key: string; offset: number; length: number; size: number };
}

export type PlanCounts = Record<PlanCategory, number>;

export interface PlanSummary {
  counts: PlanCounts;
  ttl: { attribute: string; withTtl: number; expired: number } | null;
  /** Pasted lines (or selected keys) that did not resolve to an archived deletion. */
  unresolved: { input: string; reason: string }[];
  plannedAt: string;
  durationMs: number;
}

export const JOB_STATUSES = ["planned", "running", "cancelled", "completed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobActor {
  id: string;
  email: string;
  name: string;
}

export interface BulkRestoreJob {
  schemaVersion: 1;
  id: string;
  service: string;
  table: string;
  createdAt: string;
  createdBy: JobActor;
  selection: Selection;
  status: JobStatus;
  itemCount: number;
  chunkSize: number;
  chunkCount: number;
  plan: PlanSummary;
  /** Set when the job is started. */
  options?: RunOptions;
  run?: { startedAt: string; startedBy: JobActor; role: Role; auditOperationId: string };
  cancelledAt?: string;
  cancelledBy?: JobActor;
  finishedAt?: string;
}

export const ITEM_OUTCOMES = ["restored", "already-restored", "skipped", "failed"] as const;
export type ItemOutcome = (typeof ITEM_OUTCOMES)[number];

export interface ItemResult {
  i: number;
  archiveKey: string;
  keyText: string;
  outcome: ItemOutcome;
  /** Why an item was skipped or failed; what was done for the others. */
  reason: string;
  attempts: number;
}

export interface ChunkResult {
  schemaVersion: 1;
  /** The first chunk the result covers. */
  chunk: number;
  /** The last chunk it covers, when a checkpoint records several at once. */
  lastChunk?: number;
  runner: string;
  startedAt: string;
  finishedAt: string;
  items: ItemResult[];
  /** The runner stopped at a cancel: only the items listed were handled. */
  partial?: boolean;
}

export interface JobProgress {
  total: number;
  /** Restored, or found restored already. */
  done: number;
  skipped: number;
  failed: number;
  processed: number;
  percent: number;
  itemsPerSecond: number | null;
  etaSeconds: number | null;
  /** Result objects recorded (checkpoints), each covering one or more consecutive chunks. */
  chunksRecorded: number;
}

export interface JobView {
  job: BulkRestoreJob;
  progress: JobProgress;
  /** True when no runner holds a live lease on a running job (it will be resumed by this request). */
  resumed: boolean;
}

export interface PlanItemsView {
  items: PlanItem[];
  diffs: Record<number, DiffChange[]>;
}

export interface JobListEntry {
  id: string;
  service: string;
  status: JobStatus;
  itemCount: number;
  createdAt: string;
  createdBy: string;
}

/*
 * What a job's objects in S3 hold, parsed on every read: another console instance, or
 * an older version of this one, wrote them.
 */
const actorSchema = z.object({ id: z.string(), email: z.string(), name: z.string() });
const diffChangeSchema: z.ZodType<DiffChange> = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("added"), path: z.array(z.union([z.string(), z.number()])), live: attributeValueSchema }),
  z.object({ kind: z.literal("removed"), path: z.array(z.union([z.string(), z.number()])), archived: attributeValueSchema }),
  z.object({ kind: z.literal("changed"), path: z.array(z.union([z.string(), z.number()])), archived: attributeValueSchema, live: attributeValueSchema }),
]);

export const planItemSchema = z.object({
  i: z.number().int().min(0),
  archiveKey: z.string(),
  key: attributeRecord(keyValueSchema).nullable(),
  keyText: z.string(),
  deletedAt: z.string().nullable(),
  category: z.enum(PLAN_CATEGORIES),
  reason: z.string().optional(),
  liveFingerprint: z.string().optional(),
  archivedFingerprint: z.string().optional(),
  ttlExpired: z.boolean().optional(),
  sealed: z.object({ key: z.string().min(1), offset: z.number().int().min(0), length: z.number().int().min(1), size: z.number().int().min(0) }).strict().optional(),
}) satisfies z.ZodType<PlanItem>;

export const storedJobSchema = z.object({
  schemaVersion: z.literal(1),
  id: z.string(),
  service: z.string(),
  table: z.string(),
  createdAt: z.string(),
  createdBy: actorSchema,
  selection: selectionSchema,
  status: z.enum(JOB_STATUSES),
  itemCount: z.number().int().min(0),
  chunkSize: z.number().int().min(1),
  chunkCount: z.number().int().min(0),
  plan: z.object({
    counts: z.record(z.enum(PLAN_CATEGORIES), z.number().int().min(0)),
    ttl: z.object({ attribute: z.string(), withTtl: z.number(), expired: z.number() }).nullable(),
    unresolved: z.array(z.object({ input: z.string(), reason: z.string() })),
    plannedAt: z.string(),
    durationMs: z.number(),
  }),
  options: z
    .object({
      overwriteConflicting: z.boolean(),
      ttl: ttlChoiceSchema,
      itemsPerSecond: z.number().int().min(1).optional(),
      exclude: z.array(z.number().int().min(0)).optional(),
      writeMode: z.enum(WRITE_MODES).optional(),
    })
    .optional(),
  run: z.object({ startedAt: z.string(), startedBy: actorSchema, role: z.enum(ROLES), auditOperationId: z.string() }).optional(),
  cancelledAt: z.string().optional(),
  cancelledBy: actorSchema.optional(),
  finishedAt: z.string().optional(),
}) satisfies z.ZodType<BulkRestoreJob>;

export const storedItemsSchema = z.object({ items: z.array(planItemSchema) });
export const storedDiffsSchema = z.object({ diffs: z.record(z.string(), z.array(diffChangeSchema)) });

export const storedChunkResultSchema = z.object({
  schemaVersion: z.literal(1),
  chunk: z.number().int().min(0),
  lastChunk: z.number().int().min(0).optional(),
  runner: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  items: z.array(
    z.object({ i: z.number().int().min(0), archiveKey: z.string(), keyText: z.string(), outcome: z.enum(ITEM_OUTCOMES), reason: z.string(), attempts: z.number().int().min(0) }),
  ),
  partial: z.boolean().optional(),
}) satisfies z.ZodType<ChunkResult>;
