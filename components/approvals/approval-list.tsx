import Link from "next/link";
import clsx from "clsx";
import { APPROVAL_KIND_LABELS, APPROVAL_STATUS_LABELS, approvalUrl, type ApprovalRequest, type ApprovalStatus } from "@/lib/approvals/approval-types";
import { formatRelative, formatUtc } from "../format/time";
import { ApprovalStatusBadge } from "./approval-status-badge";

/** The filters offered above the list; "all" is no filter. */
export const LIST_FILTERS: (ApprovalStatus | "all")[] = ["pending", "executed", "rejected", "expired", "withdrawn", "stale", "failed", "all"];

export function ApprovalFilters({ current }: { current: ApprovalStatus | "all" }) {
  return (
    <nav aria-label="Filter by status">
      <ul className="flex flex-wrap gap-2">
        {LIST_FILTERS.map((status) => (
          <li key={status}>
            <Link
              href={status === "pending" ? "/approvals" : `/approvals?status=${status}`}
              aria-current={status === current ? "page" : undefined}
              className={clsx(
                "inline-block rounded-full border px-3 py-1 text-sm",
                status === current ? "border-slate-900 bg-slate-900 text-white" : "border-slate-300 bg-white text-slate-800 hover:bg-slate-100",
              )}
            >
              {status === "all" ? "All" : APPROVAL_STATUS_LABELS[status]}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** One card per request: cards rather than a table, so a phone shows everything without scrolling sideways. */
export function ApprovalList({ requests, userId, now }: { requests: ApprovalRequest[]; userId: string; now: Date }) {
  if (requests.length === 0) return <p className="rounded-md border border-slate-200 bg-white p-4 text-sm text-slate-700">No requests here.</p>;
  return (
    <ul aria-label="Approval requests" className="space-y-3">
      {requests.map((r) => (
        <li key={r.id} className="rounded-md border border-slate-200 bg-white p-4">
          <div className="flex flex-wrap items-start justify-between gap-2">
            <div className="min-w-0">
              <p className="text-xs font-medium tracking-wide text-slate-600 uppercase">{APPROVAL_KIND_LABELS[r.kind]}</p>
              <Link href={approvalUrl(r.id)} className="font-medium break-words underline-offset-2 hover:underline">
                {r.summary.title}
              </Link>
            </div>
            <ApprovalStatusBadge status={r.status} />
          </div>
          <p className="mt-2 text-sm break-words text-slate-700">
            Asked by {r.requestedBy.id === userId ? "you" : r.requestedBy.email} {formatRelative(r.createdAt, now)}
            {r.status === "pending" ? <> · expires {formatUtc(r.expiresAt)}</> : null}
            {r.decidedBy ? <> · {r.status === "rejected" ? "rejected" : "decided"} by {r.decidedBy.email}</> : null}
          </p>
        </li>
      ))}
    </ul>
  );
}
