import { Lock, ShieldAlert } from "lucide-react";
import { DeletionTypeBadge } from "@/components/ui/deletion-type-badge";
import { formatUtc } from "@/components/format/time";
import type { ErasureMode, ErasurePlanResponse, ErasureQuery } from "@/lib/erasure/erasure-request";
import { lockLabel } from "./lock-label";
import { ScrollRegion } from "@/components/ui/scroll-region";

/**
 * What the plan found for the subject. Once the erasure has run, the same list says
 * it was erased (or redacted), so the screen never shows erased records as waiting.
 */
export function ErasureFindings({ plan, query, mode, done }: { plan: ErasurePlanResponse; query: ErasureQuery; mode: ErasureMode; done: ErasureMode | null }) {
  const nothingFound = plan.findings.length === 0 && plan.failureCopies.length === 0;
  const subjectText = `${query.match === "prefix" ? "keys starting with " : ""}${query.key}`;
  const subject = (
    <>
      {query.match === "prefix" ? "keys starting with " : ""}
      <span className="font-mono break-all">{query.key}</span>
    </>
  );
  return (
    <section aria-labelledby="erasure-findings" className="space-y-3">
      <h2 id="erasure-findings" className="text-lg font-semibold">
        {done ? (
          <>
            {done === "erase" ? "Erased" : "Redacted"}: the records found for {subject}
          </>
        ) : (
          <>Findings for {subject}</>
        )}
      </h2>
      {nothingFound ? (
        <p className="text-sm text-slate-600">No archived deletion and no failed-batch copy holds this key in {plan.services.join(", ")}.</p>
      ) : (
        <>
          <ScrollRegion label={`Findings for ${subjectText}`} className="rounded-md border border-slate-200 bg-white">
            <table className="min-w-full text-sm">
              <caption className="sr-only">
                Archived deletions that {done ? (done === "erase" ? "were erased" : "were redacted") : `would be ${mode === "erase" ? "erased" : "redacted"}`}
              </caption>
              <thead className="bg-slate-50 text-left">
                <tr>
                  <th scope="col" className="px-3 py-2">Service</th>
                  <th scope="col" className="px-3 py-2">Key</th>
                  <th scope="col" className="px-3 py-2">Deleted (UTC)</th>
                  <th scope="col" className="px-3 py-2">Type</th>
                  <th scope="col" className="px-3 py-2">Versions</th>
                  <th scope="col" className="px-3 py-2">Index entries</th>
                  <th scope="col" className="px-3 py-2">{done ? "State" : "Lock"}</th>
                </tr>
              </thead>
              <tbody className={done ? "text-slate-500" : undefined}>
                {plan.findings.map((f) => (
                  <tr key={f.archiveKey} className="border-t border-slate-100">
                    <td className="px-3 py-2">{f.service}</td>
                    <td className={done === "erase" ? "px-3 py-2 font-mono line-through" : "px-3 py-2 font-mono"}>
                      {f.partitionKey ?? "(hashed)"}
                      {f.sortKey ? <span className="text-slate-500"> / {f.sortKey}</span> : null}
                      {f.unreadable ? <span className="block text-xs text-amber-800">Object unreadable: {f.unreadable}</span> : null}
                    </td>
                    <td className="px-3 py-2 whitespace-nowrap">{formatUtc(f.deletedAt)}</td>
                    <td className="px-3 py-2">
                      <DeletionTypeBadge type={f.deletionType} />
                    </td>
                    <td className="px-3 py-2">{f.versions}</td>
                    <td className="px-3 py-2">{f.indexEntries}</td>
                    <td className="px-3 py-2">
                      {done ? (
                        <span className="font-medium text-emerald-800">{done === "erase" ? "Erased" : "Redacted"}</span>
                      ) : f.lock.state === "none" ? (
                        <span className="text-slate-600">Not locked</span>
                      ) : (
                        <span className="inline-flex items-center gap-1 font-medium text-red-800">
                          <Lock aria-hidden="true" className="size-4" />
                          {lockLabel(f.lock)}
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          {done ? null : (
            <p className="text-sm text-slate-700">
              {plan.findings.length} archived record(s).{" "}
              {plan.failureCopies.length > 0
                ? `${plan.failureCopies.length} failed batch(es) kept by an S3 on-failure destination hold ${plan.failureCopies.reduce((n, c) => n + c.subjectRecords, 0)} of this subject's stream record(s); they are cleaned too.`
                : "No failed-batch copy holds this subject."}{" "}
              {plan.jobFiles > 0
                ? `${plan.jobFiles} bulk-restore or point-in-time compare file(s) hold this subject's keys or values; they are cleaned too.`
                : "No bulk-restore or compare file holds this subject."}{" "}
              {plan.attributionRecords > 0
                ? `${plan.attributionRecords} record(s) of who made the delete calls name this subject's key; they are erased too (redaction keeps them: they hold only the key).`
                : null}
            </p>
          )}
          {plan.blockers.length > 0 && !done ? (
            <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-900">
              <p className="flex items-center gap-1.5 font-medium">
                <ShieldAlert aria-hidden="true" className="size-4" />
                This erasure would be refused as a whole; nothing would be changed:
              </p>
              <ul className="mt-1 list-disc pl-6">
                {plan.blockers.map((b) => (
                  <li key={b}>{b}</li>
                ))}
              </ul>
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}
