"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { errorMessage, fetchJson } from "../query/api-client";
import { busyButtonProps, useInlineConfirmation } from "../ui/focus-management";
import { useAnnounce } from "../ui/status-region";

const DONE: Record<"approve" | "reject" | "withdraw", string> = {
  approve: "Approved: the action ran. The request shows its outcome.",
  reject: "Rejected.",
  withdraw: "Withdrawn.",
};

const button =
  "inline-flex items-center justify-center rounded-md px-4 py-2 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900 disabled:cursor-not-allowed disabled:opacity-60 aria-disabled:cursor-not-allowed aria-disabled:opacity-60";

/**
 * Approve, reject (with a reason) or withdraw a pending request. The server decides
 * who may do what; the page shows only what this user could do. A decision refreshes the
 * page and removes these buttons: focus goes to the request's heading, and the page-wide
 * live region says what happened.
 */
export function ApprovalActions({ requestId, canDecide, isRequester }: { requestId: string; canDecide: boolean; isRequester: boolean }) {
  const router = useRouter();
  const reasonId = useId();
  const [reason, setReason] = useState("");
  const { isOpen: rejecting, open, cancel, openerRef, panelRef } = useInlineConfirmation<true, HTMLTextAreaElement>();
  const announce = useAnnounce();
  const act = useMutation({
    mutationFn: ({ verb, body }: { verb: "approve" | "reject" | "withdraw"; body?: unknown }) =>
      fetchJson(`/api/approvals/${requestId}/${verb}`, { method: "POST", ...(body !== undefined ? { body } : {}) }),
    onSuccess: (_data, { verb }) => {
      announce(DONE[verb]);
      document.getElementById("what-heading")?.focus();
    },
    onSettled: () => router.refresh(),
  });
  if (!canDecide && !isRequester) return null;
  return (
    <section aria-labelledby="decide-heading" className="space-y-3 rounded-md border border-slate-200 bg-white p-4">
      <h2 id="decide-heading" className="text-lg font-semibold">
        {isRequester ? "Your request" : "Decide"}
      </h2>
      {canDecide ? (
        <p className="text-sm text-slate-700">Approving runs exactly what is shown above, as its requester asked; if the live data changed since, it is refused and must be planned again.</p>
      ) : null}
      <div className="flex flex-wrap gap-3">
        {canDecide ? (
          <>
            <button type="button" className={`${button} bg-emerald-700 text-white hover:bg-emerald-800`} {...busyButtonProps(act.isPending, () => act.mutate({ verb: "approve" }))}>
              {act.isPending && act.variables?.verb === "approve" ? "Approving and running…" : "Approve and run"}
            </button>
            <button
              ref={openerRef}
              type="button"
              className={`${button} border border-slate-300 bg-white text-slate-900 hover:bg-slate-100`}
              {...busyButtonProps(act.isPending, () => open(true))}
            >
              Reject…
            </button>
          </>
        ) : null}
        {isRequester ? (
          <button type="button" className={`${button} border border-slate-300 bg-white text-slate-900 hover:bg-slate-100`} {...busyButtonProps(act.isPending, () => act.mutate({ verb: "withdraw" }))}>
            Withdraw the request
          </button>
        ) : null}
      </div>
      {rejecting ? (
        <form
          className="flex flex-col gap-2"
          onSubmit={(event) => {
            event.preventDefault();
            if (!act.isPending) act.mutate({ verb: "reject", body: { reason } });
          }}
        >
          <label htmlFor={reasonId} className="text-sm font-medium">
            Why is it rejected?
          </label>
          <textarea ref={panelRef} id={reasonId} required maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} className="min-h-20 rounded-md border border-slate-300 px-3 py-2 text-sm" />
          <div className="flex flex-wrap gap-3">
            <button type="submit" className={`${button} bg-red-700 text-white hover:bg-red-800`} disabled={reason.trim() === ""} {...busyButtonProps(act.isPending)}>
              Reject the request
            </button>
            <button type="button" className={`${button} border border-slate-300 bg-white text-slate-900 hover:bg-slate-100`} {...busyButtonProps(act.isPending, cancel)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      <p role="alert" aria-live="assertive" className="min-h-5 text-sm text-red-700">
        {act.isError ? errorMessage(act.error) : ""}
      </p>
    </section>
  );
}
