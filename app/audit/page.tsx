import { Suspense } from "react";
import type { Metadata } from "next";
import Link from "next/link";
import { ChevronLeft, ChevronRight } from "lucide-react";
import { requirePageUser } from "@/lib/auth/page";
import { ArchiveInputError, formatDay, parseDay, type CalendarDay } from "@/lib/archive/archive-reader";
import { AuditDay, AuditDaySkeleton } from "@/components/audit/audit-day";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { BadRequestPanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";
import { auditHref } from "@/components/routing/links";
import { auditParamsSchema, parseParams } from "@/components/routing/search-params";
import { utcDate } from "@/components/format/time";
import { archiveContext } from "@/lib/http/archive-context";

// Per request: the page reads the session and the archive as they are now.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Audit log" };

function shiftDay(day: CalendarDay, by: number): string {
  const d = new Date(Date.UTC(day.year, day.month - 1, day.day + by));
  return utcDate(d);
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await requirePageUser("audit:read");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const { config, s3 } = archiveContext();
  const today = utcDate(new Date());
  const parsed = parseParams(auditParamsSchema, await searchParams);

  let selected: { day: CalendarDay; cursor?: string } | { problem: string };
  if (!parsed.ok) selected = { problem: parsed.message };
  else {
    try {
      selected = { day: parseDay(parsed.data.date ?? today), ...(parsed.data.cursor ? { cursor: parsed.data.cursor } : {}) };
    } catch (error) {
      if (!(error instanceof ArchiveInputError)) throw error;
      selected = { problem: `${error.message}.` };
    }
  }
  const date = "day" in selected ? formatDay(selected.day) : today;

  return (
    <>
      <PageHeader title="Audit log">
        <p className="text-sm text-slate-600">
          Every restore and retrieval attempt, who made it and how it ended. Entries are append-only objects in the archive bucket; days are UTC.
        </p>
      </PageHeader>
      <div className="space-y-6">
        <form method="get" action="/audit" className="flex flex-wrap items-end gap-3 rounded-md border border-slate-200 bg-white p-3">
          <div className="flex flex-col gap-1">
            <label htmlFor="audit-date" className="text-sm font-medium">
              Day (UTC)
            </label>
            <input id="audit-date" name="date" type="date" defaultValue={date} max={today} className="rounded-md border border-slate-300 px-2.5 py-1.5 text-sm" />
          </div>
          <button type="submit" className="rounded-md bg-indigo-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-800">
            Show
          </button>
          {"day" in selected ? (
            <nav aria-label="Neighbouring days" className="ml-auto flex gap-2 text-sm">
              <Link href={auditHref(shiftDay(selected.day, -1))} className="inline-flex items-center gap-1 rounded-md px-2 py-1.5 ring-1 ring-slate-300 hover:bg-slate-100">
                <ChevronLeft aria-hidden="true" className="size-4" />
                Previous day
              </Link>
              {date < today ? (
                <Link href={auditHref(shiftDay(selected.day, 1))} className="inline-flex items-center gap-1 rounded-md px-2 py-1.5 ring-1 ring-slate-300 hover:bg-slate-100">
                  Next day
                  <ChevronRight aria-hidden="true" className="size-4" />
                </Link>
              ) : null}
            </nav>
          ) : null}
        </form>
        {"problem" in selected ? (
          <BadRequestPanel message={selected.problem} />
        ) : (
          <Suspense key={`${date}:${selected.cursor ?? ""}`} fallback={<AuditDaySkeleton />}>
            <AuditDay s3={s3} config={config} day={selected.day} date={date} {...(selected.cursor ? { cursor: selected.cursor } : {})} />
          </Suspense>
        )}
      </div>
    </>
  );
}
