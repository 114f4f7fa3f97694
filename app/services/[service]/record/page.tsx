import { cache, Suspense } from "react";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ArrowLeft } from "lucide-react";
import { requirePageUser } from "@/lib/auth/page";
import { ArchiveInputError, formatDay, getArchivedRecord, UnsafeArchiveKeyError, validateArchiveKey } from "@/lib/archive/archive-reader";
import { checkArchiveKey } from "@/lib/archive/listed-key";
import { keyValueText } from "@/lib/archive/attribute-value";
import { RecordSkeleton, RecordView } from "@/components/record/record-view";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { BadRequestPanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";
import { parseParams, recordParamsSchema } from "@/components/routing/search-params";
import { backSection, dayHref, safeBackPath, serviceHref } from "@/components/routing/links";
import { archiveContext, serviceFromParam } from "@/lib/http/archive-context";

// Per request: the page reads the session and the archive as they are now.
export const dynamic = "force-dynamic";

interface Props {
  params: Promise<{ service: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/** One GET per request, shared by the title and the page. */
const readRecord = cache(async (serviceName: string, archiveKey: string) => {
  const { config, s3 } = archiveContext();
  return getArchivedRecord(s3, config, serviceFromParam(config, serviceName), archiveKey);
});

/** The tab names the key, so several open records can be told apart. */
export async function generateMetadata({ params, searchParams }: Props): Promise<Metadata> {
  const fallback: Metadata = { title: "Deleted record" };
  const access = await requirePageUser("archive:read");
  if (!access.ok) return fallback;
  const parsed = parseParams(recordParamsSchema, await searchParams);
  if (!parsed.ok) return fallback;
  try {
    const { config } = archiveContext();
    const service = serviceFromParam(config, (await params).service);
    validateArchiveKey(config, service, parsed.data.key);
    const result = await readRecord(service.name, parsed.data.key);
    if (!result.ok) return fallback;
    const names = [service.table.partitionKey.name, ...(service.table.sortKey ? [service.table.sortKey.name] : [])];
    const key = names.flatMap((n) => (result.deletion.keys[n] ? [keyValueText(result.deletion.keys[n])] : [])).join(" · ");
    return { title: key ? `${key.length > 80 ? `${key.slice(0, 79)}…` : key} (deleted)` : "Deleted record" };
  } catch {
    return fallback;
  }
}

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
      location = { archiveKey: parsed.data.key, date: formatDay((await checkArchiveKey(s3, config, service, parsed.data.key)).day) };
    } catch (error) {
      // A name with ".." segments that the bucket does not hold: there is no such record.
      if (error instanceof UnsafeArchiveKeyError) notFound();
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
  const back = parsed.ok ? safeBackPath(parsed.data.back) : undefined;
  const { archiveKey } = location;
  // Read before anything streams, so a missing record answers 404; the view explains any other failure.
  const read = await readRecord(service.name, archiveKey).then(
    (record) => ({ record }),
    (error: unknown) => ({ error }),
  );
  if ("record" in read && !read.record.ok && read.record.error.kind === "not-found") notFound();
  return (
    <>
      {back ? (
        <Link href={back} className="mb-3 inline-flex items-center gap-1 text-sm font-medium text-indigo-800 underline-offset-2 hover:underline">
          <ArrowLeft aria-hidden="true" className="size-4" />
          {backSection(back).label}
        </Link>
      ) : null}
      <PageHeader title={`Deleted record in ${service.name}`} crumbs={[...crumbs, { label: location.date, href: dayHref(service.name, location.date) }, { label: "Record" }]} />
      <Suspense fallback={<RecordSkeleton />}>
        <RecordView
          s3={s3}
          dynamodb={dynamodb}
          config={config}
          service={service}
          archiveKey={archiveKey}
          role={access.user.role}
          now={new Date()}
          loadRecord={() => ("record" in read ? Promise.resolve(read.record) : Promise.reject(read.error))}
          {...(back ? { back } : {})}
        />
      </Suspense>
    </>
  );
}
