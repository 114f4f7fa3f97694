"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { fetchJson, errorMessage } from "@/components/query/api-client";
import { MessagePanel } from "@/components/ui/message-panel";
import { TableSkeleton } from "@/components/ui/skeleton";
import type { PitrJobView } from "@/lib/pitr/pitr-types";
import { formatElapsed, StatusBadge } from "./pitr-status";

export const PITR_POLL_MS = 3000;

export function PitrHistory() {
  const jobs = useQuery({
    queryKey: ["pitr-jobs"],
    queryFn: () => fetchJson<{ jobs: PitrJobView[] }>("/api/pitr"),
    refetchInterval: (query) => (query.state.data?.jobs.some((j) => j.status === "CREATING") ? PITR_POLL_MS : false),
  });
  if (jobs.isPending) return <TableSkeleton rows={3} columns={5} label="Loading restores" />;
  if (jobs.isError) return <MessagePanel tone="error" title="Could not list the restores"><p>{errorMessage(jobs.error)}</p></MessagePanel>;
  if (jobs.data.jobs.length === 0) return <p className="text-sm text-slate-700">No point-in-time restores have been started from Lazarus yet.</p>;
  return (
    <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Point-in-time restores">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Point-in-time restores, newest first</caption>
        <thead className="border-b border-slate-300">
          <tr>
            <th scope="col" className="py-2 pr-4">Restored table</th>
            <th scope="col" className="py-2 pr-4">From</th>
            <th scope="col" className="py-2 pr-4">To time (UTC)</th>
            <th scope="col" className="py-2 pr-4">Status</th>
            <th scope="col" className="py-2 pr-4">Started</th>
            <th scope="col" className="py-2 pr-4">By</th>
          </tr>
        </thead>
        <tbody>
          {jobs.data.jobs.map((job) => (
            <tr key={job.id} className="border-b border-slate-100">
              <td className="py-2 pr-4 font-mono">
                <Link href={`/pitr/${job.id}`} className="underline">{job.targetTable}</Link>
              </td>
              <td className="py-2 pr-4">{job.service}</td>
              <td className="py-2 pr-4">{job.requestedTime ?? `latest${job.restoreDateTime ? ` (${job.restoreDateTime})` : ""}`}</td>
              <td className="py-2 pr-4"><StatusBadge status={job.status} /> <span className="text-slate-600">{formatElapsed(job.elapsedSeconds)}</span></td>
              <td className="py-2 pr-4"><time dateTime={job.startedAt}>{job.startedAt}</time></td>
              <td className="py-2 pr-4">{job.requestedBy.email}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
