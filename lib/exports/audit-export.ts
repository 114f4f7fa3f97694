import "server-only";
import { randomUUID } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { scanAuditEntries, type AuditEntry } from "../audit/audit-log";
import type { AuditFilter } from "../audit/audit-filter";
import type { SessionUser } from "../auth/roles";
import type { LazarusConfig } from "../config/schema";
import { CONTENT_TYPES, exportFileName, type ExportManifest } from "./export-format";
import { auditedExportStream } from "./audited-export-stream";

/**
 * The audit log browser's CSV: every entry of the range that matches the filter,
 * oldest first, read a day page at a time. Audited like a record export and given
 * a manifest too (the log is evidence; so is an extract of it).
 */

export const AUDIT_CSV_HEADERS = [
  "at",
  "action",
  "outcome",
  "actor_name",
  "actor_email",
  "actor_id",
  "role",
  "service",
  "table",
  "key",
  "archive_key",
  "mode",
  "message",
  "operation_id",
  "entry_id",
  "details",
] as const;

function keyJson(entry: AuditEntry): string {
  return entry.key ? JSON.stringify(entry.key) : "";
}

export function auditCells(entry: AuditEntry): string[] {
  return [
    entry.at,
    entry.action,
    entry.outcome,
    entry.actor.name,
    entry.actor.email,
    entry.actor.id,
    entry.role ?? "",
    entry.service ?? "",
    entry.table ?? "",
    keyJson(entry),
    entry.archiveKey ?? "",
    entry.mode ?? "",
    entry.message ?? "",
    entry.operationId,
    entry.id,
    entry.details ? JSON.stringify(entry.details) : "",
  ];
}

async function* auditBatches(s3: S3Client, config: LazarusConfig, range: { from: string; to: string }, filter: AuditFilter) {
  let batch: string[][] = [];
  for await (const entry of scanAuditEntries(s3, config, range, filter)) {
    batch.push(auditCells(entry));
    if (batch.length === 500) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

export async function startAuditExport(
  s3: S3Client,
  config: LazarusConfig,
  input: { range: { from: string; to: string }; filter: AuditFilter; actor: SessionUser },
  now = new Date(),
) {
  const exportId = randomUUID();
  const fileName = exportFileName("audit", input.filter.service ? [input.filter.service] : [], input.range, "csv");
  const audit = Object.fromEntries(Object.entries(input.filter).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const filter: ExportManifest["filter"] = { kind: "audit", services: input.filter.service ? [input.filter.service] : [], range: { ...input.range, label: "custom" }, audit };
  const stream = await auditedExportStream(
    s3,
    config,
    { exportId, fileName, format: "csv", filter, headers: AUDIT_CSV_HEADERS, actor: input.actor, generatedAt: now.toISOString(), noun: "audit entries" },
    () => auditBatches(s3, config, input.range, input.filter),
  );
  return { exportId, fileName, contentType: CONTENT_TYPES.csv, stream };
}
