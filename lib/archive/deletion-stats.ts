import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { assertConfiguredService, formatDay, listDays, type CalendarMonth, type DaySummary } from "./archive-reader";

/**
 * Deletions per day over the last 30 days (UTC, today included), from object
 * names alone: one listing of each month the window touches, no GETs. The seed's
 * legacy objects carry no deletion type in their names, so they count as unknown.
 */
export interface DeletionCounts {
  ttl: number;
  manual: number;
  unknown: number;
  total: number;
}

export interface DayDeletions {
  date: string;
  ttl: number;
  manual: number;
  unknown: number;
}

export interface ServiceDeletionStats {
  service: string;
  last7: DeletionCounts;
  last30: DeletionCounts;
  /** 30 days, oldest first, today last. */
  perDay: DayDeletions[];
  /** Some deletions (legacy objects) were counted as unknown because only a GET could tell their type. */
  approximate: boolean;
}

const DAY_MS = 86_400_000;
export const STATS_DAYS = 30;

/** The UTC calendar days ending with `now`'s, oldest first. */
export function lastDays(now: Date, count: number): { year: number; month: number; day: number }[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(today - (count - 1 - i) * DAY_MS);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  });
}

export function sumDeletions(days: readonly DayDeletions[]): DeletionCounts {
  const counts = { ttl: 0, manual: 0, unknown: 0, total: 0 };
  for (const d of days) {
    counts.ttl += d.ttl;
    counts.manual += d.manual;
    counts.unknown += d.unknown;
  }
  counts.total = counts.ttl + counts.manual + counts.unknown;
  return counts;
}

export async function deletionStats(s3: S3Client, config: LazarusConfig, service: ServiceConfig, now: Date): Promise<ServiceDeletionStats> {
  assertConfiguredService(config, service);
  const days = lastDays(now, STATS_DAYS);
  const months = new Map<string, CalendarMonth>();
  for (const d of days) months.set(`${d.year}-${d.month}`, { year: d.year, month: d.month });
  const summaries = await Promise.all([...months.values()].map((m) => listDays(s3, config, service, m)));
  const byDate = new Map<string, DaySummary>(summaries.flatMap((s) => s.days.map((d) => [d.date, d] as const)));

  const perDay = days.map((d) => {
    const date = formatDay(d);
    const summary = byDate.get(date);
    return { date, ttl: summary?.ttl ?? 0, manual: summary?.manual ?? 0, unknown: summary?.legacy ?? 0 };
  });
  return {
    service: service.name,
    last7: sumDeletions(perDay.slice(-7)),
    last30: sumDeletions(perDay),
    perDay,
    approximate: perDay.some((d) => d.unknown > 0),
  };
}
