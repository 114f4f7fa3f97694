import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { assertConfiguredService, ArchiveInputError, daySchema, formatDay, issuesOf, validateMonth, year, type CalendarDay, type CalendarMonth } from "./archive-input";
import { classifyArchiveName } from "./archive-names";
import { monthPrefix, servicePrefix } from "./layout";
import { listFolders, listPage, type ListedObject } from "./object-listing";
import { dayOfMonthKey, SEALED_SEGMENT, SealedFormatError, type MonthSummaryDocument } from "./sealed-format";
import { namesHeldByManifest, readDayManifest, readMonthSummary } from "./sealed-store";

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
  /** Records, legacy and unknown objects of the day, sealed ones included. */
  objects: number;
  /** Records named by this archive's layout, sealed or not; ttl + manual = records. */
  records: number;
  ttl: number;
  manual: number;
  /** The seed's `{PK}_{SK}.json` objects: their deletion type is only known by reading them. */
  legacy: number;
  unknown: number;
  /** Set when the day is sealed: when, and how many of its records are in bundles. */
  sealed?: { at: string; records: number };
  /** The day's sealed records could not be counted (a damaged or missing manifest or summary). */
  problem?: string;
}

export interface MonthSummary {
  month: CalendarMonth;
  days: DaySummary[];
  /** Objects in the month's folder that are not inside a valid day folder. */
  outsideDays: number;
  /** The month's sealed-days summary could not be read: sealed days are missing from `days`. */
  problem?: string;
}

/**
 * Per-day counts: sealed days from the month summary (1 GET), the rest from object
 * names (one LIST per 1,000 per-record objects in the month, plus one to step over the
 * sealed folder when there is one; no GETs). A sealed day that
 * also holds per-record objects costs one GET of its manifest plus one per manifest page
 * that could hold one of their names, so a copy of a sealed record is not counted twice.
 */
export async function listDays(s3: S3Client, config: LazarusConfig, service: ServiceConfig, monthValue: CalendarMonth): Promise<MonthSummary> {
  assertConfiguredService(config, service);
  const m = validateMonth(monthValue);
  const base = monthPrefix(config.archive.prefix, service.name, m);
  const [sealed, listed] = await Promise.all<[Promise<{ days: MonthSummaryDocument["days"]; problem?: string }>, Promise<ListedObject[]>]>([
    readMonthSummary(s3, config, service, m).then(
      (read): { days: MonthSummaryDocument["days"]; problem?: string } => ({ days: read?.summary.days ?? {} }),
      (e: unknown) => {
        if (e instanceof SealedFormatError) return { days: {} as MonthSummaryDocument["days"], problem: e.message };
        throw e;
      },
    ),
    listMonthObjects(s3, config.archive.bucket, base),
  ]);

  const days = new Map<number, DaySummary>();
  const summaryOf = (day: CalendarDay): DaySummary => {
    let summary = days.get(day.day);
    if (!summary) {
      summary = { date: formatDay(day), day, objects: 0, records: 0, ttl: 0, manual: 0, legacy: 0, unknown: 0 };
      days.set(day.day, summary);
    }
    return summary;
  };
  const sealedCounts = (summary: DaySummary, counts: { records: number; ttl: number; manual: number; sealedAt: string }) => {
    summary.objects += counts.records;
    summary.records += counts.records;
    summary.ttl += counts.ttl;
    summary.manual += counts.manual;
    summary.sealed = { at: counts.sealedAt, records: counts.records };
  };
  for (const [dd, counts] of Object.entries(sealed.days)) {
    const day = daySchema.safeParse({ ...m, day: Number(dd) });
    if (day.success) sealedCounts(summaryOf(day.data), counts);
  }

  // Per-record names in sealed days: late records, or copies of sealed ones.
  const inSealedDays = new Map<number, { name: string; deletionType: "ttl" | "manual" }[]>();
  let outsideDays = 0;
  for (const object of listed) {
    const rel = object.key.slice(base.length);
    const dm = /^(\d{2})\/(.+)$/.exec(rel);
    const day = dm ? daySchema.safeParse({ ...m, day: Number(dm[1]) }) : undefined;
    if (!dm || !day?.success) {
      outsideDays += 1;
      continue;
    }
    const summary = summaryOf(day.data);
    const named = classifyArchiveName(service, day.data, dm[2] as string);
    if (named.kind === "record" && summary.sealed) {
      inSealedDays.set(day.data.day, [...(inSealedDays.get(day.data.day) ?? []), { name: dm[2] as string, deletionType: named.deletionType }]);
      continue;
    }
    summary.objects += 1;
    if (named.kind === "record") {
      summary.records += 1;
      summary[named.deletionType] += 1;
    } else {
      summary[named.kind] += 1;
    }
  }
  await Promise.all(
    [...inSealedDays].map(async ([dayOfMonth, names]) => {
      const summary = days.get(dayOfMonth) as DaySummary;
      try {
        const manifest = await readDayManifest(s3, config, service, summary.day);
        if (!manifest) throw new SealedFormatError(`${service.name} on ${summary.date} is sealed but its manifest is missing`);
        const held = await namesHeldByManifest(s3, config, manifest, names.map((n) => n.name));
        // The manifest is the truth; the summary may lag it by one interrupted seal.
        const listed = summary.sealed?.records ?? 0;
        const fromSummary = sealed.days[dayOfMonthKey(summary.day)];
        summary.objects -= listed;
        summary.records -= listed;
        summary.ttl -= fromSummary?.ttl ?? 0;
        summary.manual -= fromSummary?.manual ?? 0;
        sealedCounts(summary, { records: manifest.records, ttl: manifest.byType.ttl, manual: manifest.byType.manual, sealedAt: manifest.sealedAt });
        for (const { name, deletionType } of names) {
          if (held.has(name)) continue;
          summary.objects += 1;
          summary.records += 1;
          summary[deletionType] += 1;
        }
      } catch (e) {
        if (!(e instanceof SealedFormatError)) throw e;
        summary.problem = e.message;
      }
    }),
  );
  return {
    month: m,
    days: [...days.values()].sort((a, b) => a.day.day - b.day.day),
    outsideDays,
    ...(sealed.problem ? { problem: sealed.problem } : {}),
  };
}

/**
 * The month's objects outside its sealed folder. The listing jumps over the sealed
 * folder (which sorts after every day) instead of paging through it.
 */
async function listMonthObjects(s3: S3Client, bucket: string, base: string): Promise<ListedObject[]> {
  const sealedFolder = `${base}${SEALED_SEGMENT}/`;
  // "0" is the character after "/": the first key past everything in the sealed folder.
  const pastSealed = `${base}${SEALED_SEGMENT}0`;
  const objects: ListedObject[] = [];
  let continuationToken: string | undefined;
  let startAfter: string | undefined;
  for (;;) {
    const page = await listPage(s3, { bucket, prefix: base, ...(continuationToken ? { continuationToken } : startAfter ? { startAfter } : {}) });
    const sealedAt = page.objects.findIndex((o) => o.key.startsWith(sealedFolder));
    objects.push(...(sealedAt < 0 ? page.objects : page.objects.slice(0, sealedAt)));
    if (sealedAt >= 0 && startAfter === undefined) {
      startAfter = pastSealed;
      continuationToken = undefined;
      continue;
    }
    if (!page.isTruncated) return objects;
    if (!page.nextContinuationToken) throw new Error(`ListObjectsV2 on "${base}" was truncated without a continuation token`);
    continuationToken = page.nextContinuationToken;
  }
}
