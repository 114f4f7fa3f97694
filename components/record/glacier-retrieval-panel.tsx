"use client";

import { useEffect, useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Loader2, RotateCw } from "lucide-react";
import { requestRetrieval, retrievalStatusQueryOptions, RETRIEVAL_POLL_MS } from "../query/archive-queries";
import { errorMessage } from "../query/api-client";
import type { RetrievalTier } from "../query/api-types";
import { formatUtc } from "../format/time";
import { MessagePanel } from "../ui/message-panel";

/** S3's published restore times; Deep Archive has no Expedited tier and is slower. */
const TIERS: { tier: RetrievalTier; glacier: string; deepArchive: string | null }[] = [
  { tier: "Expedited", glacier: "1–5 minutes", deepArchive: null },
  { tier: "Standard", glacier: "3–5 hours", deepArchive: "within 12 hours" },
  { tier: "Bulk", glacier: "5–12 hours", deepArchive: "within 48 hours" },
];

function RequestForm({ service, archiveKey, storageClass }: { service: string; archiveKey: string; storageClass: string }) {
  const queryClient = useQueryClient();
  const options = retrievalStatusQueryOptions(service, archiveKey);
  const isDeepArchive = storageClass === "DEEP_ARCHIVE";
  const tiers = TIERS.filter((t) => !isDeepArchive || t.deepArchive !== null);
  const [tier, setTier] = useState<RetrievalTier>("Standard");
  const [days, setDays] = useState("7");
  const dayCount = Number(days);
  const daysValid = Number.isInteger(dayCount) && dayCount >= 1 && dayCount <= 30;
  const mutation = useMutation({
    mutationFn: () => requestRetrieval(service, { archiveKey, tier, days: dayCount }),
    onSuccess: (status) => queryClient.setQueryData(options.queryKey, status),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (daysValid) mutation.mutate();
  };
  const field = "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm";
  return (
    <form onSubmit={submit} className="space-y-3" noValidate>
      <div className="flex flex-wrap items-end gap-4">
        <div className="flex flex-col gap-1">
          <label htmlFor="retrieval-tier" className="text-sm font-medium">
            Retrieval speed
          </label>
          <select id="retrieval-tier" className={field} value={tier} onChange={(e) => setTier(e.target.value as RetrievalTier)}>
            {tiers.map((t) => (
              <option key={t.tier} value={t.tier}>
                {t.tier} ({isDeepArchive ? t.deepArchive : t.glacier})
              </option>
            ))}
          </select>
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor="retrieval-days" className="text-sm font-medium">
            Keep the copy for (days)
          </label>
          <input
            id="retrieval-days"
            type="number"
            inputMode="numeric"
            min={1}
            max={30}
            step={1}
            value={days}
            onChange={(e) => setDays(e.target.value)}
            aria-invalid={!daysValid}
            aria-describedby="retrieval-days-hint"
            className={`${field} w-28`}
          />
        </div>
        <button
          type="submit"
          disabled={mutation.isPending || !daysValid}
          className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-60"
        >
          {mutation.isPending ? <Loader2 aria-hidden="true" className="size-4 animate-spin" /> : null}
          Request retrieval
        </button>
      </div>
      <p id="retrieval-days-hint" className={daysValid ? "text-xs text-slate-600" : "text-xs font-medium text-red-800"}>
        {daysValid ? "From 1 to 30 days. The copy costs storage for that long; the archived object is not changed." : "Enter a whole number of days from 1 to 30."}
      </p>
      <div aria-live="polite">
        {mutation.isError ? (
          <MessagePanel tone="error" title="The retrieval was not requested" headingLevel={3} role="alert">
            <p>{errorMessage(mutation.error)}</p>
          </MessagePanel>
        ) : null}
      </div>
    </form>
  );
}

/**
 * For an archive object in Glacier Flexible Retrieval or Deep Archive: shows the
 * retrieval's progress, polls while S3 works, and reloads the page once the
 * restored copy can be read.
 */
export function GlacierRetrievalPanel({ service, archiveKey, storageClass, canRequest }: { service: string; archiveKey: string; storageClass: string; canRequest: boolean }) {
  const router = useRouter();
  const status = useQuery(retrievalStatusQueryOptions(service, archiveKey));
  const state = status.data?.state;
  useEffect(() => {
    if (state === "available" || state === "readable") router.refresh();
  }, [state, router]);

  return (
    <div className="space-y-3">
      <div role="status" aria-live="polite" className="text-sm">
        {status.isPending ? (
          <p className="flex items-center gap-2">
            <Loader2 aria-hidden="true" className="size-4 animate-spin" />
            Checking the retrieval status…
          </p>
        ) : status.isError ? null : state === "in-progress" ? (
          <p className="flex items-center gap-2 font-medium">
            <Loader2 aria-hidden="true" className="size-4 animate-spin" />
            Retrieval in progress. This page checks every {RETRIEVAL_POLL_MS / 1000} seconds and shows the record as soon as S3 has restored it.
          </p>
        ) : state === "available" ? (
          <p className="font-medium">
            The restored copy is ready{status.data?.state === "available" && status.data.expiresAt ? ` (until ${formatUtc(status.data.expiresAt)})` : ""}. Opening the record…
          </p>
        ) : state === "readable" ? (
          <p className="font-medium">The object can be read now. Opening the record…</p>
        ) : (
          <p>No retrieval has been requested for this object.</p>
        )}
      </div>
      {status.isError ? (
        <MessagePanel tone="error" title="Could not check the retrieval status" headingLevel={3}>
          <p>{errorMessage(status.error)}</p>
          <button type="button" onClick={() => void status.refetch()} className="mt-2 inline-flex items-center gap-1.5 text-sm font-medium underline">
            <RotateCw aria-hidden="true" className="size-4" />
            Check again
          </button>
        </MessagePanel>
      ) : null}
      {state === "not-requested" ? (
        canRequest ? (
          <RequestForm service={service} archiveKey={archiveKey} storageClass={storageClass} />
        ) : (
          <p className="text-sm text-slate-700">Requesting a retrieval needs the support, compliance or admin role.</p>
        )
      ) : null}
    </div>
  );
}
