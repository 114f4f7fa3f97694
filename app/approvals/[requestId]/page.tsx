import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ApprovalNotFoundError } from "@/lib/approvals/approval-store";
import { canDecide, getApproval } from "@/lib/approvals/approvals";
import { APPROVAL_KIND_LABELS, approvalIdSchema } from "@/lib/approvals/approval-types";
import { requirePageUser } from "@/lib/auth/page";
import { DomainError } from "@/lib/errors/domain-error";
import { archiveContext } from "@/lib/http/archive-context";
import { ApprovalActions } from "@/components/approvals/approval-actions";
import { ApprovalDetail } from "@/components/approvals/approval-detail";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { PageHeader } from "@/components/ui/page-header";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Approval request" };

export default async function ApprovalRequestPage({ params }: { params: Promise<{ requestId: string }> }) {
  const access = await requirePageUser("approvals");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const { requestId } = await params;
  if (!approvalIdSchema.safeParse(requestId).success) notFound();
  const { config, s3, dynamodb } = archiveContext();
  let request;
  try {
    request = await getApproval({ s3, dynamodb }, config, access.user, requestId);
  } catch (error) {
    if (error instanceof ApprovalNotFoundError) notFound();
    if (error instanceof DomainError && error.status === 403) return <ForbiddenPanel message={error.message} />;
    throw error;
  }
  const isRequester = request.requestedBy.id === access.user.id;
  return (
    <>
      <PageHeader title={`${APPROVAL_KIND_LABELS[request.kind]} request`} crumbs={[{ label: "Overview", href: "/" }, { label: "Approvals", href: "/approvals" }, { label: request.id }]} />
      <div className="space-y-4">
        <ApprovalDetail request={request} />
        {request.status === "pending" ? <ApprovalActions requestId={request.id} canDecide={canDecide(config, access.user, request)} isRequester={isRequester} /> : null}
      </div>
    </>
  );
}
