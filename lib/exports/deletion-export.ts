import "server-only";
import { randomUUID } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { getArchivedRecord } from "../archive/archive-reader";
import { getArchivedRecords } from "../archive/bulk-record-read";
import { keyValueText } from "../archive/attribute-value";
import type { SessionUser } from "../auth/roles";
import { matchesPrincipal, type PrincipalFilter } from "../attribution/principal-filter";
import { findService } from "../config/load";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { countServiceDays, type ServiceDays } from "../reports/deletion-report";
import { reportRecordPages, type ReportRecord } from "../reports/report-records";
import { utcToday, type ReportRange } from "../reports/report-range";
import {
  COLUMN_HEADERS,
  CONTENT_TYPES,
  exportFileName,
  ITEM_HEADER,
  needsRestoreLookup,
  type ExportColumn,
  type ExportFormat,
  type ExportItems,
  type ExportManifest,
} from "./export-format";
import { auditedExportStream } from "./audited-export-stream";
import { itemCell } from "./export-items";
import { buildRestoreLookup, type RestoreLookup } from "./restore-lookup";

/**
 * An export of a deletion report: audited before the first byte ("started"), the
 * rows generated day by day and page by page while the browser reads, and when the
 * last byte is out, the manifest written to S3 and the outcome audited with the
 * row count and the SHA-256 of exactly those bytes.
 */

export interface DeletionExportInput {
  services: readonly ServiceConfig[];
  range: ReportRange;
  format: ExportFormat;
  columns: readonly ExportColumn[];
  /** JSON Lines only: each record's deleted item too. */
  items?: ExportItems;
  /** Only the records this caller deleted (the report's record-list filter). */
  principal?: PrincipalFilter | undefined;
  actor: SessionUser;
}

export interface StartedExport {
  exportId: string;
  fileName: string;
  contentType: string;
  expectedRows: number;
  stream: ReadableStream<Uint8Array>;
}

export function recordCells(record: ReportRecord, columns: readonly ExportColumn[], bucket: string, restores: RestoreLookup | null): string[] {
  const restore = restores?.get(record.archiveKey);
  return columns.map((column) => {
    switch (column) {
      case "service":
        return record.service;
      case "table":
        return record.table;
      case "partitionKey":
        return record.partitionKey;
      case "sortKey":
        return record.sortKey ?? "";
      case "deletedAt":
        return record.deletedAt;
      case "deletionType":
        return record.deletionType;
      case "deletedBy":
        return record.deletedBy ?? "";
      case "archiveLocation":
        return `s3://${bucket}/${record.archiveKey}`;
      case "restored":
        return restore ? "yes" : "no";
      case "restoredAt":
        return restore?.at ?? "";
      case "restoredBy":
        return restore?.by ?? "";
    }
  });
}

/** GETs of archived objects at once while a page's hashed names are resolved. */
const KEY_READS = 8;

/**
 * A key too long or binary for an object name is hashed there; the object holds it.
 * Those rows (rare) read their object so the export shows the key itself. One that
 * cannot be read (in Glacier, removed meanwhile) keeps the name's `hashed:` text,
 * which still identifies the object.
 */
async function withFullKeys(s3: S3Client, config: LazarusConfig, records: ReportRecord[]): Promise<ReportRecord[]> {
  const read = pLimit(KEY_READS);
  return Promise.all(
    records.map((record) => {
      if (!record.hashedKey) return record;
      const service = findService(config, record.service);
      if (!service) return record;
      return read(async () => {
        const result = await getArchivedRecord(s3, config, service, record.archiveKey);
        if (!result.ok) return record;
        const { keys } = result.deletion;
        const partition = keys[service.table.partitionKey.name];
        const sort = service.table.sortKey ? keys[service.table.sortKey.name] : undefined;
        return { ...record, partitionKey: partition ? keyValueText(partition) : record.partitionKey, sortKey: sort ? keyValueText(sort) : record.sortKey };
      });
    }),
  );
}

/**
 * The deleted items of a page (one service-day): a sealed day's through its manifest and
 * coalesced ranged GETs of its bundles, an open day's one GET per object, as bulk restore
 * reads them. An item that cannot be read (in Glacier, removed meanwhile) is null.
 */
async function itemsOf(s3: S3Client, config: LazarusConfig, records: readonly ReportRecord[], items: Exclude<ExportItems, "none">): Promise<string[]> {
  const service = records[0] ? findService(config, records[0].service) : undefined;
  if (!service) return records.map(() => "null");
  const read = await getArchivedRecords(s3, config, service, records.map((r) => r.archiveKey));
  return read.map((result) => itemCell(result.ok ? result.deletion.oldImage : undefined, items));
}

async function* recordBatches(
  s3: S3Client,
  config: LazarusConfig,
  scope: readonly ServiceDays[],
  columns: readonly ExportColumn[],
  restores: RestoreLookup | null,
  items: ExportItems,
  principal: PrincipalFilter | undefined,
) {
  const needsKeys = columns.includes("partitionKey") || columns.includes("sortKey");
  for await (const page of reportRecordPages(s3, config, scope, { withDeletedBy: columns.includes("deletedBy") || principal !== undefined })) {
    const kept = principal ? page.records.filter((r) => matchesPrincipal(r.callerLabel, principal)) : page.records;
    if (kept.length === 0) continue;
    const records = needsKeys ? await withFullKeys(s3, config, kept) : kept;
    const cells = records.map((r) => recordCells(r, columns, config.archive.bucket, restores));
    if (items === "none") yield cells;
    else {
      const itemCells = await itemsOf(s3, config, records, items);
      yield cells.map((row, i) => [...row, itemCells[i] ?? "null"]);
    }
  }
}

export async function startDeletionExport(s3: S3Client, config: LazarusConfig, input: DeletionExportInput, now = new Date()): Promise<StartedExport> {
  const scope = await countServiceDays(s3, config, input.services, input.range);
  // With a caller filter only the join tells which records are the caller's: the total is then an upper bound (the report's manual deletions).
  const expectedRows = scope.reduce((n, s) => n + s.days.reduce((m, d) => m + (input.principal ? d.manual : d.ttl + d.manual + d.unknown), 0), 0);
  const services = input.services.map((s) => s.name);
  const fileName = exportFileName("deletions", services, input.range, input.format);
  const exportId = randomUUID();
  const items = input.items ?? "none";
  const filter: ExportManifest["filter"] = { kind: "deletions", services, range: input.range, columns: input.columns.map((c) => COLUMN_HEADERS[c]), ...(items !== "none" ? { items } : {}), ...(input.principal ? { principal: input.principal } : {}) };
  const stream = await auditedExportStream(
    s3,
    config,
    {
      exportId,
      fileName,
      format: input.format,
      filter,
      headers: [...input.columns.map((c) => COLUMN_HEADERS[c]), ...(items !== "none" ? [ITEM_HEADER] : [])],
      ...(items !== "none" ? { jsonHeaders: [ITEM_HEADER] } : {}),
      actor: input.actor,
      generatedAt: now.toISOString(),
      noun: "rows",
      ...(services.length === 1 ? { service: services[0] } : {}),
      startedDetails: { expectedRows },
    },
    async () => {
      const restores = needsRestoreLookup(input.columns) ? await buildRestoreLookup(s3, config, { from: input.range.from, to: utcToday(now) }) : null;
      return recordBatches(s3, config, scope, input.columns, restores, items, input.principal);
    },
  );
  return { exportId, fileName, contentType: CONTENT_TYPES[input.format], expectedRows, stream };
}

/** Response headers for a started export (attachment with its file name, progress total, manifest id). */
export function exportHeaders(started: { exportId: string; fileName: string; contentType: string; expectedRows?: number }): Headers {
  const headers = new Headers({
    "Content-Type": started.contentType,
    "Content-Disposition": `attachment; filename="${started.fileName}"`,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Lazarus-Export-Id": started.exportId,
  });
  if (started.expectedRows !== undefined) headers.set("X-Lazarus-Expected-Rows", String(started.expectedRows));
  return headers;
}

