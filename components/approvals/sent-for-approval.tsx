import Link from "next/link";
import type { Ref } from "react";
import type { ApprovalRequestedResponse } from "@/lib/approvals/approval-types";
import { formatUtc } from "../format/time";
import { MessagePanel } from "../ui/message-panel";

/** What an action's screen shows instead of "Done" when the action became a four-eyes request. */
export function SentForApproval({ requested, className, focusRef }: { requested: ApprovalRequestedResponse; className?: string; focusRef?: Ref<HTMLHeadingElement> }) {
  return (
    <MessagePanel tone="info" title="Sent for approval" role="status" focusRef={focusRef} {...(className ? { className } : {})}>
      <p>
        Nothing has run yet. A second person whose role may do this must approve it before {formatUtc(requested.request.expiresAt)}; it runs as soon as they do.
      </p>
      <p className="mt-2">
        <Link href={requested.request.url} className="font-medium underline underline-offset-2">
          Open the approval request
        </Link>
      </p>
    </MessagePanel>
  );
}
