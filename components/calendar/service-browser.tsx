import "server-only";
import Link from "next/link";
import clsx from "clsx";
import type { S3Client } from "@aws-sdk/client-s3";
import { listDays, listMonths, listYears, type CalendarMonth, type MonthSummary } from "@/lib/archive/archive-reader";
import type { LazarusConfig, ServiceConfig } from "@/lib/config/schema";
import { toUserFacingError } from "@/lib/http/error-response";
import { formatCount, monthName } from "../format/time";
import { serviceHref } from "../routing/links";
import { ErrorPanel, MessagePanel } from "../ui/message-panel";
import { MonthCalendar } from "./month-calendar";

interface Selection {
  years: number[];
  year: number;
  months: CalendarMonth[];
  summary: MonthSummary | null;
}

async function loadSelection(s3: S3Client, config: LazarusConfig, service: ServiceConfig, wanted: { year?: number; month?: number }): Promise<Selection | null> {
  const years = await listYears(s3, config, service);
  const year = wanted.year ?? years.at(-1);
  if (year === undefined) return null;
  const months = await listMonths(s3, config, service, year);
  const month = wanted.month ?? months.at(-1)?.month;
  const summary = month === undefined ? null : await listDays(s3, config, service, { year, month });
  return { years, year, months, summary };
}

const pill = "rounded-md px-2.5 py-1 text-sm font-medium";

export async function ServiceBrowser({ s3, config, service, wanted }: { s3: S3Client; config: LazarusConfig; service: ServiceConfig; wanted: { year?: number; month?: number } }) {
  let selection: Selection | null;
  try {
    selection = await loadSelection(s3, config, service, wanted);
  } catch (error) {
    return <ErrorPanel title="Could not list the archive" message={toUserFacingError(error).message} />;
  }
  if (!selection) {
    return (
      <MessagePanel title="No deletions archived yet">
        <p>Nothing deleted from {service.table.name} has been archived. Deletions appear here within seconds of the archiver receiving them.</p>
      </MessagePanel>
    );
  }
  const { years, year, months, summary } = selection;
  const withData = new Set(months.map((m) => m.month));
  const yearList = years.includes(year) ? years : [...years, year].sort((a, b) => a - b);
  const monthTotal = summary?.days.reduce((n, d) => n + d.objects, 0) ?? 0;

  return (
    <div className="space-y-5">
      <nav aria-label="Years">
        <h2 className="mb-2 text-sm font-semibold text-slate-700">Year</h2>
        <ul className="flex flex-wrap gap-1.5">
          {yearList.map((y) => (
            <li key={y}>
              <Link
                href={serviceHref(service.name, { year: y })}
                aria-current={y === year ? "page" : undefined}
                className={clsx(pill, y === year ? "bg-indigo-700 text-white" : "bg-white text-slate-800 ring-1 ring-slate-300 hover:bg-slate-100")}
              >
                {y}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <nav aria-label={`Months of ${year}`}>
        <h2 className="mb-2 text-sm font-semibold text-slate-700">Month</h2>
        <ul className="grid grid-cols-3 gap-1.5 sm:grid-cols-6 lg:grid-cols-12">
          {Array.from({ length: 12 }, (_, i) => i + 1).map((m) => {
            const current = summary?.month.month === m;
            if (!withData.has(m) && !current) {
              return (
                <li key={m} className={clsx(pill, "text-center text-slate-500")}>
                  {monthName(m).slice(0, 3)}
                  <span className="sr-only"> (no deletions)</span>
                </li>
              );
            }
            return (
              <li key={m}>
                <Link
                  href={serviceHref(service.name, { year, month: m })}
                  aria-current={current ? "page" : undefined}
                  className={clsx(pill, "block text-center", current ? "bg-indigo-700 text-white" : "bg-white text-slate-800 ring-1 ring-slate-300 hover:bg-slate-100")}
                >
                  <abbr title={monthName(m)} className="no-underline">
                    {monthName(m).slice(0, 3)}
                  </abbr>
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      {summary ? (
        <section aria-label="Days" className="space-y-2">
          <MonthCalendar service={service.name} summary={summary} />
          <p className="text-sm text-slate-600">
            {formatCount(monthTotal)} archived deletions in {monthName(summary.month.month)} {summary.month.year}
            {summary.outsideDays ? `; ${formatCount(summary.outsideDays)} objects outside any day folder are not shown` : ""}.
          </p>
        </section>
      ) : (
        <MessagePanel title={`No deletions archived in ${year}`} />
      )}
    </div>
  );
}
