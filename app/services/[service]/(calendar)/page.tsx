import { Suspense } from "react";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/page";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { ServiceBrowser } from "@/components/calendar/service-browser";
import { MonthCalendarSkeleton } from "@/components/calendar/month-calendar";
import { BadRequestPanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";
import { calendarParamsSchema, parseParams } from "@/components/routing/search-params";
import { archiveContext, serviceFromParam } from "@/lib/http/archive-context";

// Per request: the page reads the session and the archive as they are now.
export const dynamic = "force-dynamic";

interface Props {
  params: Promise<{ service: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).service };
}

export default async function ServicePage({ params, searchParams }: Props) {
  const access = await requirePageUser("archive:read");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const { config, s3 } = archiveContext();
  const service = serviceFromParam(config, (await params).service);
  const query = parseParams(calendarParamsSchema, await searchParams);
  return (
    <>
      <PageHeader title={service.name} crumbs={[{ label: "Overview", href: "/" }, { label: service.name }]}>
        <p className="text-sm text-slate-600">
          {service.description ? `${service.description} · ` : ""}table <code className="font-mono">{service.table.name}</code>. Pick a day to see its
          deletions.
        </p>
      </PageHeader>
      {query.ok ? (
        <Suspense key={`${query.data.year ?? ""}-${query.data.month ?? ""}`} fallback={<MonthCalendarSkeleton />}>
          <ServiceBrowser s3={s3} config={config} service={service} wanted={{ ...(query.data.year !== undefined ? { year: query.data.year } : {}), ...(query.data.month !== undefined ? { month: query.data.month } : {}) }} />
        </Suspense>
      ) : (
        <BadRequestPanel message={query.message} />
      )}
    </>
  );
}
