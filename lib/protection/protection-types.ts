/**
 * The protection health report: the shape GET /api/protection returns and the
 * pages render (isomorphic: no server-only imports). docs/PROTECTION.md documents it.
 */

/** "unknown": the check could not be made (an AWS error, shown with its message). */
export type Light = "green" | "amber" | "red" | "unknown";

export const LIGHT_ORDER: Record<Light, number> = { green: 0, unknown: 1, amber: 2, red: 3 };

export const LIGHT_LABEL: Record<Light, string> = {
  green: "Protected",
  amber: "Needs attention",
  red: "At risk",
  unknown: "Unknown",
};

export type CheckId = "pitr" | "deletion-protection" | "stream" | "ttl" | "mapping" | "dlq" | "alarms" | "seal";

export const CHECK_LABEL: Record<CheckId, string> = {
  pitr: "Point-in-time recovery",
  "deletion-protection": "Deletion protection",
  stream: "Stream",
  ttl: "Time to live",
  mapping: "Archiver event source mapping",
  dlq: "On-failure destination (DLQ)",
  alarms: "Alarms",
  seal: "Sealing",
};

/** What an admin can change from the console; nothing else is. */
export type ProtectionFix = "enable-pitr" | "enable-deletion-protection";

export interface Finding {
  severity: "red" | "amber";
  why: string;
  /** The setting to change, in words. */
  fix: string;
  /** The exact AWS CLI command, when one does it. */
  command?: string;
  /** Set when an admin can apply it from the console. */
  consoleFix?: ProtectionFix;
}

export type FactValue = string | number | boolean | null;

export interface Check {
  id: CheckId;
  label: string;
  status: Light;
  /** One line for the row: "ENABLED, 34.2 days restorable". */
  summary: string;
  /** Labelled values, in display order. */
  facts: { label: string; value: FactValue }[];
  findings: Finding[];
  /** Why the check is "unknown" (the AWS error, user-facing). */
  error?: string;
}

export interface ServiceProtection {
  service: string;
  table: string;
  status: Light;
  checks: Check[];
}

export interface ProtectionReport {
  generatedAt: string;
  status: Light;
  thresholds: { pitrCoverageDays: number; pitrRecoveryPeriodDays: number; streamRetentionHours: number; sealLagThresholdDays: number };
  services: ServiceProtection[];
}

export function worstLight(lights: Iterable<Light>): Light {
  let worst: Light = "green";
  for (const light of lights) if (LIGHT_ORDER[light] > LIGHT_ORDER[worst]) worst = light;
  return worst;
}
