import { quarterOf } from "@/lib/drills/drill-report";

/** The last `count` calendar quarters, newest first. */
export function recentQuarters(now: Date, count = 8): string[] {
  const quarters: string[] = [];
  for (let i = 0; i < count; i++) quarters.push(quarterOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 3 * i, 1))));
  return quarters;
}

/** A plain GET form: the browser downloads the file, as with the other exports. */
export function EvidenceDownload({ now }: { now: Date }) {
  return (
    <form method="get" action="/api/drills/evidence" className="flex flex-wrap items-end gap-3 rounded-md border border-slate-200 bg-white p-3 text-sm">
      <label className="flex flex-col gap-1">
        <span className="text-slate-700">Quarter</span>
        <select name="quarter" defaultValue={quarterOf(now)} className="rounded-md border border-slate-300 px-2 py-1">
          {recentQuarters(now).map((q) => (
            <option key={q} value={q}>
              {q}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col gap-1">
        <span className="text-slate-700">Format</span>
        <select name="format" defaultValue="csv" className="rounded-md border border-slate-300 px-2 py-1">
          <option value="csv">CSV</option>
          <option value="jsonl">JSON Lines</option>
        </select>
      </label>
      <button type="submit" className="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium hover:bg-slate-50">
        Download drill evidence
      </button>
      <p className="basis-full text-xs text-slate-600">
        Every drill of the quarter, one row each, with its result, reasons, RTO, RPO, counts and sample check. A manifest with the file&apos;s SHA-256 is kept beside the archive and
        the download is audited.
      </p>
    </form>
  );
}
