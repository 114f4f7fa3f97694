import "server-only";
import Link from "next/link";
import type { S3Client } from "@aws-sdk/client-s3";
import { queryRecentAuditEntries } from "@/lib/audit/audit-recent";
import type { AuditFilter } from "@/lib/audit/audit-filter";
import type { LazarusConfig } from "@/lib/config/schema";
import { toUserFacingError } from "@/lib/http/error-response";
import { ErrorPanel, MessagePanel } from "../ui/message-panel";
import { TableSkeleton } from "../ui/skeleton";
import { AuditTable } from "./audit-table";
import { foldOperations } from "./audit-operations";

/**
 * Matching entries shown at once, newest first; each entry read is one GET, so a page
 * also stops after AUDIT_SCAN_LIMIT reads. 50 entries are about 25 operations: more than a
 * screenful, and each costs a GET (docs/BENCHMARKS.md).
 */
export const AUDIT_RANGE_LIMIT = 50;
export const AUDIT_SCAN_LIMIT = 2000;

export async function AuditRange({
  s3,
  config,
  from,
  to,
  filter,
  cursor,
  hrefWithCursor,
}: {
  s3: S3Client;
  config: LazarusConfig;
  from: string;
  to: string;
  filter: AuditFilter;
  cursor?: string;
  hrefWithCursor: (cursor?: string) => string;
}) {
  let page: Awaited<ReturnType<typeof queryRecentAuditEntries>>;
  try {
    // Quarter hours read without a rollup get one after the page is served, so the next view reads fewer objects.
    page = await queryRecentAuditEntries(s3, config, { from, to, filter, limit: AUDIT_RANGE_LIMIT, maxScanned: AUDIT_SCAN_LIMIT, rollups: { write: "background" }, ...(cursor ? { cursor } : {}) });
  } catch (error) {
    return <ErrorPanel title="Could not read the audit log" message={toUserFacingError(error).message} />;
  }
  const { entries, nextCursor, unreadable } = page;
  const filtered = Object.keys(filter).length > 0;
  const span = from === to ? `on ${from}` : `from ${from} to ${to}`;
  return (
    <section aria-labelledby="audit-entries-heading" className="space-y-3">
      <h2 id="audit-entries-heading" className="text-lg font-semibold">
        Entries {span}
      </h2>
      <p role="status" className="text-sm text-slate-700">
        {entries.length === 0
          ? nextCursor
            ? `No matching entries among the ${page.scanned.toLocaleString("en-US")} newest read; continue with older entries.`
            : `No ${filtered ? "matching " : ""}audited actions ${span}.`
          : operationsText(entries.length, foldOperations(entries).length, filtered, Boolean(cursor))}
      </p>
      {unreadable.length > 0 ? (
        <MessagePanel tone="warning" title={`${unreadable.length} ${unreadable.length === 1 ? "object" : "objects"} in the audit folder could not be read as entries`} headingLevel={3}>
          <ul className="list-disc pl-5 font-mono text-xs break-all">
            {unreadable.slice(0, 10).map((u) => (
              <li key={u.key}>
                {u.key}: {u.reason}
              </li>
            ))}
          </ul>
        </MessagePanel>
      ) : null}
      {entries.length > 0 ? <AuditTable entries={entries} date={span} withDate={from !== to} /> : null}
      <nav aria-label="Audit pages" className="flex gap-3 text-sm">
        {cursor ? (
          <Link href={hrefWithCursor()} className="font-medium text-indigo-800 underline">
            Newest entries
          </Link>
        ) : null}
        {nextCursor ? (
          <Link href={hrefWithCursor(nextCursor)} className="font-medium text-indigo-800 underline">
            Older entries
          </Link>
        ) : null}
      </nav>
    </section>
  );
}

function operationsText(entries: number, operations: number, filtered: boolean, continued: boolean): string {
  const n = (v: number) => v.toLocaleString("en-US");
  return `${n(operations)} ${filtered ? "matching " : ""}${operations === 1 ? "operation" : "operations"} (${n(entries)} ${entries === 1 ? "entry" : "entries"})${continued ? ", continued" : ""}, newest first.`;
}

export function AuditRangeSkeleton() {
  return <TableSkeleton rows={8} columns={6} label="Loading audit entries" />;
}
