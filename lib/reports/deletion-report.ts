import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { assertConfiguredService, type DaySummary } from "../archive/archive-reader";
import { listDays } from "../archive/archive-reader";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { rangeDays, rangeMonths, type ReportRange } from "./report-range";
import type { DeletionReport, ReportDay, ReportTotals } from "./report-types";

/**
 * A deletion report from object names alone: one listing of every month the range
 * touches, per service (one LIST per 1,000 objects), no GETs. The seed's legacy
 * objects carry no deletion type in their names; they count as "unknown" and make
 * the report approximate (their deletion day is the folder's, their type unread).
 */

const MONTH_CONCURRENCY = 4;

function emptyTotals(): ReportTotals {
  return { ttl: 0, manual: 0, unknown: 0, total: 0 };
}

function add(totals: ReportTotals, day: { ttl: number; manual: number; unknown: number }): void {
  totals.ttl += day.ttl;
  totals.manual += day.manual;
  totals.unknown += day.unknown;
  totals.total += day.ttl + day.manual + day.unknown;
}

export interface ServiceDays {
  service: ServiceConfig;
  /** Days of the range with at least one exportable object, oldest first. */
  days: { date: string; ttl: number; manual: number; unknown: number }[];
}

/** Per-day counts of each service inside the range (days without objects left out). */
export async function countServiceDays(s3: S3Client, config: LazarusConfig, services: readonly ServiceConfig[], range: ReportRange): Promise<ServiceDays[]> {
  for (const s of services) assertConfiguredService(config, s);
  const months = rangeMonths(range);
  const limit = pLimit(MONTH_CONCURRENCY);
  return Promise.all(
    services.map(async (service) => {
      const summaries = await Promise.all(months.map((m) => limit(() => listDays(s3, config, service, m))));
      const days = summaries
        .flatMap((s) => s.days)
        .filter((d: DaySummary) => d.date >= range.from && d.date <= range.to)
        .map((d) => ({ date: d.date, ttl: d.ttl, manual: d.manual, unknown: d.legacy }))
        .filter((d) => d.ttl + d.manual + d.unknown > 0)
        .sort((a, b) => (a.date < b.date ? -1 : 1));
      return { service, days };
    }),
  );
}

export const TOP_DAYS = 10;

export function buildReport(range: ReportRange, counted: readonly ServiceDays[], generatedAt: Date): DeletionReport {
  const perDay = new Map<string, ReportDay>(rangeDays(range).map((date) => [date, { date, ttl: 0, manual: 0, unknown: 0 }]));
  const totals = emptyTotals();
  const services = counted.map(({ service, days }) => {
    const serviceTotals = emptyTotals();
    for (const d of days) {
      add(serviceTotals, d);
      add(totals, d);
      const day = perDay.get(d.date);
      if (day) {
        day.ttl += d.ttl;
        day.manual += d.manual;
        day.unknown += d.unknown;
      }
    }
    return { service: service.name, table: service.table.name, totals: serviceTotals, activeDays: days.length };
  });
  const days = [...perDay.values()];
  const topDays = days
    .filter((d) => d.ttl + d.manual + d.unknown > 0)
    .sort((a, b) => b.ttl + b.manual + b.unknown - (a.ttl + a.manual + a.unknown) || (a.date < b.date ? -1 : 1))
    .slice(0, TOP_DAYS);
  return {
    range,
    generatedAt: generatedAt.toISOString(),
    services: services.map((s) => s.service),
    totals,
    perDay: days,
    topTables: [...services].sort((a, b) => b.totals.total - a.totals.total || a.service.localeCompare(b.service)),
    topDays,
    approximate: totals.unknown > 0,
  };
}

export async function deletionReport(s3: S3Client, config: LazarusConfig, services: readonly ServiceConfig[], range: ReportRange, now = new Date()): Promise<DeletionReport> {
  return buildReport(range, await countServiceDays(s3, config, services, range), now);
}
