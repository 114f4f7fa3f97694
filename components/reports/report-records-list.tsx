import "server-only";
import Link from "next/link";
import type { S3Client } from "@aws-sdk/client-s3";
import type { LazarusConfig } from "@/lib/config/schema";
import { toUserFacingError } from "@/lib/http/error-response";
import type { ServiceDays } from "@/lib/reports/deletion-report";
import { reportHref, type ReportSelection } from "@/lib/reports/report-params";
import { reportRecordsScreen } from "@/lib/reports/report-records";
import { recordHref } from "../routing/links";
import { DeletionTypeBadge } from "../ui/deletion-type-badge";
import { ErrorPanel } from "../ui/message-panel";
import { formatUtc } from "../format/time";

export const RECORDS_PER_SCREEN = 100;

function withoutCursor(selection: ReportSelection): ReportSelection {
  const { cursor: _cursor, ...rest } = selection;
  return rest;
}

export async function ReportRecordsList({ s3, config, scope, selection }: { s3: S3Client; config: LazarusConfig; scope: ServiceDays[]; selection: ReportSelection }) {
  let screen: Awaited<ReturnType<typeof reportRecordsScreen>>;
  try {
    screen = await reportRecordsScreen(s3, config, scope, { limit: RECORDS_PER_SCREEN, ...(selection.cursor ? { cursor: selection.cursor } : {}) });
  } catch (error) {
    return <ErrorPanel title="Could not list the records" message={toUserFacingError(error).message} headingLevel={3} />;
  }
  const cell = "px-3 py-2 align-top";
  return (
    <div className="space-y-2">
      <p role="status" className="text-sm text-slate-700">
        {screen.records.length === 0 ? "No records in this range." : `${screen.records.length.toLocaleString("en-US")} records${selection.cursor ? " (continued)" : ""}, by service, then oldest first.`}
      </p>
      {screen.records.length > 0 ? (
        <div className="overflow-x-auto rounded-md border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Deleted records in the report</caption>
            <thead className="bg-slate-50 text-slate-700">
              <tr>
                {["Deleted at (UTC)", "Service", "Table", "Key", "Type"].map((h) => (
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
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
