import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import type { S3Client } from "@aws-sdk/client-s3";
import { ChevronLeft, ChevronRight } from "lucide-react";
import { requirePageUser } from "@/lib/auth/page";
import { can } from "@/lib/auth/roles";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { ArchiveInputError, parseDay } from "@/lib/archive/archive-reader";
import { DayRecords } from "@/components/day/day-records";
import { DaySealStateView } from "@/components/day/day-seal-state";
import { daySealState, type DaySealState } from "@/lib/archive/day-seal-state";
import type { CalendarDay } from "@/lib/archive/archive-input";
import type { LazarusConfig, ServiceConfig } from "@/lib/config/schema";
import { toUserFacingError } from "@/lib/http/error-response";
import { BadRequestPanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";
import { dayFilterSchema, parseParams } from "@/components/routing/search-params";
import { dayHref, serviceHref } from "@/components/routing/links";
import { monthName, utcDate } from "@/components/format/time";
import { archiveContext, serviceFromParam } from "@/lib/http/archive-context";

// Per request: the page reads the session and the archive as they are now.
export const dynamic = "force-dynamic";

interface Props {
  params: Promise<{ service: string; date: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { service, date } = await params;
  return { title: `${service} ${date.slice(0, 10)}` };
}

function shiftDay(date: string, by: number): string {
  return utcDate(new Date(Date.parse(`${date}T00:00:00Z`) + by * 86_400_000));
}

/** The neighbouring days, keeping the filters; no next day after today (UTC). */
function DayNavigation({ service, date, filter }: { service: string; date: string; filter: Parameters<typeof dayHref>[2] }) {
  const previous = shiftDay(date, -1);
  const next = shiftDay(date, 1);
  const link = "inline-flex items-center gap-1 rounded-md px-2 py-1.5 text-sm ring-1 ring-slate-300 hover:bg-slate-100";
  return (
    <nav aria-label="Neighbouring days" className="flex flex-wrap gap-2">
      <Link href={dayHref(service, previous, filter)} className={link} aria-label={`Previous day, ${previous}`}>
        <ChevronLeft aria-hidden="true" className="size-4" />
        Previous day
      </Link>
      {next <= utcDate(new Date()) ? (
        <Link href={dayHref(service, next, filter)} className={link} aria-label={`Next day, ${next}`}>
          Next day
          <ChevronRight aria-hidden="true" className="size-4" />
        </Link>
      ) : null}
    </nav>
  );
}

/** Sealed or open: one GET of the day's manifest, streamed so the records do not wait for it. */
async function DaySeal({ s3, config, service, day }: { s3: S3Client; config: LazarusConfig; service: ServiceConfig; day: CalendarDay }) {
  const state = await daySealState(s3, config, service, day).catch(
    (error: unknown): DaySealState => ({ state: "unreadable", problem: `Could not tell whether the day is sealed: ${toUserFacingError(error).message}` }),
  );
  return <DaySealStateView state={state} />;
}

export default async function DayPage({ params, searchParams }: Props) {
  const access = await requirePageUser("archive:read");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const { config, s3 } = archiveContext();
  const { service: serviceName, date } = await params;
  const service = serviceFromParam(config, serviceName);
  const crumbs = [{ label: "Overview", href: "/" }, { label: service.name, href: serviceHref(service.name) }];

  let day;
  try {
    day = parseDay(date);
  } catch (error) {
    if (!(error instanceof ArchiveInputError)) throw error;
    return (
      <>
        <PageHeader title="Deletions on a day" crumbs={[...crumbs, { label: "Bad date" }]} />
        <BadRequestPanel message={`${error.message}.`} />
      </>
    );
  }
  // The table reads the filters from the URL itself; this check only turns a bad link into a message.
  const filters = parseParams(dayFilterSchema, await searchParams);
  return (
    <>
      <PageHeader
        title={`Deletions on ${date}`}
        crumbs={[
          ...crumbs,
          { label: `${monthName(day.month)} ${day.year}`, href: serviceHref(service.name, { year: day.year, month: day.month }) },
          { label: date },
        ]}
      >
        <p className="text-sm text-slate-600">
          Everything archived from <code className="font-mono">{service.table.name}</code> on {date} (UTC), in archive order: by deletion time.
        </p>
        <Suspense fallback={<p className="text-sm text-slate-600">Checking whether the day is sealed…</p>}>
          <DaySeal s3={s3} config={config} service={service} day={day} />
        </Suspense>
        <DayNavigation service={service.name} date={date} filter={filters.ok ? filters.data : {}} />
      </PageHeader>
      {filters.ok ? <DayRecords service={service.name} date={date} bulkRestore={can(access.user.role, "bulk-restore")} /> : <BadRequestPanel message={filters.message} />}
    </>
  );
}
