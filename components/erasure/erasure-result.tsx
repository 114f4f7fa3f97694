"use client";

import { useMemo, type Ref } from "react";
import { Download } from "lucide-react";
import type { ErasureResponse } from "@/lib/erasure/erasure-request";
import { receiptFileName, type ErasureReceipt } from "./erasure-receipt";

/** What the erasure did, its audit id, and the receipt to download. The console puts it in a live region that was there before it. */
export function ErasureResult({ response, receipt, focusRef }: { response: ErasureResponse; receipt: ErasureReceipt; focusRef?: Ref<HTMLHeadingElement> }) {
  // A data URL: the receipt is a few kilobytes, and nothing needs revoking.
  const href = useMemo(() => `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(receipt, null, 2))}`, [receipt]);
  const { summary } = response;
  const succeeded = response.outcome === "succeeded";
  return (
    <section aria-labelledby="erasure-result" className={`rounded-md border p-4 text-sm ${succeeded ? "border-emerald-300 bg-emerald-50 text-emerald-950" : "border-amber-300 bg-amber-50 text-amber-950"}`}>
      <h2 id="erasure-result" ref={focusRef} tabIndex={-1} className="text-base font-semibold">
        {succeeded ? (summary.mode === "erase" ? "Erased" : "Redacted") : "Partly done"}
      </h2>
      <p className="mt-1">{response.message}</p>
      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
        <dt>Audit id</dt>
        <dd className="font-mono break-all" data-testid="erasure-audit-id">
          {response.auditId}
        </dd>
        <dt>Records</dt>
        <dd>{summary.records}</dd>
        <dt>Object versions removed</dt>
        <dd>{summary.objectVersionsRemoved}</dd>
        <dt>Index entries removed</dt>
        <dd>{summary.indexEntriesRemoved}</dd>
        <dt>Failed-batch copies cleaned</dt>
        <dd>{summary.failureCopiesRewritten + summary.failureCopiesDeleted}</dd>
        <dt>Attribution records removed</dt>
        <dd>{summary.attributionRecordsRemoved}</dd>
        {summary.sealedRecordsRemoved > 0 || summary.bundlesRewritten > 0 ? (
          <>
            <dt>Sealed records removed from bundles</dt>
            <dd>
              {summary.sealedRecordsRemoved} ({summary.bundlesRewritten} bundle part(s) rewritten)
            </dd>
          </>
        ) : null}
      </dl>
      {summary.remaining.length > 0 ? (
        <>
          <h3 className="mt-3 font-semibold">Not removed</h3>
          <ul className="list-disc pl-6">
            {summary.remaining.map((r) => (
              <li key={`${r.location}:${r.reason}`}>
                <span className="font-mono break-all">{r.location}</span>: {r.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {href ? (
        <a
          href={href}
          download={receiptFileName(receipt)}
          className="mt-3 inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-1.5 font-medium text-slate-900 ring-1 ring-slate-300 hover:bg-slate-50"
        >
          <Download aria-hidden="true" className="size-4" />
          Download the erasure receipt (JSON)
        </a>
      ) : null}
    </section>
  );
}
