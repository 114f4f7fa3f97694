import Link from "next/link";
import clsx from "clsx";
import type { DaySummary, MonthSummary } from "@/lib/archive/archive-reader";
import { formatCount, monthName } from "../format/time";
import { dayHref } from "../routing/links";
import { Skeleton, LoadingRegion } from "../ui/skeleton";

const WEEKDAYS = [
  ["Mon", "Monday"],
  ["Tue", "Tuesday"],
  ["Wed", "Wednesday"],
  ["Thu", "Thursday"],
  ["Fri", "Friday"],
  ["Sat", "Saturday"],
  ["Sun", "Sunday"],
] as const;

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** Weeks of the month, Monday first; null for the days of the neighbouring months. */
export function monthWeeks(year: number, month: number): (number | null)[][] {
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const firstWeekday = (new Date(Date.UTC(year, month - 1, 1)).getUTCDay() + 6) % 7;
  const cells: (number | null)[] = [...Array<null>(firstWeekday).fill(null), ...Array.from({ length: days }, (_, i) => i + 1)];
  while (cells.length % 7 !== 0) cells.push(null);
  const weeks: (number | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

function DayCell({ service, year, month, day, summary }: { service: string; year: number; month: number; day: number; summary: DaySummary | undefined }) {
  const date = `${year}-${pad(month)}-${pad(day)}`;
  const total = summary?.objects ?? 0;
  if (!summary || total === 0) {
    return (
      <div className="min-h-20 p-1.5 text-slate-500">
        <span className="text-sm">{day}</span>
        <span className="sr-only">: no deletions</span>
      </div>
    );
  }
  const other = summary.legacy + summary.unknown;
  // The visible text is the link's name too (day, then counts), so speech and sight agree. A
  // phone's seventh of the width holds the day and its total; the words and the split by type
  // stay in the link's name and show from sm up.
  const wide = "sr-only sm:not-sr-only";
  return (
    <Link href={dayHref(service, date)} className="block min-h-20 rounded p-1.5 hover:bg-indigo-50">
      <span className="text-sm font-semibold text-indigo-800">
        {day}
        <span className="sr-only">
          {" "}
          {monthName(month)} {year},
        </span>
      </span>
      <span className="mt-1 block text-xs leading-4 tabular-nums text-slate-700">
        <span className="block font-medium text-slate-900">
          <span className="rounded bg-indigo-100 px-1 sm:rounded-none sm:bg-transparent sm:px-0">{formatCount(total)}</span>
          <span className={wide}> {total === 1 ? "deletion" : "deletions"}</span>
          <span className="sr-only">,</span>
        </span>
        {summary.ttl ? (
          <span className={`${wide} sm:block`}>
            TTL {formatCount(summary.ttl)}
            <span className="sr-only">,</span>
          </span>
        ) : null}
        {summary.manual ? <span className={`${wide} sm:block`}>Manual {formatCount(summary.manual)}</span> : null}
        {other ? <span className={`${wide} sm:block`}>Other {formatCount(other)}</span> : null}
      </span>
    </Link>
  );
}

export function MonthCalendar({ service, summary }: { service: string; summary: MonthSummary }) {
  const { year, month } = summary.month;
  const byDay = new Map(summary.days.map((d) => [d.day.day, d]));
  return (
    <table className="w-full table-fixed border-collapse rounded-md bg-white text-left">
      <caption className="mb-2 text-left text-lg font-semibold">
        {monthName(month)} {year}
      </caption>
      <thead>
        <tr>
          {WEEKDAYS.map(([short, long]) => (
            <th key={short} scope="col" className="border-b border-slate-200 px-1.5 py-1 text-xs font-medium text-slate-600">
              <abbr title={long} className="no-underline">
                {short}
              </abbr>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {monthWeeks(year, month).map((week, w) => (
          <tr key={w}>
            {week.map((day, d) => (
              <td key={d} className={clsx("border border-slate-100 align-top", day === null && "bg-slate-50")}>
                {day === null ? null : <DayCell service={service} year={year} month={month} day={day} summary={byDay.get(day)} />}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function MonthCalendarSkeleton() {
  return (
    <LoadingRegion label="Loading the calendar" className="space-y-2">
      <Skeleton className="h-6 w-40" />
      <div className="grid grid-cols-7 gap-1">
        {Array.from({ length: 35 }, (_, i) => (
          <Skeleton key={i} className="h-20" />
        ))}
      </div>
    </LoadingRegion>
  );
}
