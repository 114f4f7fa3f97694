import { formatDuration, type DrillReport } from "@/lib/drills/drill-report";
import { formatUtc } from "../format/time";

/** One drill's outcome: pass or fail with its reasons, RTO, RPO, counts and the sample check. */
export function DrillResult({ report, headingLevel = 3 }: { report: DrillReport; headingLevel?: 2 | 3 }) {
  const Heading = headingLevel === 2 ? "h2" : "h3";
  const sample = report.sample;
  return (
    <article aria-label={`Drill of ${formatUtc(report.startedAt)}`} className="rounded-md border border-slate-200 bg-white p-3 text-sm">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <Heading className="font-semibold">
          <span className={report.passed ? "rounded bg-emerald-100 px-1.5 py-0.5 text-emerald-900" : "rounded bg-red-100 px-1.5 py-0.5 text-red-900"}>
            {report.passed ? "Passed" : "Failed"}
          </span>{" "}
          {formatUtc(report.startedAt)}
        </Heading>
        <span className="text-xs text-slate-600">
          {report.trigger === "schedule" ? "Scheduled" : `On demand by ${report.requestedBy.name || report.requestedBy.email}`}
        </span>
      </div>
      {report.reasons.length > 0 ? (
        <ul className="mt-2 list-disc space-y-0.5 pl-5 text-red-900">
          {report.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      ) : null}
      <dl className="mt-2 grid grid-cols-1 gap-x-4 gap-y-1 sm:grid-cols-2 lg:grid-cols-4">
        <div>
          <dt className="text-slate-600">RTO (restore to ACTIVE)</dt>
          <dd className="font-medium" data-testid="drill-rto">
            {report.restore.rtoSeconds === null ? `never ACTIVE (${report.restore.status})` : formatDuration(report.restore.rtoSeconds)}{" "}
            <span className="font-normal text-slate-600">of {report.restore.maxRtoMinutes} min allowed</span>
          </dd>
        </div>
        <div>
          <dt className="text-slate-600">RPO (now − latest restorable)</dt>
          <dd className="font-medium" data-testid="drill-rpo">
            {formatDuration(report.pitr.rpoSeconds)}
          </dd>
        </div>
        <div>
          <dt className="text-slate-600">Item count</dt>
          <dd className="font-medium">
            {report.itemCount.live === null ? "not compared" : `${report.itemCount.scratch} restored of ${report.itemCount.live} live`}
            {report.itemCount.differencePercent !== null ? (
              <span className="font-normal text-slate-600">
                {" "}
                ({report.itemCount.differencePercent.toFixed(2)}%, tolerance {report.itemCount.tolerancePercent}%)
              </span>
            ) : null}
          </dd>
        </div>
        <div>
          <dt className="text-slate-600">Sample check</dt>
          <dd className="font-medium" data-testid="drill-sample">
            {sample.checked === 0 ? "no records checked" : `${sample.identical} of ${sample.checked} archived records restored identically`}
            <span className="font-normal text-slate-600"> (from {sample.available} in {sample.sampleDays} days)</span>
          </dd>
        </div>
      </dl>
      {sample.failures.length > 0 ? (
        <details className="mt-2">
          <summary className="cursor-pointer text-slate-700">Records that did not restore identically ({sample.failures.length})</summary>
          <ul className="mt-1 space-y-1">
            {sample.failures.map((f) => (
              <li key={f.archiveKey} className="break-all">
                <code className="font-mono text-xs">{f.archiveKey}</code>: {f.problem}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <p className="mt-2 text-xs break-all text-slate-600">
        Scratch table <code className="font-mono">{report.scratchTable.name}</code> {report.scratchTable.deleted ? "deleted" : `not deleted: ${report.scratchTable.problem ?? ""}`}.
      </p>
    </article>
  );
}
