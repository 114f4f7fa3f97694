import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import { appendAuditEntry } from "../audit/audit-log";
import type { SessionUser } from "../auth/roles";
import type { LazarusConfig } from "../config/schema";
import { CONTENT_TYPES, type ExportFormat, type ExportManifest } from "./export-format";
import { writeManifest } from "./export-manifest";
import { createExportStream } from "./export-stream";

/**
 * Every export is evidence, so every export runs the same way: a "started" audit entry
 * before anything is read (if the log cannot be written, nothing is exported), the rows
 * streamed as the browser reads, and when the last byte is out the manifest written and
 * the outcome audited with the SHA-256 of exactly those bytes; a failed or cancelled
 * download is audited as failed with the rows handed out so far.
 */
export interface AuditedExportSpec {
  exportId: string;
  fileName: string;
  format: ExportFormat;
  filter: ExportManifest["filter"];
  headers: readonly string[];
  /** JSON Lines headers whose cells are JSON text (the item). */
  jsonHeaders?: readonly string[];
  actor: SessionUser;
  generatedAt: string;
  /** What a row is, for the outcome's message: "rows", "audit entries". */
  noun: string;
  /** Named on the started and succeeded entries when the export covers one service. */
  service?: string;
  /** More to record on the started entry (the expected row count). */
  startedDetails?: Record<string, unknown>;
}

export async function auditedExportStream(
  s3: S3Client,
  config: LazarusConfig,
  spec: AuditedExportSpec,
  /** Called after the started entry is written: reads done here are covered by it. */
  produceBatches: () => Promise<AsyncIterable<readonly (readonly string[])[]>> | AsyncIterable<readonly (readonly string[])[]>,
): Promise<ReadableStream<Uint8Array>> {
  const { exportId, fileName, format, filter } = spec;
  const actor = { id: spec.actor.id, email: spec.actor.email, name: spec.actor.name };
  const base = { operationId: exportId, actor, role: spec.actor.role, action: "export" as const };
  const service = spec.service !== undefined ? { service: spec.service } : {};
  await appendAuditEntry(s3, config, {
    ...base,
    outcome: "started",
    ...service,
    message: `export of ${fileName} started`,
    details: { exportId, fileName, format, filter, ...spec.startedDetails },
  });
  const batches = await produceBatches();
  return createExportStream({
    format,
    headers: spec.headers,
    ...(spec.jsonHeaders ? { jsonHeaders: spec.jsonHeaders } : {}),
    batches,
    onComplete: async (result) => {
      const manifestKey = await writeManifest(s3, config, {
        schemaVersion: 1,
        exportId,
        fileName,
        format,
        contentType: CONTENT_TYPES[format],
        ...result,
        filter,
        generatedAt: spec.generatedAt,
        completedAt: new Date().toISOString(),
        generatedBy: { ...actor, role: spec.actor.role },
        auditOperationId: exportId,
      });
      await appendAuditEntry(s3, config, {
        ...base,
        outcome: "succeeded",
        ...service,
        message: `exported ${result.rowCount} ${spec.noun} to ${fileName}`,
        details: { exportId, fileName, format, filter, rowCount: result.rowCount, byteCount: result.byteCount, sha256: result.sha256, manifestKey },
      });
    },
    onAbort: async ({ kind, message, rowsSoFar }) => {
      await appendAuditEntry(s3, config, {
        ...base,
        outcome: "failed",
        message: `${kind} after ${rowsSoFar} rows: ${message}`.slice(0, 2000),
        details: { exportId, fileName, filter, rowsSoFar },
      });
    },
  });
}
