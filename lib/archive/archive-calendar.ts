import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { assertConfiguredService, ArchiveInputError, daySchema, formatDay, issuesOf, validateMonth, year, type CalendarDay, type CalendarMonth } from "./archive-input";
import { classifyArchiveName } from "./archive-names";
import { monthPrefix, servicePrefix } from "./layout";
import { listFolders, listObjects } from "./object-listing";

/** Services, the years and months that hold archives, and per-day counts of a month. */

export interface ServiceSummary {
  name: string;
  table: string;
  description?: string;
  partitionKey: { name: string; type: "S" | "N" | "B" };
  sortKey?: { name: string; type: "S" | "N" | "B" };
}

export function listServices(config: LazarusConfig): ServiceSummary[] {
  return config.services.map((s) => ({
    name: s.name,
    table: s.table.name,
    ...(s.description !== undefined ? { description: s.description } : {}),
    partitionKey: s.table.partitionKey,
    ...(s.table.sortKey ? { sortKey: s.table.sortKey } : {}),
  }));
}

/** Years that have archive objects: one delimited LIST (the index folder is skipped). */
export async function listYears(s3: S3Client, config: LazarusConfig, service: ServiceConfig): Promise<number[]> {
  assertConfiguredService(config, service);
  const base = servicePrefix(config.archive.prefix, service.name);
  const folders = await listFolders(s3, { bucket: config.archive.bucket, prefix: base });
  return folders
    .map((f) => /^(\d{4})\/$/.exec(f.slice(base.length))?.[1])
    .filter((y): y is string => y !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Months of a year that have archive objects: one delimited LIST. */
export async function listMonths(s3: S3Client, config: LazarusConfig, service: ServiceConfig, yearValue: number): Promise<CalendarMonth[]> {
  assertConfiguredService(config, service);
  const y = year.safeParse(yearValue);
  if (!y.success) throw new ArchiveInputError(`invalid year: ${issuesOf(y.error)}`);
  const base = `${servicePrefix(config.archive.prefix, service.name)}${String(y.data).padStart(4, "0")}/`;
  const folders = await listFolders(s3, { bucket: config.archive.bucket, prefix: base });
  return folders
    .map((f) => /^(\d{2})\/$/.exec(f.slice(base.length))?.[1])
    .map(Number)
    .filter((m) => Number.isInteger(m) && m >= 1 && m <= 12)
    .sort((a, b) => a - b)
    .map((m) => ({ year: y.data, month: m }));
}

export interface DaySummary {
  date: string;
  day: CalendarDay;
  /** Every object in the day's folder. */
  objects: number;
  /** Objects named by this archive's layout; ttl + manual = records. */
  records: number;
  ttl: number;
  manual: number;
  /** The seed's `{PK}_{SK}.json` objects: their deletion type is only known by reading them. */
  legacy: number;
  unknown: number;
}

export interface MonthSummary {
  month: CalendarMonth;
  days: DaySummary[];
  /** Objects in the month's folder that are not inside a valid day folder. */
  outsideDays: number;
}

/** Per-day counts from object names alone: one LIST per 1,000 objects in the month, no GETs. */
export async function listDays(s3: S3Client, config: LazarusConfig, service: ServiceConfig, monthValue: CalendarMonth): Promise<MonthSummary> {
  assertConfiguredService(config, service);
  const m = validateMonth(monthValue);
  const base = monthPrefix(config.archive.prefix, service.name, m);
  const days = new Map<number, DaySummary>();
  let outsideDays = 0;
  for await (const object of listObjects(s3, { bucket: config.archive.bucket, prefix: base })) {
    const rel = object.key.slice(base.length);
    const dm = /^(\d{2})\/(.+)$/.exec(rel);
    const day = dm ? daySchema.safeParse({ ...m, day: Number(dm[1]) }) : undefined;
    if (!dm || !day?.success) {
      outsideDays += 1;
      continue;
    }
    let summary = days.get(day.data.day);
    if (!summary) {
      summary = { date: formatDay(day.data), day: day.data, objects: 0, records: 0, ttl: 0, manual: 0, legacy: 0, unknown: 0 };
      days.set(day.data.day, summary);
    }
    summary.objects += 1;
    const named = classifyArchiveName(service, day.data, dm[2] as string);
    if (named.kind === "record") {
      summary.records += 1;
      summary[named.deletionType] += 1;
    } else {
      summary[named.kind] += 1;
    }
  }
  return { month: m, days: [...days.values()].sort((a, b) => a.day.day - b.day.day), outsideDays };
}
