import type { Metadata } from "next";
import { listApprovals } from "@/lib/approvals/approvals";
import { APPROVAL_STATUSES, type ApprovalStatus } from "@/lib/approvals/approval-types";
import { requirePageUser } from "@/lib/auth/page";
import { archiveContext } from "@/lib/http/archive-context";
import { ApprovalFilters, ApprovalList } from "@/components/approvals/approval-list";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { MessagePanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Approvals" };

function statusFilter(value: string | string[] | undefined): ApprovalStatus | "all" {
  if (value === "all") return "all";
  return typeof value === "string" && (APPROVAL_STATUSES as readonly string[]).includes(value) ? (value as ApprovalStatus) : "pending";
}

export default async function ApprovalsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await requirePageUser("approvals");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const status = statusFilter((await searchParams).status);
  const { config, s3, dynamodb } = archiveContext();
  const now = new Date();
  const requests = await listApprovals({ s3, dynamodb }, config, access.user, status === "all" ? undefined : status, now);
  return (
    <>
      <PageHeader title="Approvals" crumbs={[{ label: "Overview", href: "/" }, { label: "Approvals" }]}>
        <p className="max-w-3xl text-sm text-slate-700">
          Actions this console runs only when a second person approves them: yours, and the ones your role could approve. A request expires unapproved after{" "}
          {config.approvals?.expiryHours ?? 24} hours.
        </p>
      </PageHeader>
      {config.approvals ? null : (
        <MessagePanel tone="info" title="Approvals are off" className="mb-4">
          <p>This console&apos;s configuration has no <code>approvals</code> block, so every action runs as soon as it is asked for. Earlier requests are still listed.</p>
        </MessagePanel>
      )}
      <div className="space-y-4">
        <ApprovalFilters current={status} />
        <ApprovalList requests={requests} userId={access.user.id} now={now} />
      </div>
    </>
  );
}
