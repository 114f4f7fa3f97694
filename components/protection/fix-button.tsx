"use client";

import { useId, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { ShieldCheck } from "lucide-react";
import { errorMessage, fetchJson } from "@/components/query/api-client";
import { MessagePanel } from "@/components/ui/message-panel";
import type { ProtectionFix } from "@/lib/protection/protection-types";
import { isApprovalRequested, type ApprovalRequestedResponse } from "@/lib/approvals/approval-types";
import { SentForApproval } from "../approvals/sent-for-approval";
import { busyButtonProps, useInlineConfirmation } from "../ui/focus-management";
import { useAnnounce } from "../ui/status-region";

const TEXT: Record<ProtectionFix, { button: string; consequence: string }> = {
  "enable-pitr": {
    button: "Enable point-in-time recovery",
    consequence: "DynamoDB starts keeping continuous backups (billed per GB-month); the restorable window grows from now.",
  },
  "enable-deletion-protection": {
    button: "Enable deletion protection",
    consequence: "DeleteTable is refused until someone turns deletion protection off again.",
  },
};

/**
 * An admin's fix, applied only after the table name is typed to confirm it. Applying it
 * refreshes the page, which usually removes the finding and this button with it: so the
 * "Done" is said through the page-wide live region, and focus goes to the check's heading.
 */
export function FixButton({ service, table, fix, checkHeadingId }: { service: string; table: string; fix: ProtectionFix; checkHeadingId?: string }) {
  const router = useRouter();
  const inputId = useId();
  const announce = useAnnounce();
  const { isOpen: confirming, open, cancel, close, focus, openerRef, panelRef } = useInlineConfirmation<true, HTMLDivElement>();
  const [state, setState] = useState<{ step: "idle" | "working" | "done" } | { step: "failed"; message: string } | { step: "sent"; requested: ApprovalRequestedResponse }>({
    step: "idle",
  });
  const [typed, setTyped] = useState("");
  const sentRef = useRef<HTMLHeadingElement>(null);
  const doneRef = useRef<HTMLParagraphElement>(null);
  const failedRef = useRef<HTMLHeadingElement>(null);
  const { button, consequence } = TEXT[fix];
  const doneText = `Done: ${button.toLowerCase().replace(/^enable/, "enabled")} on ${table}. The change is in the audit log.`;

  const apply = async () => {
    setState({ step: "working" });
    try {
      const answer = await fetchJson<unknown>(`/api/protection/${encodeURIComponent(service)}/fixes`, { method: "POST", body: { fix, confirmTable: typed } });
      close();
      if (isApprovalRequested(answer)) {
        setState({ step: "sent", requested: answer });
        focus(sentRef);
        return;
      }
      setState({ step: "done" });
      announce(doneText);
      const heading = checkHeadingId ? document.getElementById(checkHeadingId) : null;
      if (heading) heading.focus();
      else focus(doneRef);
      router.refresh();
    } catch (error) {
      setState({ step: "failed", message: errorMessage(error) });
      focus(failedRef);
    }
  };

  if (state.step === "sent") return <SentForApproval requested={state.requested} focusRef={sentRef} />;
  if (state.step === "done") {
    return (
      <p ref={doneRef} tabIndex={-1} className="text-sm font-medium text-emerald-800">
        {doneText}
      </p>
    );
  }
  if (!confirming) {
    return (
      <button
        ref={openerRef}
        type="button"
        onClick={() => open(true)}
        className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800"
      >
        <ShieldCheck aria-hidden="true" className="size-4" />
        {button}
      </button>
    );
  }
  const working = state.step === "working";
  return (
    <div ref={panelRef} tabIndex={-1} role="group" aria-label={`Confirm: ${button.toLowerCase()}`} className="space-y-2 rounded-md border border-slate-300 bg-white p-3">
      <p className="text-sm text-slate-800">
        {button} on <strong>{table}</strong>? {consequence}
      </p>
      <label htmlFor={inputId} className="block text-sm font-medium text-slate-900">
        Type the table name to confirm
      </label>
      <input
        id={inputId}
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        readOnly={working}
        autoComplete="off"
        spellCheck={false}
        className="w-full max-w-sm rounded-md border border-slate-400 px-2 py-1 font-mono text-sm"
      />
      <div className="flex gap-2">
        <button
          type="button"
          disabled={typed !== table}
          // Written out rather than with busyButtonProps: `apply` hands refs to the focus request, which the hooks linter cannot follow.
          aria-disabled={working || undefined}
          onClick={() => {
            if (!working) void apply();
          }}
          className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:cursor-not-allowed disabled:bg-slate-400 aria-disabled:cursor-not-allowed aria-disabled:bg-slate-400"
        >
          {working ? "Applying…" : `Confirm: ${button.toLowerCase()}`}
        </button>
        <button
          type="button"
          {...busyButtonProps(working, () => {
            setState({ step: "idle" });
            setTyped("");
            cancel();
          })}
          className="rounded-md px-3 py-1.5 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-100"
        >
          Cancel
        </button>
      </div>
      {state.step === "failed" ? (
        <MessagePanel tone="error" title="The change was not made" role="alert" headingLevel={4} focusRef={failedRef}>
          <p>{state.message}</p>
        </MessagePanel>
      ) : null}
    </div>
  );
}
