import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { PitrJobPanel } from "@/components/pitr/pitr-job-view";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { ErrorPanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageUser } from "@/lib/auth/page";
import { archiveContext } from "@/lib/http/archive-context";
import { toUserFacingError } from "@/lib/http/error-response";
import { loadJob } from "@/lib/pitr/pitr-store";
import { pitrJobIdSchema } from "@/lib/pitr/pitr-types";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Point-in-time restore" };

export default async function PitrJobPage({ params }: { params: Promise<{ id: string }> }) {
  const access = await requirePageUser("pitr");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const id = pitrJobIdSchema.safeParse((await params).id);
  if (!id.success) notFound();
  const { config, s3 } = archiveContext();
  const crumbs = [{ label: "Overview", href: "/" }, { label: "Point-in-time restore", href: "/pitr" }];
  let job;
  try {
    job = await loadJob(s3, config, id.data);
  } catch (error) {
    return (
      <>
        <PageHeader title="Point-in-time restore" crumbs={crumbs} />
        <ErrorPanel message={toUserFacingError(error).message} />
      </>
    );
  }
  if (!job) notFound();
  return (
    <>
      <PageHeader title={`Restore of ${job.sourceTable}`} crumbs={[...crumbs, { label: job.targetTable }]} />
      <PitrJobPanel id={job.id} />
    </>
  );
}
