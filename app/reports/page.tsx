import { Suspense } from "react";
import type { Metadata } from "next";
import Link from "next/link";
import { requirePageUser } from "@/lib/auth/page";
import { archiveContext } from "@/lib/http/archive-context";
import { toUserFacingError } from "@/lib/http/error-response";
import { countServiceDays, buildReport } from "@/lib/reports/deletion-report";
import { reportHref, type ReportSelection } from "@/lib/reports/report-params";
import { readReportPage, type resolveReportScope } from "@/lib/reports/report-scope";
import { firstArchivedDay } from "@/lib/reports/archive-start";
import { ExportPanel } from "@/components/reports/export-panel";
import { ReportChart } from "@/components/reports/report-chart";
import { ReportForm } from "@/components/reports/report-form";
import { ReportRecordsList } from "@/components/reports/report-records-list";
import { dayHref } from "@/components/routing/links";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { BadRequestPanel, ErrorPanel, MessagePanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";
import { TableSkeleton } from "@/components/ui/skeleton";
import { ScrollRegion } from "@/components/ui/scroll-region";

// Per request: the page reads the session and the archive as they are now.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Deletion report" };

const n = (v: number) => v.toLocaleString("en-US");

function rangeText(range: { from: string; to: string; label: string }): string {
  const names: Record<string, string> = { last7: "last 7 days", last30: "last 30 days", last90: "last 90 days", custom: "custom range" };
  return `${range.from} to ${range.to} (${names[range.label] ?? range.label}, UTC)`;
}

export default async function ReportsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await requirePageUser("report:export");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const { config } = archiveContext();
  const now = new Date();
  const { defaults, selection, problem, scope } = readReportPage(config, await searchParams, now);

  return (
    <>
      <PageHeader title="Deletion report">
        <p className="text-sm text-slate-600">
          What was deleted from which services, when and how (TTL expiry or by hand), counted from the archive&apos;s object names. Days are UTC.
        </p>
      </PageHeader>
      <div className="space-y-6">
        <ReportForm services={config.services.map((s) => ({ name: s.name, table: s.table.name }))} selection={selection} defaults={defaults} />
        {problem || !scope ? (
          <BadRequestPanel message={problem ?? "Choose services and a range."} />
        ) : (
          <Suspense key={JSON.stringify(selection)} fallback={<TableSkeleton rows={6} columns={4} label="Counting deletions" />}>
            <ReportBody selection={selection} scope={scope} now={now} />
          </Suspense>
        )}
      </div>
    </>
  );
}

/** Days before a service's first archived deletion count zero because nothing was archived yet, not because nothing was deleted. */
function ArchiveStartWarning({ from, starts }: { from: string; starts: { service: string; first: string | null }[] }) {
  const late = starts.filter((s): s is { service: string; first: string } => s.first !== null && s.first > from);
  if (late.length === 0) return null;
  return (
    <MessagePanel tone="warning" title="The range starts before the archive does" headingLevel={3}>
      <p>
        The report starts on {from}, but the archive&apos;s first deletion is later:{" "}
        {late.map((s) => `${s.first} in ${s.service}`).join(", ")}. Deletions before then were not archived (the archiver was not running yet, or the
        records have expired from the archive), so those days count zero whatever happened.
      </p>
    </MessagePanel>
  );
}

async function ReportBody({ selection, scope, now }: { selection: ReportSelection; scope: ReturnType<typeof resolveReportScope>; now: Date }) {
  const { config, s3 } = archiveContext();
  let counted;
  let starts: { service: string; first: string | null }[];
  try {
    [counted, starts] = await Promise.all([
      countServiceDays(s3, config, scope.services, scope.range),
      // The warning below is an extra: a service whose start cannot be read gets none.
      Promise.all(scope.services.map(async (s) => ({ service: s.name, first: await firstArchivedDay(s3, config, s).catch(() => null) }))),
    ]);
  } catch (error) {
    return <ErrorPanel title="Could not count the deletions" message={toUserFacingError(error).message} />;
  }
  const report = buildReport(scope.range, counted, now);
  const { totals } = report;
  // A day of the report opens where its records are: the day page for one service, else the report narrowed to that day.
  const dayLink = (date: string) =>
    report.services.length === 1 ? dayHref(report.services[0]!, date) : reportHref({ services: selection.services, range: "custom", from: date, to: date });
  const cell = "px-3 py-2";
  return (
    <>
      <section aria-labelledby="summary-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
        <h2 id="summary-heading" className="text-lg font-semibold">
          {report.services.join(", ")}: {rangeText(report.range)}
        </h2>
        <ArchiveStartWarning from={report.range.from} starts={starts} />
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
          {[
            ["Deletions", totals.total],
            ["TTL expiries", totals.ttl],
            ["Manual", totals.manual],
            ["Type unknown", totals.unknown],
          ].map(([label, value]) => (
            <div key={label} className="rounded-md bg-slate-50 p-3">
              <dt className="text-xs font-medium text-slate-600">{label}</dt>
              <dd className="text-2xl font-semibold tabular-nums">{n(value as number)}</dd>
            </div>
          ))}
        </dl>
        {report.approximate ? (
          <MessagePanel tone="warning" title="Approximate" headingLevel={3}>
            <p>
              {n(totals.unknown)} objects use the original archive layout, whose names do not say how the item was deleted. They are counted by their folder&apos;s day as
              &ldquo;type unknown&rdquo;; only reading each object would tell TTL from manual.
            </p>
          </MessagePanel>
        ) : (
          <p className="text-xs text-slate-600">Exact: every object in range names its deletion type.</p>
        )}
        <ReportChart
          data={report.perDay}
          label={`Deletions per day from ${report.range.from} to ${report.range.to}: ${n(totals.ttl)} TTL, ${n(totals.manual)} manual${totals.unknown ? `, ${n(totals.unknown)} unknown` : ""}`}
          caption={`Deletions per day, ${report.range.from} to ${report.range.to} (UTC), TTL and manual stacked; a bar opens its day`}
          dayHrefs={Object.fromEntries(report.perDay.filter((d) => d.ttl + d.manual + d.unknown > 0).map((d) => [d.date, dayLink(d.date)]))}
        />
      </section>

      <div className="grid gap-6 lg:grid-cols-2">
        <section aria-labelledby="tables-heading" className="min-w-0 space-y-2">
          <h2 id="tables-heading" className="text-lg font-semibold">
            Top tables
          </h2>
          <ScrollRegion labelledBy="tables-heading" className="rounded-md border border-slate-200 bg-white">
            <table className="w-full text-left text-sm">
              <thead className="bg-slate-50 text-slate-700">
                <tr>
                  {["Table", "Service", "Deletions", "TTL", "Manual", "Unknown", "Active days"].map((h) => (
                    <th key={h} scope="col" className={`${cell} font-semibold whitespace-nowrap`}>
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 tabular-nums">
                {report.topTables.map((t) => (
                  <tr key={t.service}>
                    <th scope="row" className={`${cell} font-mono text-xs font-normal`}>
                      {t.table}
                    </th>
                    <td className={cell}>{t.service}</td>
                    <td className={cell}>{n(t.totals.total)}</td>
                    <td className={cell}>{n(t.totals.ttl)}</td>
                    <td className={cell}>{n(t.totals.manual)}</td>
                    <td className={cell}>{n(t.totals.unknown)}</td>
                    <td className={cell}>{n(t.activeDays)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </section>
        <section aria-labelledby="days-heading" className="min-w-0 space-y-2">
          <h2 id="days-heading" className="text-lg font-semibold">
            Busiest days
          </h2>
          {report.topDays.length === 0 ? (
            <p className="text-sm text-slate-600">No deletions in this range.</p>
          ) : (
            <ScrollRegion labelledBy="days-heading" className="rounded-md border border-slate-200 bg-white">
              <table className="w-full text-left text-sm">
                <thead className="bg-slate-50 text-slate-700">
                  <tr>
                    {["Day (UTC)", "Deletions", "TTL", "Manual", "Unknown"].map((h) => (
                      <th key={h} scope="col" className={`${cell} font-semibold whitespace-nowrap`}>
                        {h}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 tabular-nums">
                  {report.topDays.map((d) => (
                    <tr key={d.date}>
                      <th scope="row" className={`${cell} font-normal`}>
                        <Link href={dayLink(d.date)} className="text-indigo-800 underline">
                          {d.date}
                        </Link>
                      </th>
                      <td className={cell}>{n(d.ttl + d.manual + d.unknown)}</td>
                      <td className={cell}>{n(d.ttl)}</td>
                      <td className={cell}>{n(d.manual)}</td>
                      <td className={cell}>{n(d.unknown)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          )}
        </section>
      </div>

      <ExportPanel selection={selection} expectedRows={selection.who ? totals.manual : totals.total} />

      <section aria-labelledby="records-heading" className="space-y-2">
        <h2 id="records-heading" className="text-lg font-semibold">
          Records
        </h2>
        <Suspense key={selection.cursor ?? ""} fallback={<TableSkeleton rows={8} columns={5} label="Loading records" />}>
          <ReportRecordsList s3={s3} config={config} scope={counted} selection={selection} total={totals.total} />
        </Suspense>
      </section>
    </>
  );
}
