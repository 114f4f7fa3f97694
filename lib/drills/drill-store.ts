import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { listPages } from "../archive/object-listing";
import { getJson, putJson } from "../aws/s3-json";
import type { LazarusConfig } from "../config/schema";
import { drillReportSchema, type DrillReport } from "./drill-report";

/**
 * Drill reports live in the archive bucket beside the console's other state:
 * `{prefix}_drills/{service}/{yyyymmddThhmmssZ}_{id}.json`, written once. Names sort by
 * start time, so a quarter is one listing from its first second.
 */
export const DRILLS_SEGMENT = "_drills";

const servicePrefix = (config: LazarusConfig, service: string) => `${config.archive.prefix}${DRILLS_SEGMENT}/${service}/`;
const stamp = (iso: string) => iso.replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");

export function drillReportKey(config: LazarusConfig, report: Pick<DrillReport, "service" | "startedAt" | "id">): string {
  return `${servicePrefix(config, report.service)}${stamp(report.startedAt)}_${report.id}.json`;
}

export async function saveDrillReport(s3: S3Client, config: LazarusConfig, report: DrillReport): Promise<string> {
  const key = drillReportKey(config, report);
  await putJson(s3, config.archive.bucket, key, drillReportSchema.parse(report), { ifNoneMatch: true });
  return key;
}

/** One drill's report by what its start answered (service, start time, id); null while it runs, or when it never wrote one. */
export async function getDrillReport(s3: S3Client, config: LazarusConfig, drill: Pick<DrillReport, "service" | "startedAt" | "id">): Promise<DrillReport | null> {
  return (await getJson(s3, config.archive.bucket, drillReportKey(config, drill), drillReportSchema))?.value ?? null;
}

/** A service's reports started from `from` (inclusive) to `to` (exclusive), oldest first; one LIST per 1,000 drills. */
export async function listDrillReports(s3: S3Client, config: LazarusConfig, service: string, range: { from?: Date; to?: Date; limit?: number } = {}): Promise<DrillReport[]> {
  const prefix = servicePrefix(config, service);
  const first = range.from ? `${prefix}${stamp(range.from.toISOString())}` : undefined;
  const end = range.to ? `${prefix}${stamp(range.to.toISOString())}` : undefined;
  const keys: string[] = [];
  for await (const page of listPages(s3, { bucket: config.archive.bucket, prefix })) {
    for (const { key } of page.objects) if (key.endsWith(".json") && (!first || key >= first) && (!end || key < end)) keys.push(key);
  }
  const chosen = range.limit !== undefined ? keys.slice(-range.limit) : keys;
  const read = pLimit(8);
  const reports = await Promise.all(chosen.map((key) => read(async () => (await getJson(s3, config.archive.bucket, key, drillReportSchema))?.value ?? null)));
  return reports.filter((r): r is DrillReport => r !== null);
}
