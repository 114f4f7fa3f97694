"use client";

import { useId, useState } from "react";
import { useRouter } from "next/navigation";
import { ShieldCheck } from "lucide-react";
import { errorMessage, fetchJson } from "@/components/query/api-client";
import { MessagePanel } from "@/components/ui/message-panel";
import type { ProtectionFix } from "@/lib/protection/protection-types";
import { isApprovalRequested, type ApprovalRequestedResponse } from "@/lib/approvals/approval-types";
import { SentForApproval } from "../approvals/sent-for-approval";

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

/** An admin's fix, applied only after the table name is typed to confirm it. */
export function FixButton({ service, table, fix }: { service: string; table: string; fix: ProtectionFix }) {
  const router = useRouter();
  const inputId = useId();
  const [state, setState] = useState<{ step: "idle" | "confirm" | "working" | "done" } | { step: "failed"; message: string } | { step: "sent"; requested: ApprovalRequestedResponse }>({
    step: "idle",
  });
  const [typed, setTyped] = useState("");
  const { button, consequence } = TEXT[fix];

  const apply = async () => {
    setState({ step: "working" });
    try {
      const answer = await fetchJson<unknown>(`/api/protection/${encodeURIComponent(service)}/fixes`, { method: "POST", body: { fix, confirmTable: typed } });
      if (isApprovalRequested(answer)) {
        setState({ step: "sent", requested: answer });
        return;
      }
      setState({ step: "done" });
      router.refresh();
    } catch (error) {
      setState({ step: "failed", message: errorMessage(error) });
    }
  };

  if (state.step === "sent") return <SentForApproval requested={state.requested} />;
  if (state.step === "done") {
    return (
      <p role="status" className="text-sm font-medium text-emerald-800">
        Done: {button.toLowerCase().replace(/^enable/, "enabled")} on {table}. The change is in the audit log.
      </p>
    );
  }
  if (state.step === "idle") {
    return (
      <button
        type="button"
        onClick={() => setState({ step: "confirm" })}
        className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800"
      >
        <ShieldCheck aria-hidden="true" className="size-4" />
        {button}
      </button>
    );
  }
  return (
    <div className="space-y-2 rounded-md border border-slate-300 bg-white p-3">
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
        autoComplete="off"
        spellCheck={false}
        className="w-full max-w-sm rounded-md border border-slate-400 px-2 py-1 font-mono text-sm"
      />
      <div className="flex gap-2">
        <button
          type="button"
          disabled={typed !== table || state.step === "working"}
          onClick={() => void apply()}
          className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:cursor-not-allowed disabled:bg-slate-400"
        >
          {state.step === "working" ? "Applying…" : `Confirm: ${button.toLowerCase()}`}
        </button>
        <button
          type="button"
          onClick={() => {
            setState({ step: "idle" });
            setTyped("");
          }}
          className="rounded-md px-3 py-1.5 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-100"
        >
          Cancel
        </button>
      </div>
      {state.step === "failed" ? (
        <MessagePanel tone="error" title="The change was not made" role="alert" headingLevel={4}>
          <p>{state.message}</p>
        </MessagePanel>
      ) : null}
    </div>
  );
}
