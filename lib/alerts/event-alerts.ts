import "server-only";
import { z } from "zod";
import type { ApprovalRequest } from "../approvals/approval-types";
import { APPROVAL_KIND_LABELS } from "../approvals/approval-types";
import type { Light, ProtectionReport } from "../protection/protection-types";
import { alertOnce, alertOnChange, type AlertContext } from "./alerts";
import type { Alert } from "./alert-types";

/**
 * The alerts each part of Lazarus raises, one function per event (docs/ALERTS.md).
 * Callers in the console run them in the background (alertInBackground); scheduled
 * Lambdas await them.
 */

const LIGHTS = ["green", "amber", "red", "unknown"] as const;

const protectionState = z.strictObject({
  schemaVersion: z.literal(1),
  services: z.record(z.string(), z.strictObject({ light: z.enum(LIGHTS), dlqDepth: z.number().int().min(0).nullable() })),
});
type ProtectionState = z.infer<typeof protectionState>;

/**
 * After a protection report: a service whose light turned red, and a DLQ that holds more
 * failed batches than last time, are told once. "unknown" (a describe call failed) and
 * an unreadable DLQ keep the last known value, so a passing AWS error does not re-alert.
 * A report of some services (one service's page) leaves the others' state as it was.
 */
export async function alertProtectionReport(context: AlertContext, report: ProtectionReport, dlqDepths: ReadonlyMap<string, number | null>): Promise<Alert[]> {
  const observed = (previous: ProtectionState | null): ProtectionState => {
    const services = { ...(previous?.services ?? {}) };
    for (const s of report.services) {
      const before = services[s.service];
      const light: Light = s.status === "unknown" ? (before?.light ?? "unknown") : s.status;
      const depth = dlqDepths.get(s.service);
      services[s.service] = { light, dlqDepth: depth === undefined || depth === null ? (before?.dlqDepth ?? null) : depth };
    }
    return { schemaVersion: 1, services };
  };
  return alertOnChange(context, "protection", protectionState, observed, (previous, next) => {
    const alerts: Alert[] = [];
    for (const s of report.services) {
      const before = previous?.services[s.service];
      const now = next.services[s.service];
      if (!now) continue;
      if (now.light === "red" && before?.light !== "red") {
        const red = s.checks.filter((c) => c.status === "red");
        alerts.push({
          event: "protection-red",
          service: s.service,
          title: `${s.service} (${s.table}) is at risk: ${red.map((c) => c.label).join(", ") || "a check"} turned red`,
          lines: red.map((c) => `${c.label}: ${c.summary}`),
          path: `/protection/${s.service}`,
        });
      }
      if (now.dlqDepth !== null && now.dlqDepth > (before?.dlqDepth ?? 0)) {
        alerts.push({
          event: "dlq-grew",
          service: s.service,
          title: `${s.service}: ${now.dlqDepth} failed batch${now.dlqDepth === 1 ? "" : "es"} in the DLQ (was ${before?.dlqDepth ?? 0})`,
          lines: ["Deletions in these batches are not in the archive. Fix the cause, then replay them; with an SQS DLQ their records leave the stream after 24 hours."],
          path: "/dlq",
        });
      }
    }
    return alerts;
  });
}

export function alertApprovalRequested(context: AlertContext, request: ApprovalRequest): Promise<boolean> {
  return alertOnce(context, `approvals/${request.id}`, {
    event: "approval-requested",
    ...(request.summary.service ? { service: request.summary.service } : {}),
    title: `${request.requestedBy.email} asks for a second person: ${request.summary.title}`,
    lines: [`${APPROVAL_KIND_LABELS[request.kind]} request, expires ${request.expiresAt}.`],
    path: `/approvals/${request.id}`,
  });
}

export interface ErasureRan {
  auditId: string;
  mode: "erase" | "redact";
  outcome: "succeeded" | "failed" | "refused";
  actorEmail: string;
  services: string[];
  message: string;
}

/** Names who, what kind, where and how it ended; never the erased key (the alert goes to chat and mail). */
export function alertErasureRan(context: AlertContext, erasure: ErasureRan): Promise<boolean> {
  return alertOnce(context, `erasures/${erasure.auditId}`, {
    event: "erasure-ran",
    title: `${erasure.actorEmail} ran an ${erasure.mode === "erase" ? "erasure" : "redaction"} in ${erasure.services.join(", ") || "every service"}: ${erasure.outcome}`,
    lines: [erasure.message.replace(/\s+/g, " ").slice(0, 500), `Audit operation ${erasure.auditId}.`],
    path: "/audit",
  });
}

const drillState = z.strictObject({ schemaVersion: z.literal(1), outcome: z.enum(["passed", "failed"]), drillId: z.string().max(200), at: z.iso.datetime() });

export interface DrillOutcome {
  service: string;
  drillId: string;
  passed: boolean;
  /** Why it failed, in words (item count out of tolerance, a sample not byte-identical, a timeout). */
  reasons: string[];
  /** The drill's page or report in the console. */
  path: string;
  at?: Date;
}

/**
 * For restore drills: call after every drill, passed or failed. A service whose drills
 * start failing is told once; it is told again only after a drill has passed in between.
 */
export function alertDrillOutcome(context: AlertContext, drill: DrillOutcome): Promise<Alert[]> {
  const at = (drill.at ?? new Date()).toISOString();
  return alertOnChange(
    context,
    `drills/${drill.service}`,
    drillState,
    () => ({ schemaVersion: 1, outcome: drill.passed ? "passed" : "failed", drillId: drill.drillId, at }),
    (previous, next) =>
      next.outcome === "failed" && previous?.outcome !== "failed"
        ? [{ event: "drill-failed", service: drill.service, title: `The restore drill of ${drill.service} failed`, lines: drill.reasons.slice(0, 10), path: drill.path }]
        : [],
  );
}

const sealState = z.strictObject({ schemaVersion: z.literal(1), outcome: z.enum(["sealed", "failed"]), at: z.iso.datetime() });

export interface SealRunOutcome {
  /** Days a run started and could not seal. */
  failedDays: number;
  /** Services a run could not list. */
  servicesFailed: number;
  /** One line per failed day or service: service, day and what went wrong, never record contents. */
  problems: string[];
  at?: Date;
}

/**
 * For the scheduled sealing: call after every run. Runs that start failing are told
 * once; told again only after a run that left nothing it started unsealed.
 */
export function alertSealOutcome(context: AlertContext, run: SealRunOutcome): Promise<Alert[]> {
  const failed = run.failedDays > 0 || run.servicesFailed > 0;
  const at = (run.at ?? new Date()).toISOString();
  return alertOnChange(
    context,
    "sealing",
    sealState,
    () => ({ schemaVersion: 1, outcome: failed ? "failed" : "sealed", at }),
    (previous, next) =>
      next.outcome === "failed" && previous?.outcome !== "failed"
        ? [
            {
              event: "seal-failed",
              title: `Sealing left ${run.failedDays} day${run.failedDays === 1 ? "" : "s"} and ${run.servicesFailed} service${run.servicesFailed === 1 ? "" : "s"} unsealed`,
              lines: [...run.problems.slice(0, 10), "Unsealed days stay readable as objects; the next run takes them up. The sealing function's log says more."],
              path: "/protection",
            },
          ]
        : [],
  );
}
