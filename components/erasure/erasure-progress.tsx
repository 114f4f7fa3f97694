"use client";

import { useEffect, useState } from "react";
import { Loader2 } from "lucide-react";
import type { ErasureMode, ErasurePlanResponse } from "@/lib/erasure/erasure-request";

/**
 * While the server works (one request; on a large subject it takes many seconds): what
 * it is removing, from the plan, and how long it has been at it, so a long wait reads as
 * progress rather than a hang. The server does not stream steps, so the bar is indeterminate.
 */
export function ErasureProgress({ plan, mode, startedAt }: { plan: ErasurePlanResponse; mode: ErasureMode; startedAt: number }) {
  const [now, setNow] = useState(startedAt);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.round((now - startedAt) / 1000));
  const versions = plan.findings.reduce((n, f) => n + f.versions, 0);
  const indexEntries = plan.findings.reduce((n, f) => n + f.indexEntries, 0);
  const steps = [
    `${plan.findings.length} archived record(s): ${versions} object version(s)${mode === "erase" ? `, ${indexEntries} index entr${indexEntries === 1 ? "y" : "ies"}` : ""}`,
    ...(plan.failureCopies.length > 0 ? [`${plan.failureCopies.length} failed-batch copy(ies)`] : []),
    ...(plan.jobFiles > 0 ? [`${plan.jobFiles} bulk-restore or compare file(s)`] : []),
    ...(mode === "erase" ? ["the erasure ledger entry, then the audit log's outcome"] : ["the audit log's outcome"]),
  ];
  return (
    <section aria-labelledby="erasure-progress" className="space-y-2 rounded-md border border-indigo-200 bg-indigo-50 p-4 text-sm text-indigo-950">
      <h2 id="erasure-progress" className="flex items-center gap-2 font-semibold">
        <Loader2 aria-hidden="true" className="size-4 animate-spin" />
        {mode === "erase" ? "Erasing" : "Redacting"}…
      </h2>
      <div role="progressbar" aria-label={`${mode === "erase" ? "Erasure" : "Redaction"} in progress`} aria-valuetext={`${seconds} seconds elapsed`} className="h-1.5 overflow-hidden rounded bg-indigo-100">
        <div className="h-full w-1/3 animate-pulse rounded bg-indigo-600" />
      </div>
      {/* Not a live region: it changes every second; the console announces the start and the result. */}
      <p>
        {seconds} s elapsed. The result and a receipt to keep appear here when it is done.
      </p>
      <p>Working through:</p>
      <ul className="list-disc pl-5">
        {steps.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
    </section>
  );
}
