import "server-only";
import { randomUUID } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { deletedByLabel } from "../attribution/day-attribution";
import type { SessionUser } from "../auth/roles";
import type { LazarusConfig } from "../config/schema";
import { utcToday } from "../reports/report-range";
import type { ReportRecord } from "../reports/report-records";
import { resolveServices } from "../search/local-engine";
import { searchWithAttribution } from "../search/match-attribution";
import { contentSearchAudit } from "../search/search-audit";
import type { SearchMatch } from "../search/search-events";
import { auditedExportStream } from "./audited-export-stream";
import { recordCells, type StartedExport } from "./deletion-export";
import { itemCell } from "./export-items";
import { COLUMN_HEADERS, CONTENT_TYPES, exportFileName, ITEM_HEADER, needsRestoreLookup, type ExportManifest, type SearchExportRequest } from "./export-format";
import { buildRestoreLookup, type RestoreLookup } from "./restore-lookup";

/**
 * The matches of a content search as CSV or JSON Lines, with the columns, manifest and
 * audit entries of a report export. The search is run again here from the validated
 * query, never from a list the browser holds, and stops at the query's cap as the page
 * does: the file holds what the page showed, or what it would show now.
 */

const BATCH = 100;

function toRecord(match: SearchMatch, table: string): ReportRecord {
  return {
    service: match.service,
    table,
    archiveKey: match.archiveKey,
    kind: "record",
    deletedAt: match.deletedAt,
    deletionType: match.deletionType,
    partitionKey: match.partitionKey,
    sortKey: match.sortKey,
    hashedKey: false,
    ...(match.deletedBy ? { deletedBy: deletedByLabel(match.deletedBy) } : {}),
  };
}

export async function startSearchExport(
  s3: S3Client,
  config: LazarusConfig,
  input: SearchExportRequest & { actor: SessionUser },
  now = new Date(),
): Promise<Omit<StartedExport, "expectedRows">> {
  const { search, format, columns, items } = input;
  const services = resolveServices(config, search.services);
  const tables = new Map(services.map((s) => [s.name, s.table.name]));
  const names = services.map((s) => s.name);
  const range = { from: search.from.slice(0, 10), to: search.to.slice(0, 10) };
  const fileName = exportFileName("search", names, range, format);
  const exportId = randomUUID();
  const filter: ExportManifest["filter"] = {
    kind: "search",
    services: names,
    range: { ...range, label: `${search.from} to ${search.to}` },
    columns: columns.map((c) => COLUMN_HEADERS[c]),
    ...(items !== "none" ? { items } : {}),
    search: contentSearchAudit(input.actor, search).details ?? {},
  };

  async function* batches(restores: RestoreLookup | null) {
    let batch: string[][] = [];
    for await (const event of searchWithAttribution(s3, config, search, { now, withImages: items !== "none" })) {
      if (event.type !== "match") continue;
      const cells = recordCells(toRecord(event.match, tables.get(event.match.service) ?? ""), columns, config.archive.bucket, restores);
      batch.push(items === "none" ? cells : [...cells, itemCell(event.match.image, items)]);
      if (batch.length === BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  const stream = await auditedExportStream(
    s3,
    config,
    {
      exportId,
      fileName,
      format,
      filter,
      headers: [...columns.map((c) => COLUMN_HEADERS[c]), ...(items !== "none" ? [ITEM_HEADER] : [])],
      ...(items !== "none" ? { jsonHeaders: [ITEM_HEADER] } : {}),
      actor: input.actor,
      generatedAt: now.toISOString(),
      noun: "matches",
      ...(names.length === 1 ? { service: names[0] } : {}),
      startedDetails: { cap: search.cap },
    },
    async () => batches(needsRestoreLookup(columns) ? await buildRestoreLookup(s3, config, { from: range.from, to: utcToday(now) }) : null),
  );
  return { exportId, fileName, contentType: CONTENT_TYPES[format], stream };
}
