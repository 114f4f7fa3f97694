import "server-only";
import Link from "next/link";
import type { S3Client } from "@aws-sdk/client-s3";
import { listAuditEntries, type AuditEntry } from "@/lib/audit/audit-log";
import type { CalendarDay } from "@/lib/archive/archive-reader";
import type { LazarusConfig } from "@/lib/config/schema";
import { toUserFacingError } from "@/lib/http/error-response";
import { auditHref } from "../routing/links";
import { ErrorPanel, MessagePanel } from "../ui/message-panel";
import { TableSkeleton } from "../ui/skeleton";
import { AuditTable } from "./audit-table";

/** Entries read for one screen; each is one GET, so a busy day is shown in parts. */
export const AUDIT_SCREEN_LIMIT = 1000;
const PAGE_SIZE = 250;

async function readDay(s3: S3Client, config: LazarusConfig, day: CalendarDay, cursor: string | undefined) {
  const entries: AuditEntry[] = [];
  let unreadable = 0;
  let next = cursor;
  do {
    const page = await listAuditEntries(s3, config, { day, ...(next ? { cursor: next } : {}), limit: PAGE_SIZE });
    entries.push(...page.entries);
    unreadable += page.unreadable.length;
    next = page.nextCursor;
  } while (next && entries.length < AUDIT_SCREEN_LIMIT);
  return { entries, unreadable, nextCursor: next };
}

export async function AuditDay({ s3, config, day, date, cursor }: { s3: S3Client; config: LazarusConfig; day: CalendarDay; date: string; cursor?: string }) {
  let result: Awaited<ReturnType<typeof readDay>>;
  try {
    result = await readDay(s3, config, day, cursor);
  } catch (error) {
    return <ErrorPanel title="Could not read the audit log" message={toUserFacingError(error).message} />;
  }
  const { entries, unreadable, nextCursor } = result;
  return (
    <section aria-labelledby="audit-entries-heading" className="space-y-3">
      <h2 id="audit-entries-heading" className="text-lg font-semibold">
        Entries on {date}
      </h2>
      <p role="status" className="text-sm text-slate-700">
        {entries.length === 0
          ? cursor
            ? "No more entries on this day."
            : "No audited actions on this day."
          : `${entries.length.toLocaleString("en-US")} ${entries.length === 1 ? "entry" : "entries"}${cursor ? " (continued)" : ""}, newest first.`}
      </p>
      {unreadable > 0 ? (
        <MessagePanel tone="warning" title={`${unreadable} ${unreadable === 1 ? "object" : "objects"} in the audit folder could not be read as entries`} headingLevel={3}>
          <p>They are listed by key in the server log. The entries shown are complete otherwise.</p>
        </MessagePanel>
      ) : null}
      {entries.length > 0 ? <AuditTable entries={entries} date={date} /> : null}
      {nextCursor ? (
        <p className="text-sm">
          This day has more than {AUDIT_SCREEN_LIMIT.toLocaleString("en-US")} entries; these are the earliest.{" "}
          <Link href={auditHref(date, nextCursor)} className="font-medium text-indigo-700 underline">
            Later entries
          </Link>
        </p>
      ) : null}
    </section>
  );
}

export function AuditDaySkeleton() {
  return <TableSkeleton rows={8} columns={6} label="Loading audit entries" />;
}
