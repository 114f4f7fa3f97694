import { Suspense } from "react";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageUser } from "@/lib/auth/page";
import { JobNotFoundError, JobStore, jobIdSchema } from "@/lib/bulk-restore/job-store";
import { getJobView } from "@/lib/bulk-restore/jobs";
import { archiveContext } from "@/lib/http/archive-context";
import { JobDetail } from "@/components/bulk-restore/job-detail";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton, TableSkeleton } from "@/components/ui/skeleton";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Bulk-restore job" };

/** The plan table shows this many items; the CSV has every one. */
const ITEMS_SHOWN = 1_000;

export default async function BulkRestoreJobPage({ params }: { params: Promise<{ jobId: string }> }) {
  const access = await requirePageUser("bulk-restore");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const { jobId } = await params;
  if (!jobIdSchema.safeParse(jobId).success) notFound();
  const { config, s3, dynamodb } = archiveContext();
  const store = new JobStore(s3, config);
  let view;
  try {
    view = await getJobView({ s3, dynamodb, config }, jobId);
  } catch (error) {
    if (error instanceof JobNotFoundError) notFound();
    throw error;
  }
  return (
    <>
      <PageHeader title={`Bulk restore: ${view.job.service}`} crumbs={[{ label: "Overview", href: "/" }, { label: "Bulk restore", href: "/bulk-restore" }, { label: view.job.id }]} />
      {/* The job is known to exist by now (a 404 is sent before anything streams); its items stream in. */}
      <Suspense fallback={<JobItemsSkeleton />}>
        <JobItems store={store} view={view} />
      </Suspense>
    </>
  );
}

async function JobItems({ store, view }: { store: JobStore; view: Awaited<ReturnType<typeof getJobView>> }) {
  const [items, diffs] = await Promise.all([store.items(view.job.id), store.diffs(view.job.id)]);
  // Conflicts first: they are what an admin has to look at before running.
  const ordered = [...items.filter((i) => i.category === "conflicting"), ...items.filter((i) => i.category !== "conflicting")].slice(0, ITEMS_SHOWN);
  const shownDiffs = Object.fromEntries(ordered.filter((i) => diffs[i.i]).map((i) => [i.i, diffs[i.i]!]));
  return <JobDetail initial={view} items={ordered} diffs={shownDiffs} itemsTruncated={items.length > ordered.length} />;
}

function JobItemsSkeleton() {
  return (
    <>
      <Skeleton className="mb-4 h-32 w-full" />
      <TableSkeleton label="Loading bulk restore" />
    </>
  );
}
