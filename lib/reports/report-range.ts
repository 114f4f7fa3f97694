import { z } from "zod";
import { DomainError } from "../errors/domain-error";

/**
 * The date range of a deletion report: whole UTC days, both ends included. A
 * preset is resolved against "now" once, on the server, and the resolved days go
 * into file names, manifests and audit entries, so a report taken on 1 October for
 * "last 30 days" says which 30 days it covered. Isomorphic: the form shows it.
 */

export const RANGE_PRESETS = ["last7", "last30", "last90"] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

export type RangeSpec =
  | { kind: "last"; days: 7 | 30 | 90 }
  | { kind: "quarter"; year: number; quarter: 1 | 2 | 3 | 4 }
  | { kind: "year"; year: number }
  | { kind: "custom"; from: string; to: string };

export interface ReportRange {
  /** YYYY-MM-DD, UTC, inclusive. */
  from: string;
  to: string;
  /** What the user chose, as it reads in the URL: "last30", "2026-Q3", "2026" or "custom". */
  label: string;
}

/** A report spans at most this many days: every month it touches is listed. */
export const MAX_RANGE_DAYS = 3 * 366;

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export class ReportRangeError extends DomainError {
  override name = "ReportRangeError";
  constructor(reason: string) {
    super(400, "invalid-range", `Invalid range: ${reason}.`);
  }
}

export function isCalendarDay(text: string): boolean {
  const m = ISO_DAY.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return Number(m[1]) >= 1970 && d.toISOString().slice(0, 10) === text;
}

export function dayToMs(text: string): number {
  return Date.parse(`${text}T00:00:00.000Z`);
}

export function msToDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function utcToday(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** "last30", "2026-Q3", "2026", or "custom" (with from and to) as they appear in the URL. */
export function parseRangeSpec(range: string | undefined, from?: string, to?: string): RangeSpec {
  const text = range ?? "last30";
  if (text === "last7") return { kind: "last", days: 7 };
  if (text === "last30") return { kind: "last", days: 30 };
  if (text === "last90") return { kind: "last", days: 90 };
  const quarter = /^(\d{4})-Q([1-4])$/.exec(text);
  if (quarter) return { kind: "quarter", year: Number(quarter[1]), quarter: Number(quarter[2]) as 1 | 2 | 3 | 4 };
  if (/^\d{4}$/.test(text)) return { kind: "year", year: Number(text) };
  if (text === "custom") {
    if (!from || !to) throw new ReportRangeError("a custom range needs both from and to (YYYY-MM-DD)");
    return { kind: "custom", from, to };
  }
  throw new ReportRangeError(`unknown range "${text.slice(0, 20)}": use last7, last30, last90, a quarter like 2026-Q3, a year like 2026, or custom`);
}

export function rangeLabel(spec: RangeSpec): string {
  switch (spec.kind) {
    case "last":
      return `last${spec.days}`;
    case "quarter":
      return `${spec.year}-Q${spec.quarter}`;
    case "year":
      return String(spec.year);
    case "custom":
      return "custom";
  }
}

/**
 * The days a spec covers. "Last N days" ends today (UTC) and includes it. Quarters
 * and years are calendar ones, even when they reach into the future: the days
 * after today simply have no deletions.
 */
export function resolveRange(spec: RangeSpec, now: Date): ReportRange {
  const label = rangeLabel(spec);
  let from: string;
  let to: string;
  switch (spec.kind) {
    case "last": {
      const today = dayToMs(utcToday(now));
      from = msToDay(today - (spec.days - 1) * DAY_MS);
      to = msToDay(today);
      break;
    }
    case "quarter": {
      checkYear(spec.year);
      const firstMonth = (spec.quarter - 1) * 3;
      from = msToDay(Date.UTC(spec.year, firstMonth, 1));
      to = msToDay(Date.UTC(spec.year, firstMonth + 3, 1) - DAY_MS);
      break;
    }
    case "year":
      checkYear(spec.year);
      from = `${spec.year}-01-01`;
      to = `${spec.year}-12-31`;
      break;
    case "custom":
      if (!isCalendarDay(spec.from)) throw new ReportRangeError(`from "${spec.from.slice(0, 20)}" is not a date (YYYY-MM-DD)`);
      if (!isCalendarDay(spec.to)) throw new ReportRangeError(`to "${spec.to.slice(0, 20)}" is not a date (YYYY-MM-DD)`);
      from = spec.from;
      to = spec.to;
      break;
  }
  if (from > to) throw new ReportRangeError(`the range starts (${from}) after it ends (${to})`);
  const days = rangeDayCount({ from, to });
  if (days > MAX_RANGE_DAYS) throw new ReportRangeError(`the range covers ${days} days; a report covers at most ${MAX_RANGE_DAYS}`);
  return { from, to, label };
}

function checkYear(year: number): void {
  if (!Number.isInteger(year) || year < 1970 || year > 9999) throw new ReportRangeError(`invalid year ${year}`);
}

export function rangeDayCount(range: { from: string; to: string }): number {
  return Math.round((dayToMs(range.to) - dayToMs(range.from)) / DAY_MS) + 1;
}

/** Every day of the range, oldest first. */
export function rangeDays(range: { from: string; to: string }): string[] {
  const start = dayToMs(range.from);
  return Array.from({ length: rangeDayCount(range) }, (_, i) => msToDay(start + i * DAY_MS));
}

/** The calendar months the range touches, oldest first. */
export function rangeMonths(range: { from: string; to: string }): { year: number; month: number }[] {
  const months: { year: number; month: number }[] = [];
  let year = Number(range.from.slice(0, 4));
  let month = Number(range.from.slice(5, 7));
  const endYear = Number(range.to.slice(0, 4));
  const endMonth = Number(range.to.slice(5, 7));
  while (year < endYear || (year === endYear && month <= endMonth)) {
    months.push({ year, month });
    month += 1;
    if (month === 13) {
      month = 1;
      year += 1;
    }
  }
  return months;
}

/** The quarter a day falls in, e.g. "2026-Q3" (for the form's default). */
export function quarterOf(day: string): string {
  return `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
}

/** The report's selection as the URL carries it. */
export const reportQuerySchema = z.strictObject({
  services: z
    .string()
    .max(2000)
    .transform((s) => [...new Set(s.split(",").map((x) => x.trim()).filter(Boolean))])
    .pipe(z.array(z.string().min(1).max(63)).min(1, "choose at least one service").max(50)),
  range: z.string().max(20).optional(),
  from: z.string().max(10).optional(),
  to: z.string().max(10).optional(),
});
export type ReportQuery = z.infer<typeof reportQuerySchema>;
