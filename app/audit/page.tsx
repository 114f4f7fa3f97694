import { Suspense } from "react";
import type { Metadata } from "next";
import Link from "next/link";
import { ChevronLeft, ChevronRight, Download } from "lucide-react";
import { requirePageUser } from "@/lib/auth/page";
import { AUDIT_OUTCOMES } from "@/lib/audit/audit-entry";
import { filterActions, readAuditPageQuery, type AuditFilter } from "@/lib/audit/audit-filter";
import { AuditRange, AuditRangeSkeleton } from "@/components/audit/audit-range";
import { ActionFilter } from "@/components/audit/action-filter";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { BadRequestPanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";
import { utcDate } from "@/components/format/time";
import { archiveContext } from "@/lib/http/archive-context";

// Per request: the page reads the session and the archive as they are now.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Audit log" };

function shiftDay(day: string, by: number): string {
  return utcDate(new Date(Date.parse(`${day}T00:00:00Z`) + by * 86_400_000));
}

/** The browser's URL: from/to and the filters; a single day keeps the old `?date=` form working. */
function auditQuery(range: { from: string; to: string }, filter: AuditFilter, cursor?: string): string {
  const q = new URLSearchParams({ from: range.from, to: range.to });
  for (const [k, v] of Object.entries(filter)) {
    if (Array.isArray(v)) for (const item of v) q.append(k, item);
    else if (v) q.set(k, v);
  }
  if (cursor) q.set("cursor", cursor);
  return q.toString();
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await requirePageUser("audit:read");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const { config, s3 } = archiveContext();
  const today = utcDate(new Date());
  const { problem, from, to, filter, cursor } = readAuditPageQuery(await searchParams, today);
  const input = "rounded-md border border-slate-300 px-2.5 py-1.5 text-sm";
  const singleDay = from === to;

  return (
    <>
      <PageHeader title="Audit log">
        <p className="text-sm text-slate-600">
          Every restore, export, erasure, retrieval and protection change: who, when, what, and how it ended. Entries are append-only objects in the archive bucket; the console never
          changes or removes them. Days are UTC.
        </p>
      </PageHeader>
      <div className="space-y-6">
        <form method="get" action="/audit" className="space-y-3 rounded-md border border-slate-200 bg-white p-3">
          <div className="flex flex-wrap items-end gap-3">
            <div className="flex flex-col gap-1">
              <label htmlFor="audit-from" className="text-sm font-medium">
                From (UTC)
              </label>
              <input id="audit-from" name="from" type="date" defaultValue={from} max={today} className={input} />
            </div>
            <div className="flex flex-col gap-1">
              <label htmlFor="audit-to" className="text-sm font-medium">
                To (UTC)
              </label>
              <input id="audit-to" name="to" type="date" defaultValue={to} max={today} className={input} />
            </div>
            <div className="flex flex-col gap-1">
              <label htmlFor="audit-actor" className="text-sm font-medium">
                Actor
              </label>
              <input id="audit-actor" name="actor" type="search" placeholder="name or email" defaultValue={filter.actor ?? ""} className={`${input} w-44`} />
            </div>
            <div className="flex flex-col gap-1">
              <label htmlFor="audit-key" className="text-sm font-medium">
                Key
              </label>
              <input id="audit-key" name="key" type="search" placeholder="key or archive object" defaultValue={filter.key ?? ""} className={`${input} w-52`} />
            </div>
            <ActionFilter selected={filterActions(filter)} />
            <div className="flex flex-col gap-1">
              <label htmlFor="audit-service" className="text-sm font-medium">
                Service
              </label>
              <select id="audit-service" name="service" defaultValue={filter.service ?? ""} className={input}>
                <option value="">Any service</option>
                {config.services.map((s) => (
                  <option key={s.name} value={s.name}>
                    {s.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="flex flex-col gap-1">
              <label htmlFor="audit-outcome" className="text-sm font-medium">
                Outcome
              </label>
              <select id="audit-outcome" name="outcome" defaultValue={filter.outcome ?? ""} className={input}>
                <option value="">Any outcome</option>
                {AUDIT_OUTCOMES.map((o) => (
                  <option key={o} value={o}>
                    {o[0]!.toUpperCase() + o.slice(1)}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" className="rounded-md bg-indigo-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-800">
              Show
            </button>
          </div>
          {!problem ? (
            <div className="flex flex-wrap items-center gap-3 text-sm">
              <a
                href={`/api/audit/export?${auditQuery({ from, to }, filter)}`}
                download
                className="inline-flex items-center gap-1 rounded-md px-2 py-1.5 font-medium text-indigo-800 ring-1 ring-indigo-300 hover:bg-indigo-50"
              >
                <Download aria-hidden="true" className="size-4" />
                Export these entries as CSV
              </a>
              {singleDay ? (
                <nav aria-label="Neighbouring days" className="ml-auto flex gap-2">
                  <Link href={`/audit?${auditQuery({ from: shiftDay(from, -1), to: shiftDay(from, -1) }, filter)}`} className="inline-flex items-center gap-1 rounded-md px-2 py-1.5 ring-1 ring-slate-300 hover:bg-slate-100">
                    <ChevronLeft aria-hidden="true" className="size-4" />
                    Previous day
                  </Link>
                  {from < today ? (
                    <Link href={`/audit?${auditQuery({ from: shiftDay(from, 1), to: shiftDay(from, 1) }, filter)}`} className="inline-flex items-center gap-1 rounded-md px-2 py-1.5 ring-1 ring-slate-300 hover:bg-slate-100">
                      Next day
                      <ChevronRight aria-hidden="true" className="size-4" />
                    </Link>
                  ) : null}
                </nav>
              ) : null}
            </div>
          ) : null}
        </form>
        {problem ? (
          <BadRequestPanel message={problem} />
        ) : (
          <Suspense key={auditQuery({ from, to }, filter, cursor)} fallback={<AuditRangeSkeleton />}>
            <AuditRange
              s3={s3}
              config={config}
              from={from}
              to={to}
              filter={filter}
              {...(cursor ? { cursor } : {})}
              hrefWithCursor={(next?: string) => `/audit?${auditQuery({ from, to }, filter, next)}`}
            />
          </Suspense>
        )}
      </div>
    </>
  );
}
