import "server-only";
import { randomUUID } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import type { SessionUser } from "../auth/roles";
import type { LazarusConfig } from "../config/schema";
import { CONTENT_TYPES, EXPORT_FORMATS, exportFileName, type ExportFormat, type ExportManifest } from "../exports/export-format";
import { auditedExportStream } from "../exports/audited-export-stream";
import { quarterRange, quarterSchema, type DrillReport } from "./drill-report";
import { listDrillReports } from "./drill-store";

/**
 * A quarter's drill evidence: every stored drill report of the quarter, one row each,
 * as CSV or JSON Lines, streamed, with the same SHA-256 manifest and audit entries as a
 * deletion export (docs/DRILLS.md, "Evidence").
 */

export const evidenceQuerySchema = z
  .object({
    quarter: quarterSchema,
    format: z.enum(EXPORT_FORMATS).default("csv"),
    service: z.string().max(63).optional(),
  })
  .strict();

export const EVIDENCE_HEADERS = [
  "drill_id",
  "service",
  "source_table",
  "trigger",
  "requested_by",
  "started_at",
  "finished_at",
  "result",
  "reasons",
  "rto_seconds",
  "max_rto_minutes",
  "rpo_seconds",
  "pitr_latest_restorable",
  "restored_to",
  "items_live",
  "items_restored",
  "item_difference_percent",
  "item_tolerance_percent",
  "sample_checked",
  "sample_identical",
  "sample_failures",
  "scratch_table",
  "scratch_table_deleted",
  "audit_operation_id",
] as const;

const num = (n: number | null) => (n === null ? "" : String(Math.round(n * 100) / 100));

export function evidenceCells(r: DrillReport): string[] {
  return [
    r.id,
    r.service,
    r.sourceTable,
    r.trigger,
    r.requestedBy.email || r.requestedBy.name,
    r.startedAt,
    r.finishedAt,
    r.passed ? "passed" : "failed",
    r.reasons.join("; "),
    num(r.restore.rtoSeconds),
    String(r.restore.maxRtoMinutes),
    num(r.pitr.rpoSeconds),
    r.pitr.latest ?? "",
    r.restore.restoreDateTime ?? "",
    num(r.itemCount.live),
    num(r.itemCount.scratch),
    num(r.itemCount.differencePercent),
    String(r.itemCount.tolerancePercent),
    String(r.sample.checked),
    String(r.sample.identical),
    r.sample.failures.map((f) => `${f.archiveKey}: ${f.problem}`).join("; "),
    r.scratchTable.name,
    r.scratchTable.deleted ? "yes" : "no",
    r.auditOperationId,
  ];
}

export async function startDrillEvidenceExport(
  s3: S3Client,
  config: LazarusConfig,
  input: { quarter: string; format: ExportFormat; services: string[]; actor: SessionUser },
  now = new Date(),
) {
  const exportId = randomUUID();
  const range = quarterRange(input.quarter);
  const fileName = exportFileName("drills", input.services, range, input.format);
  const filter: ExportManifest["filter"] = { kind: "drills", services: input.services, range: { ...range, label: input.quarter } };
  const from = new Date(`${range.from}T00:00:00Z`);
  const to = new Date(new Date(`${range.to}T00:00:00Z`).getTime() + 86_400_000);
  async function* batches() {
    for (const service of input.services) {
      const reports = await listDrillReports(s3, config, service, { from, to });
      if (reports.length > 0) yield reports.map(evidenceCells);
    }
  }
  const stream = await auditedExportStream(
    s3,
    config,
    { exportId, fileName, format: input.format, filter, headers: EVIDENCE_HEADERS, actor: input.actor, generatedAt: now.toISOString(), noun: "drill reports" },
    () => batches(),
  );
  return { exportId, fileName, contentType: CONTENT_TYPES[input.format], stream };
}
