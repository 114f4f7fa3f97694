import "server-only";
import Link from "next/link";
import type { S3Client } from "@aws-sdk/client-s3";
import { History } from "lucide-react";
import type { ArchivedDeletion } from "@/lib/archive/archive-object";
import type { KeyValue } from "@/lib/archive/attribute-value";
import { findDeletionsByPartitionKey, type FoundDeletion } from "@/lib/archive/key-lookup";
import { auditEntriesOfObject } from "@/lib/audit/audit-recent";
import type { LazarusConfig, ServiceConfig } from "@/lib/config/schema";
import { toUserFacingError } from "@/lib/http/error-response";
import { foldOperations } from "../audit/audit-operations";
import { OutcomeBadge } from "../audit/audit-table";
import { formatUtc } from "../format/time";
import { recordHref } from "../routing/links";
import { DeletionTypeBadge } from "../ui/deletion-type-badge";
import { ErrorPanel } from "../ui/message-panel";
import { Skeleton, LoadingRegion } from "../ui/skeleton";

function sameKeyValue(a: KeyValue | undefined, b: KeyValue | undefined): boolean {
  if (!a || !b) return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Other archived deletions of this item's key (the index holds the partition key; the sort key is compared here). */
async function otherDeletions(s3: S3Client, config: LazarusConfig, service: ServiceConfig, deletion: ArchivedDeletion, archiveKey: string): Promise<FoundDeletion[]> {
  const pk = deletion.keys[service.table.partitionKey.name];
  if (!pk) return [];
  const { deletions } = await findDeletionsByPartitionKey(s3, config, service, pk, { limit: 200 });
  const sortName = service.table.sortKey?.name;
  const sk = sortName ? deletion.keys[sortName] : undefined;
  return deletions
    .filter((d) => d.archiveKey !== archiveKey)
    .filter((d) => !sortName || (d.sortKey && !d.sortKey.hashed && sameKeyValue(d.sortKey.value, sk)) || d.sortKey?.hashed)
    .sort((a, b) => b.deletedAt.getTime() - a.deletedAt.getTime());
}

/**
 * What happened to this record since it was archived, from the audit log (its restores:
 * when, by whom, into which table, how it ended), and the other deletions of the same key.
 * Restores are found by the audit log's per-object markers, so this costs one LIST and a
 * GET per restore, not a read of the log.
 */
export async function RecordHistory({
  s3,
  config,
  service,
  deletion,
  archiveKey,
  back,
  showRestores,
}: {
  s3: S3Client;
  config: LazarusConfig;
  service: ServiceConfig;
  deletion: ArchivedDeletion;
  archiveKey: string;
  back?: string;
  showRestores: boolean;
}) {
  const [restores, others] = await Promise.allSettled([
    showRestores ? auditEntriesOfObject(s3, config, archiveKey).then((entries) => foldOperations(entries.filter((e) => e.action === "restore"))) : Promise.resolve([]),
    otherDeletions(s3, config, service, deletion, archiveKey),
  ]);
  return (
    <section aria-labelledby="history-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="history-heading" className="flex items-center gap-2 text-lg font-semibold">
        <History aria-hidden="true" className="size-5" />
        History
      </h2>
      {showRestores ? (
        <div className="space-y-2">
          <h3 className="text-sm font-semibold text-slate-700">Restores of this record</h3>
          {restores.status === "rejected" ? (
            <ErrorPanel title="Could not read the restore history" message={toUserFacingError(restores.reason).message} headingLevel={4} />
          ) : restores.value.length === 0 ? (
            <p className="text-sm text-slate-600">Not restored from the archive yet.</p>
          ) : (
            <ul className="space-y-1 text-sm">
              {restores.value.map((op) => (
                <li key={op.operationId} className="flex flex-wrap items-center gap-x-2 gap-y-1">
                  <OutcomeBadge outcome={op.latest.outcome} />
                  <time dateTime={op.at} className="tabular-nums">
                    {formatUtc(op.at)}
                  </time>
                  <span>
                    by <span className="break-all">{op.latest.actor.email}</span> into table <code className="font-mono break-all">{op.latest.table ?? service.table.name}</code>
                    {op.latest.mode ? ` (${op.latest.mode})` : ""}
                    {op.latest.outcome !== "succeeded" && op.latest.message ? `: ${op.latest.message}` : ""}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
      <div className="space-y-2">
        <h3 className="text-sm font-semibold text-slate-700">Other deletions of this key</h3>
        {others.status === "rejected" ? (
          <ErrorPanel title="Could not look up the key's other deletions" message={toUserFacingError(others.reason).message} headingLevel={4} />
        ) : others.value.length === 0 ? (
          <p className="text-sm text-slate-600">This is the only archived deletion of this key.</p>
        ) : (
          <ul className="space-y-1 text-sm">
            {others.value.map((d) => (
              <li key={d.archiveKey} className="flex flex-wrap items-center gap-2">
                <Link href={recordHref(service.name, d.archiveKey, back)} className="text-indigo-800 underline tabular-nums">
                  Deleted {formatUtc(d.deletedAt)}
                </Link>
                <DeletionTypeBadge type={d.deletionType} />
                {d.deletedAt > deletion.deletedAt ? <span className="text-xs text-slate-600">later than this one</span> : <span className="text-xs text-slate-600">earlier</span>}
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}

export function RecordHistorySkeleton() {
  return (
    <LoadingRegion label="Loading the record's history" className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
      <Skeleton className="h-6 w-32" />
      <Skeleton className="h-4 w-72" />
      <Skeleton className="h-4 w-64" />
    </LoadingRegion>
  );
}

