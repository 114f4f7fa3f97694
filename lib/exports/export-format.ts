import { z } from "zod";
import { reportQuerySchema } from "../reports/report-range";
import { principalParamsShape, type PrincipalFilter } from "../attribution/principal-filter";
import { contentSearchSchema } from "../search/content-query";

/**
 * What an export of a deletion report can hold and how its file is named.
 * Isomorphic: the export panel offers these columns and predicts the file name.
 */

export const EXPORT_COLUMNS = [
  "service",
  "table",
  "partitionKey",
  "sortKey",
  "deletedAt",
  "deletionType",
  "archiveLocation",
  "restored",
  "restoredAt",
  "restoredBy",
  // Last, so files read by column position before it existed still read the same.
  "deletedBy",
] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];

/** Column headers as they appear in the file (CSV header, JSON Lines keys). */
export const COLUMN_HEADERS: Record<ExportColumn, string> = {
  service: "service",
  table: "table",
  partitionKey: "partition_key",
  sortKey: "sort_key",
  deletedAt: "deleted_at",
  deletionType: "deletion_type",
  deletedBy: "deleted_by",
  archiveLocation: "archive_location",
  restored: "restored_since",
  restoredAt: "restored_at",
  restoredBy: "restored_by",
};

export const COLUMN_LABELS: Record<ExportColumn, string> = {
  service: "Service",
  table: "Table",
  partitionKey: "Partition key",
  sortKey: "Sort key",
  deletedAt: "Deleted at (UTC)",
  deletionType: "Deletion type",
  deletedBy: "Deleted by (IAM principal)",
  archiveLocation: "Archive location",
  restored: "Restored since? (yes/no)",
  restoredAt: "Restored when",
  restoredBy: "Restored by",
};

export const EXPORT_FORMATS = ["csv", "jsonl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  jsonl: "application/x-ndjson; charset=utf-8",
};

/**
 * JSON Lines can also carry each deleted item: `typed` as archived (DynamoDB JSON, numbers
 * as strings), `plain` as an application wrote it (unmarshalled; numbers as JSON numbers
 * with every digit, so a 38-digit number is not rounded in the file). Under the key `item`.
 */
export const EXPORT_ITEMS = ["none", "typed", "plain"] as const;
export type ExportItems = (typeof EXPORT_ITEMS)[number];
export const ITEM_HEADER = "item";

const itemsField = z.enum(EXPORT_ITEMS).default("none");

/** A CSV cell is text: items go in JSON Lines only. */
function itemsNeedJsonLines(value: { format: ExportFormat; items: ExportItems }, ctx: z.RefinementCtx): void {
  if (value.items !== "none" && value.format !== "jsonl") ctx.addIssue({ code: "custom", path: ["items"], message: "items are written in JSON Lines only: choose JSON Lines" });
}

/** Columns that need the audit log read for the range (restores since the range start). */
export function needsRestoreLookup(columns: readonly ExportColumn[]): boolean {
  return columns.some((c) => c === "restored" || c === "restoredAt" || c === "restoredBy");
}

const columnsField = z
  .array(z.enum(EXPORT_COLUMNS))
  .min(1, "choose at least one column")
  .max(EXPORT_COLUMNS.length)
  .default([...EXPORT_COLUMNS])
  // The file's column order is the canonical one, whatever order they were ticked in.
  .transform((cols) => EXPORT_COLUMNS.filter((c) => cols.includes(c)));

export const exportRequestSchema = reportQuerySchema
  .extend({
    format: z.enum(EXPORT_FORMATS).default("csv"),
    columns: columnsField,
    items: itemsField,
    // Only this caller's records, as the report's record list filters them (docs/ATTRIBUTION.md).
    ...principalParamsShape,
  })
  .superRefine(itemsNeedJsonLines);

/** An export of a content search's matches: the search itself (run again on the server), and the file's shape. */
export const searchExportRequestSchema = z
  .strictObject({
    search: contentSearchSchema,
    format: z.enum(EXPORT_FORMATS).default("csv"),
    columns: columnsField,
    items: itemsField,
  })
  .superRefine(itemsNeedJsonLines);
export type SearchExportRequest = z.infer<typeof searchExportRequestSchema>;
export type ExportRequest = z.infer<typeof exportRequestSchema>;

/** Characters a file name keeps; service names are already [a-z0-9-]. */
function safePart(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 63);
}

/**
 * `lazarus-deletions_{service}+{service}_{from}_{to}.{csv|jsonl}`: which services
 * and which days, readable in a downloads folder. Many services are summarised so
 * the name stays under file-system limits.
 */
export function exportFileName(kind: ExportKind, services: readonly string[], range: { from: string; to: string }, format: ExportFormat): string {
  const sorted = [...services].map(safePart).sort();
  const who = sorted.length === 0 ? "all" : sorted.length <= 4 ? sorted.join("+") : `${sorted.slice(0, 3).join("+")}+${sorted.length - 3}-more`;
  return `lazarus-${kind}_${who}_${range.from}_${range.to}.${format}`;
}

export function manifestFileName(fileName: string): string {
  return `${fileName}.manifest.json`;
}

export type ExportKind = "deletions" | "audit" | "drills" | "search";

/** The manifest written beside every export: enough to show the file is the one produced. */
export interface ExportManifest {
  schemaVersion: 1;
  exportId: string;
  fileName: string;
  format: ExportFormat;
  contentType: string;
  rowCount: number;
  byteCount: number;
  sha256: string;
  filter: {
    kind: ExportKind;
    services: string[];
    range: { from: string; to: string; label: string };
    columns?: string[];
    audit?: Record<string, string>;
    /** JSON Lines exports that carry each deleted item, and in which form. */
    items?: "typed" | "plain";
    /** A content search's conditions, window, principal and cap, as its audit entry keeps them (values hashed). */
    search?: Record<string, unknown>;
    /** A report export's caller filter: only the records this caller deleted. */
    principal?: PrincipalFilter;
  };
  generatedAt: string;
  completedAt: string;
  generatedBy: { id: string; email: string; name: string; role: string };
  auditOperationId: string;
}

/** Response headers an export carries, so the browser can show progress and fetch the manifest. */
export const EXPORT_ID_HEADER = "X-Lazarus-Export-Id";
export const EXPECTED_ROWS_HEADER = "X-Lazarus-Expected-Rows";
