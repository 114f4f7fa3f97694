import clsx from "clsx";
import { APPROVAL_STATUS_LABELS, type ApprovalStatus } from "@/lib/approvals/approval-types";

const TONES: Record<ApprovalStatus, string> = {
  pending: "bg-amber-100 text-amber-900",
  approved: "bg-sky-100 text-sky-900",
  executed: "bg-emerald-100 text-emerald-900",
  failed: "bg-red-100 text-red-900",
  rejected: "bg-red-100 text-red-900",
  withdrawn: "bg-slate-200 text-slate-800",
  expired: "bg-slate-200 text-slate-800",
  stale: "bg-amber-100 text-amber-900",
};

export function ApprovalStatusBadge({ status }: { status: ApprovalStatus }) {
  return <span className={clsx("inline-block rounded px-2 py-0.5 text-xs font-medium whitespace-nowrap", TONES[status])}>{APPROVAL_STATUS_LABELS[status]}</span>;
}
