import "server-only";
import Link from "next/link";
import type { S3Client } from "@aws-sdk/client-s3";
import type { LazarusConfig } from "@/lib/config/schema";
import { toUserFacingError } from "@/lib/http/error-response";
import type { ServiceDays } from "@/lib/reports/deletion-report";
import { reportHref, type ReportSelection } from "@/lib/reports/report-params";
import { reportRecordsScreen } from "@/lib/reports/report-records";
import { readPrincipalParams, type PrincipalFilter } from "@/lib/attribution/principal-filter";
import { recordHref } from "../routing/links";
import { DeletionTypeBadge } from "../ui/deletion-type-badge";
import { ErrorPanel } from "../ui/message-panel";
import { formatUtc } from "../format/time";
import { ScrollRegion } from "@/components/ui/scroll-region";
import { UnattributedNote } from "../attribution/unattributed-note";

export const RECORDS_PER_SCREEN = 100;

function recordsStatus(shown: number, total: number, continued: boolean, more: boolean, filter?: { who: string; scanned: number }): string {
  const n = (v: number) => v.toLocaleString("en-US");
  if (filter) {
    const what = `${n(shown)} ${shown === 1 ? "record" : "records"} deleted by “${filter.who}”`;
    return more ? `${what} among ${continued ? "the next" : "the first"} ${n(filter.scanned)} of the report's ${n(total)} records; more may follow.` : `${what}${continued ? " in the rest of the report" : ""}.`;
  }
  if (shown === 0) return continued ? "No more records in this range." : "No records in this range.";
  if (!continued && !more) return `All ${n(shown)} of the report's records, by service, then oldest first.`;
  return `The ${continued ? "next" : "first"} ${n(shown)} of the report's ${n(total)} records, by service, then oldest first.`;
}

function principalOf(selection: ReportSelection): PrincipalFilter | undefined {
  return readPrincipalParams({ who: selection.who, whoMatch: selection.whoMatch });
}

function withoutCursor(selection: ReportSelection): ReportSelection {
  const { cursor: _cursor, ...rest } = selection;
  return rest;
}

/** `total`: the report's own count, so the list says how much of it a screen shows. */
export async function ReportRecordsList({ s3, config, scope, selection, total }: { s3: S3Client; config: LazarusConfig; scope: ServiceDays[]; selection: ReportSelection; total: number }) {
  let screen: Awaited<ReturnType<typeof reportRecordsScreen>>;
  try {
    const principal = principalOf(selection);
    screen = await reportRecordsScreen(s3, config, scope, { limit: RECORDS_PER_SCREEN, ...(selection.cursor ? { cursor: selection.cursor } : {}), ...(principal ? { principal } : {}) });
  } catch (error) {
    return <ErrorPanel title="Could not list the records" message={toUserFacingError(error).message} headingLevel={3} />;
  }
  const cell = "px-3 py-2 align-top";
  return (
    <div className="space-y-2">
      <p role="status" className="text-sm text-slate-700">
        {recordsStatus(screen.records.length, total, Boolean(selection.cursor), Boolean(screen.nextCursor), selection.who ? { who: selection.who, scanned: screen.scanned } : undefined)}
      </p>
      {screen.callerFilter ? <UnattributedNote counts={screen.callerFilter} /> : null}
      {screen.records.length > 0 ? (
        <ScrollRegion label="Deleted records in the report" className="rounded-md border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Deleted records in the report</caption>
            <thead className="bg-slate-50 text-slate-700">
              <tr>
                {["Deleted at (UTC)", "Service", "Table", "Key", "Type", "Deleted by"].map((h) => (
                  <th key={h} scope="col" className="px-3 py-2 font-semibold whitespace-nowrap">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {screen.records.map((r) => (
                <tr key={r.archiveKey}>
                  <td className={`${cell} whitespace-nowrap tabular-nums`}>{r.kind === "legacy" ? `${r.deletedAt} (day only)` : formatUtc(r.deletedAt)}</td>
                  <td className={cell}>{r.service}</td>
                  <td className={`${cell} font-mono text-xs`}>{r.table}</td>
                  <td className={`${cell} font-mono text-xs break-all`}>
                    <Link href={recordHref(r.service, r.archiveKey, reportHref(selection))} className="text-indigo-800 underline">
                      {r.partitionKey}
                      {r.sortKey !== null ? ` · ${r.sortKey}` : ""}
                    </Link>
                  </td>
                  <td className={cell}>{r.deletionType === "unknown" ? <span className="text-slate-700">Unknown</span> : <DeletionTypeBadge type={r.deletionType} />}</td>
                  <td className={`${cell} text-xs break-all`}>{r.deletedBy || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
      <nav aria-label="Record pages" className="flex gap-3 text-sm">
        {selection.cursor ? (
          <Link href={reportHref(withoutCursor(selection))} className="font-medium text-indigo-800 underline">
            First records
          </Link>
        ) : null}
        {screen.nextCursor ? (
          <Link href={reportHref({ ...selection, cursor: screen.nextCursor })} className="font-medium text-indigo-800 underline">
            Next records
          </Link>
        ) : null}
      </nav>
    </div>
  );
}
