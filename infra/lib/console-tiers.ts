/**
 * Where console features keep their objects. The modules that define them import
 * "server-only", which the CDK app cannot load, so they are repeated here;
 * console-policies.test.ts checks each against its source.
 */
export const CONSOLE_KEY_SEGMENTS = {
  /** lib/erasure/erasure-ledger.ts ERASURE_SEGMENT: `{prefix}_erasures/{service}/{keyHash}.json`. */
  erasures: "_erasures",
  /** lib/exports/export-manifest.ts EXPORTS_SEGMENT: `{prefix}_exports/{exportId}.manifest.json`. */
  exports: "_exports",
  /** lib/bulk-restore/job-store.ts jobsPrefix(). */
  bulkRestoreJobs: "_jobs/bulk-restore",
  /** lib/pitr/pitr-store.ts PITR_JOBS_SEGMENT. */
  pitrJobs: "_jobs/pitr",
  /** lib/archive/day-lease.ts LEASE_SEGMENT: `{prefix}_leases/{service}/{yyyy}/{mm}/{dd}.json`, held by sealing and erasure. */
  dayLeases: "_leases",
  /** lib/approvals/approval-store.ts APPROVALS_SEGMENT: `{prefix}_approvals/{requestId}.json`. */
  approvals: "_approvals",
  /** lib/drills/drill-store.ts DRILLS_SEGMENT: `{prefix}_drills/{service}/{time}_{id}.json`, one report per restore drill. */
  drills: "_drills",
  /** lib/alerts/alerts.ts ALERTS_SEGMENT: `{prefix}_alerts/{subject}.json`, what each alert last told, changed only with conditional writes. */
  alerts: "_alerts",
  /** lib/dlq/discarded-layout.ts DISCARDED_SEGMENT: `{prefix}_discarded/{service}/{time}-{hex}.json`, copies of discarded failed batches. */
  discarded: "_discarded",
  /** lib/attribution/attribution-layout.ts ATTRIBUTION_SEGMENT: who deleted which key, read wherever deletions are shown. */
  attribution: "_attribution",
  /** lib/dlq/failure-source.ts FAILURE_OBJECT_PREFIX: where Lambda names failed-batch objects. */
  failedBatches: "aws/lambda/",
  /** lib/pitr/pitr-types.ts suggestTargetName(): `{table}-restored-{time}`. */
  restoredTable: "-restored-",
} as const;

/**
 * Folders of the console's own state start with "_"; a service name never does
 * (lib/config/schema.ts serviceName), so `{prefix}_*` is everything but archived records.
 */
export const CONSOLE_STATE_MARK = "_";

/**
 * The top folders of the console's state (`{prefix}_audit`, `_erasures`, `_exports`, `_jobs`, `_leases`, ...) but the ones
 * named: for a role that must reach one of them and none of the others, where a deny of `{prefix}_*` would cover all.
 */
export function consoleStateFoldersBut(...allowed: string[]): string[] {
  const folders = new Set([AUDIT_FOLDER, ...Object.values(CONSOLE_KEY_SEGMENTS).filter((s) => s.startsWith(CONSOLE_STATE_MARK)).map((s) => s.split("/")[0] as string)]);
  for (const folder of allowed) folders.delete(folder);
  return [...folders].sort();
}

/** lib/audit/audit-layout.ts AUDIT_SEGMENT. */
const AUDIT_FOLDER = "_audit";

/** Each tier grants everything the ones before it do. */
export const CONSOLE_TIERS = ["read-only", "restore", "compliance", "admin"] as const;
export type ConsoleTier = (typeof CONSOLE_TIERS)[number];

export const TIER_DESCRIPTIONS: Record<ConsoleTier, string> = {
  "read-only": "Lazarus console, read-only: browse and preview archived deletions, compare with live items, see protection status",
  restore: "Lazarus console, restore: read-only plus putting archived items back, Glacier retrievals and the audit log",
  compliance: "Lazarus console, compliance: restore plus erasure and redaction of archived records, failed batches and job state, and report exports",
  admin: "Lazarus console, admin: compliance plus DLQ replay, bulk restore, point-in-time restore and table protection fixes",
};

/** The items if `tier` includes `first`. */
export function fromTier<T>(tier: ConsoleTier, first: ConsoleTier, ...items: T[]): T[] {
  return CONSOLE_TIERS.indexOf(tier) >= CONSOLE_TIERS.indexOf(first) ? items : [];
}
