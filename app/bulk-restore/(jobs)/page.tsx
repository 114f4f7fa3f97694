import type { Metadata } from "next";
import Link from "next/link";
import { requirePageUser } from "@/lib/auth/page";
import { listJobs } from "@/lib/bulk-restore/jobs";
import { archiveContext } from "@/lib/http/archive-context";
import { toUserFacingError } from "@/lib/http/error-response";
import { NewJobForm, type NewJobDefaults } from "@/components/bulk-restore/new-job-form";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { ErrorPanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";
import { ScrollRegion } from "@/components/ui/scroll-region";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Bulk restore" };

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

const one = (value: string | string[] | undefined) => (typeof value === "string" ? value : undefined);
const day = (value: string | undefined) => (value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : undefined);
const time = (value: string | undefined) => (value && /^([01]\d|2[0-3]):[0-5]\d$/.test(value) ? value : undefined);

export default async function BulkRestorePage({ searchParams }: Props) {
  const access = await requirePageUser("bulk-restore");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const { config, s3 } = archiveContext();
  const params = await searchParams;
  const type = one(params.type);
  const defaults: NewJobDefaults = {
    ...(one(params.service) ? { service: one(params.service) } : {}),
    ...(day(one(params.from)) ? { from: day(one(params.from)) } : {}),
    ...(day(one(params.to)) ? { to: day(one(params.to)) } : {}),
    ...(type === "ttl" || type === "manual" ? { type } : {}),
    ...(one(params.prefix) ? { prefix: one(params.prefix)!.slice(0, 512) } : {}),
    ...(time(one(params.timeFrom)) ? { timeFrom: time(one(params.timeFrom)) } : {}),
    ...(time(one(params.timeTo)) ? { timeTo: time(one(params.timeTo)) } : {}),
  };
  let jobs;
  let jobsError: string | undefined;
  try {
    jobs = await listJobs(s3, config);
  } catch (error) {
    jobsError = toUserFacingError(error).message;
  }
  return (
    <>
      <PageHeader title="Bulk restore" crumbs={[{ label: "Overview", href: "/" }, { label: "Bulk restore" }]}>
        <p className="text-sm text-slate-600">Plan first (absent / identical / conflicting per record), then run: conditional writes, never an overwrite unless you ask for it, resumable.</p>
      </PageHeader>
      <NewJobForm services={config.services.map((s) => s.name)} defaults={defaults} />
      <section aria-labelledby="recent-heading" className="mt-8">
        <h2 id="recent-heading" className="mb-2 text-lg font-semibold">Recent jobs</h2>
        {jobsError ? (
          <ErrorPanel title="Could not list the jobs" message={jobsError} headingLevel={3} />
        ) : jobs && jobs.length > 0 ? (
          // On a phone the service and the requester go under the job's time, so the table fits without scrolling.
          <ScrollRegion labelledBy="recent-heading" className="rounded-md border border-slate-200 bg-white">
            <table className="w-full text-sm">
              <thead className="bg-slate-50 text-left">
                <tr>
                  <th scope="col" className="px-3 py-2">Job</th>
                  <th scope="col" className="hidden px-3 py-2 sm:table-cell">Service</th>
                  <th scope="col" className="px-3 py-2">Items</th>
                  <th scope="col" className="px-3 py-2">Status</th>
                  <th scope="col" className="hidden px-3 py-2 sm:table-cell">Created by</th>
                </tr>
              </thead>
              <tbody>
                {jobs.map((job) => (
                  <tr key={job.id} className="border-t border-slate-100">
                    <td className="px-3 py-2">
                      <Link href={`/bulk-restore/${job.id}`} className="font-mono text-indigo-800 underline">
                        {job.createdAt.replace("T", " ").slice(0, 19)}
                      </Link>
                      <span className="block text-xs break-all text-slate-600 sm:hidden">
                        {job.service} · {job.createdBy}
                      </span>
                    </td>
                    <td className="hidden px-3 py-2 sm:table-cell">{job.service}</td>
                    <td className="px-3 py-2 tabular-nums">{job.itemCount.toLocaleString("en-US")}</td>
                    <td className="px-3 py-2">{job.status}</td>
                    <td className="hidden px-3 py-2 sm:table-cell">{job.createdBy}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        ) : (
          <p className="text-sm text-slate-600">No bulk-restore jobs yet.</p>
        )}
      </section>
    </>
  );
}
