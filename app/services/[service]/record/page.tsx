import { Suspense } from "react";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/page";
import { ArchiveInputError, validateArchiveKey } from "@/lib/archive/archive-reader";
import { RecordSkeleton, RecordView } from "@/components/record/record-view";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { BadRequestPanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";
import { parseParams, recordParamsSchema } from "@/components/routing/search-params";
import { dayHref, serviceHref } from "@/components/routing/links";
import { formatDay } from "@/lib/archive/archive-reader";
import { archiveContext, serviceFromParam } from "@/lib/http/archive-context";

// Per request: the page reads the session and the archive as they are now.
export const dynamic = "force-dynamic";

interface Props {
  params: Promise<{ service: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export const metadata: Metadata = { title: "Deleted record" };

export default async function RecordPage({ params, searchParams }: Props) {
  const access = await requirePageUser("archive:read");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const { config, s3, dynamodb } = archiveContext();
  const service = serviceFromParam(config, (await params).service);
  const crumbs = [{ label: "Overview", href: "/" }, { label: service.name, href: serviceHref(service.name) }];

  const parsed = parseParams(recordParamsSchema, await searchParams);
  let location: { archiveKey: string; date: string } | { problem: string };
  if (!parsed.ok) {
    location = { problem: parsed.message };
  } else {
    try {
      location = { archiveKey: parsed.data.key, date: formatDay(validateArchiveKey(config, service, parsed.data.key).day) };
    } catch (error) {
      if (!(error instanceof ArchiveInputError)) throw error;
      location = { problem: `${error.message}.` };
    }
  }
  if ("problem" in location) {
    return (
      <>
        <PageHeader title="Deleted record" crumbs={[...crumbs, { label: "Record" }]} />
        <BadRequestPanel message={location.problem} />
      </>
    );
  }
  return (
    <>
      <PageHeader title={`Deleted record in ${service.name}`} crumbs={[...crumbs, { label: location.date, href: dayHref(service.name, location.date) }, { label: "Record" }]} />
      <Suspense fallback={<RecordSkeleton />}>
        <RecordView s3={s3} dynamodb={dynamodb} config={config} service={service} archiveKey={location.archiveKey} role={access.user.role} now={new Date()} />
      </Suspense>
    </>
  );
}
