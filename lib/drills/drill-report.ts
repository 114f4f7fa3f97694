import { z } from "zod";

/**
 * A restore drill's report, as stored under `{prefix}_drills/` and shown on the Drills
 * page. Isomorphic: the page renders it and the evidence export writes it.
 */

export const DRILL_TRIGGERS = ["schedule", "on-demand"] as const;
export type DrillTrigger = (typeof DRILL_TRIGGERS)[number];

const actor = z.object({ id: z.string().max(512), email: z.string().max(512), name: z.string().max(512) }).strict();

const sampleFailure = z
  .object({
    archiveKey: z.string().max(1024),
    /** What differed or failed, in words; never the item's values. */
    problem: z.string().max(500),
  })
  .strict();

export const drillReportSchema = z
  .object({
    schemaVersion: z.literal(1),
    id: z.uuid(),
    service: z.string().max(63),
    sourceTable: z.string().max(255),
    trigger: z.enum(DRILL_TRIGGERS),
    requestedBy: actor,
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
    passed: z.boolean(),
    /** Why it failed, one line per check that failed; empty when it passed. */
    reasons: z.array(z.string().max(500)),
    scratchTable: z
      .object({
        name: z.string().max(255),
        /** Confirmed gone (DescribeTable says so) or deleting; false leaves it to the next drill's sweep. */
        deleted: z.boolean(),
        problem: z.string().max(500).optional(),
      })
      .strict(),
    restore: z
      .object({
        status: z.enum(["active", "timed-out", "refused", "failed"]),
        /** The point DynamoDB restored to (RestoreSummary.RestoreDateTime), when it said. */
        restoreDateTime: z.iso.datetime().optional(),
        /** From RestoreTableToPointInTime to the first ACTIVE seen; null when never ACTIVE. */
        rtoSeconds: z.number().nonnegative().nullable(),
        maxRtoMinutes: z.number(),
      })
      .strict(),
    pitr: z
      .object({
        earliest: z.iso.datetime().nullable(),
        latest: z.iso.datetime().nullable(),
        /** now - LatestRestorableDateTime at the drill's start: the data a restore now would lose. */
        rpoSeconds: z.number().nonnegative().nullable(),
      })
      .strict(),
    itemCount: z
      .object({
        live: z.number().int().nonnegative().nullable(),
        scratch: z.number().int().nonnegative().nullable(),
        differencePercent: z.number().nullable(),
        tolerancePercent: z.number(),
        ok: z.boolean().nullable(),
      })
      .strict(),
    sample: z
      .object({
        requested: z.number().int().nonnegative(),
        sampleDays: z.number().int().positive(),
        /** Archived records found in the window (the sample is drawn from these). */
        available: z.number().int().nonnegative(),
        checked: z.number().int().nonnegative(),
        identical: z.number().int().nonnegative(),
        failures: z.array(sampleFailure).max(1_000),
        ok: z.boolean().nullable(),
      })
      .strict(),
    auditOperationId: z.string().max(64),
  })
  .strict();

export type DrillReport = z.infer<typeof drillReportSchema>;

/** What `POST /api/drills/run` answers (202): the drill to poll, and where. */
export interface DrillStarted {
  drill: { service: string; id: string; startedAt: string };
  statusUrl: string;
}

/** What `GET /api/drills/run` answers for a started drill. */
export type DrillRunState = { state: "running" } | { state: "finished"; report: DrillReport } | { state: "missing"; message: string };

/** "2 min 5 s", for RTO and RPO in tables and messages. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3_600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3_600)} h ${Math.floor((s % 3_600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3_600)} h`;
}

/** Calendar quarters as "2026-Q4", the unit auditors ask evidence for. */
export const quarterSchema = z.string().regex(/^\d{4}-Q[1-4]$/, "must be a quarter such as 2026-Q4");

export function quarterRange(quarter: string): { from: string; to: string } {
  const [year, q] = [Number(quarter.slice(0, 4)), Number(quarter.slice(6))];
  const startMonth = (q - 1) * 3;
  const from = new Date(Date.UTC(year, startMonth, 1));
  const to = new Date(Date.UTC(year, startMonth + 3, 0));
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

export function quarterOf(date: Date): string {
  return `${date.getUTCFullYear()}-Q${Math.floor(date.getUTCMonth() / 3) + 1}`;
}
