import Link from "next/link";
import { APPROVAL_KIND_LABELS, type ApprovalRequest } from "@/lib/approvals/approval-types";
import { ROLE_LABELS } from "@/lib/auth/roles";
import { formatUtc } from "../format/time";
import { ApprovalStatusBadge } from "./approval-status-badge";

/** What the requester saw when asking, exactly as stored, and where the request stands. */
export function ApprovalDetail({ request }: { request: ApprovalRequest }) {
  const person = (p: ApprovalRequest["requestedBy"]) => `${p.name || p.email} (${p.email}, ${ROLE_LABELS[p.role].toLowerCase()})`;
  return (
    <div className="space-y-4">
      <section aria-labelledby="what-heading" className="space-y-3 rounded-md border border-slate-200 bg-white p-4">
        <div className="flex flex-wrap items-center gap-2">
          <h2 id="what-heading" tabIndex={-1} className="text-lg font-semibold">
            What will run
          </h2>
          <ApprovalStatusBadge status={request.status} />
        </div>
        <p className="font-medium break-words">{request.summary.title}</p>
        <ul className="list-disc space-y-1 pl-5 text-sm break-words text-slate-800">
          {request.summary.lines.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ul>
        {request.summary.counts && Object.keys(request.summary.counts).length > 0 ? (
          <dl aria-label="Counts" className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4">
            {Object.entries(request.summary.counts).map(([name, value]) => (
              <div key={name} className="rounded bg-slate-50 p-2">
                <dt className="text-slate-600">{name}</dt>
                <dd className="font-semibold tabular-nums" data-testid={`approval-count-${name}`}>
                  {value.toLocaleString("en-US")}
                </dd>
              </div>
            ))}
          </dl>
        ) : null}
        {request.summary.link ? (
          <p className="text-sm">
            <Link href={request.summary.link} className="underline underline-offset-2">
              Open the full plan
            </Link>
          </p>
        ) : null}
      </section>

      <section aria-labelledby="who-heading" className="space-y-2 rounded-md border border-slate-200 bg-white p-4 text-sm">
        <h2 id="who-heading" className="text-lg font-semibold">
          Who and when
        </h2>
        <dl className="grid gap-x-4 gap-y-1 sm:grid-cols-[max-content_1fr]">
          <dt className="text-slate-600">Action</dt>
          <dd>{APPROVAL_KIND_LABELS[request.kind]}</dd>
          <dt className="text-slate-600">Asked by</dt>
          <dd className="break-words">{person(request.requestedBy)}</dd>
          <dt className="text-slate-600">Asked at</dt>
          <dd>{formatUtc(request.createdAt)}</dd>
          <dt className="text-slate-600">Expires</dt>
          <dd>{formatUtc(request.expiresAt)}</dd>
          {request.decidedBy ? (
            <>
              <dt className="text-slate-600">{request.status === "rejected" ? "Rejected by" : "Decided by"}</dt>
              <dd className="break-words">
                {person(request.decidedBy)}
                {request.decidedAt ? `, ${formatUtc(request.decidedAt)}` : ""}
              </dd>
            </>
          ) : null}
          {request.reason ? (
            <>
              <dt className="text-slate-600">Reason</dt>
              <dd className="break-words">{request.reason}</dd>
            </>
          ) : null}
          {request.result ? (
            <>
              <dt className="text-slate-600">Outcome</dt>
              <dd className="break-words" data-testid="approval-outcome">
                {request.result.outcome}: {request.result.message}
                {request.result.auditId ? ` (audit ${request.result.auditId})` : ""}
              </dd>
            </>
          ) : null}
          <dt className="text-slate-600">Request id</dt>
          <dd className="font-mono text-xs break-all">{request.id}</dd>
        </dl>
      </section>
    </div>
  );
}
