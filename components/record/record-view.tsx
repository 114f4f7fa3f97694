import "server-only";
import { notFound } from "next/navigation";
import { Suspense, type ReactNode } from "react";
import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { ArchivedRecordResult } from "@/lib/archive/archive-reader";
import type { KeyValue } from "@/lib/archive/attribute-value";
import { awsEndpoint } from "@/lib/aws/clients";
import { can, type Role } from "@/lib/auth/roles";
import type { LazarusConfig, ServiceConfig } from "@/lib/config/schema";
import { toUserFacingError } from "@/lib/http/error-response";
import { toPlainJson } from "@/lib/archive/plain-json";
import { TypedAttributeView } from "../attributes/typed-attribute-view";
import { formatBytes, formatRelative, formatUtc } from "../format/time";
import { CopyButton } from "../ui/copy-button";
import { DeletionTypeBadge } from "../ui/deletion-type-badge";
import { ErrorPanel, MessagePanel } from "../ui/message-panel";
import { Skeleton, LoadingRegion } from "../ui/skeleton";
import { DeletedBy, DeletedBySkeleton } from "./deleted-by";
import { GlacierRetrievalPanel } from "./glacier-retrieval-panel";
import { LivePanelsSkeleton, PrefetchedLivePanels } from "./prefetched-live-panels";
import { RecordHistory, RecordHistorySkeleton } from "./record-history";
import { ttlExpiry } from "@/lib/restore/ttl-choice";
import { s3CopyCommand, s3Uri } from "./s3-command";

function keyValueText(value: KeyValue): string {
  return "S" in value ? value.S : "N" in value ? value.N : value.B;
}

function ArchiveLocation({ bucket, archiveKey }: { bucket: string; archiveKey: string }) {
  const command = s3CopyCommand(bucket, archiveKey, awsEndpoint());
  return (
    <section aria-labelledby="location-heading" className="space-y-2">
      <h2 id="location-heading" className="text-sm font-semibold text-slate-700">
        Archive location
      </h2>
      <p className="font-mono text-sm break-all">{s3Uri(bucket, archiveKey)}</p>
      <div className="flex flex-wrap items-center gap-3">
        <code className="rounded bg-slate-900 px-2 py-1 font-mono text-xs break-all text-slate-100">{command}</code>
        <CopyButton text={command} label="Copy command" />
      </div>
    </section>
  );
}

type Readable = Extract<ArchivedRecordResult, { ok: true }>;

function RecordFacts({ record, service, now, deletedBy }: { record: Readable; service: ServiceConfig; now: Date; deletedBy: ReactNode }) {
  const { deletion } = record;
  const { partitionKey, sortKey } = service.table;
  const pk = deletion.keys[partitionKey.name];
  const sk = sortKey ? deletion.keys[sortKey.name] : undefined;
  return (
    <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]">
      <dt className="font-medium text-slate-600">{partitionKey.name}</dt>
      <dd className="font-mono break-all">{pk ? keyValueText(pk) : "—"}</dd>
      {sortKey ? (
        <>
          <dt className="font-medium text-slate-600">{sortKey.name}</dt>
          <dd className="font-mono break-all">{sk ? keyValueText(sk) : "—"}</dd>
        </>
      ) : null}
      <dt className="font-medium text-slate-600">Deleted</dt>
      <dd className="flex flex-wrap items-center gap-2">
        <DeletionTypeBadge type={deletion.deletionType} />
        <time dateTime={deletion.deletedAt.toISOString()} className="tabular-nums">
          {formatUtc(deletion.deletedAt)}
        </time>
        <span className="text-slate-600">({formatRelative(deletion.deletedAt, now)})</span>
      </dd>
      <dt className="font-medium text-slate-600">Why</dt>
      <dd>
        {deletion.deletionType === "ttl"
          ? "DynamoDB's time to live expired the item (the stream record names the DynamoDB service as the deleter)."
          : "Deleted by a person or an application with a delete call (DeleteItem, a batch or transaction, or PartiQL)."}
      </dd>
      <dt className="font-medium text-slate-600">Deleted by</dt>
      <dd>{deletedBy}</dd>
      <dt className="font-medium text-slate-600">Table</dt>
      <dd className="font-mono">{deletion.table ?? service.table.name}</dd>
      <TtlFact service={service} deletion={deletion} now={now} />
      {deletion.archivedAt ? (
        <>
          <dt className="font-medium text-slate-600">Archived</dt>
          <dd className="tabular-nums">{formatUtc(deletion.archivedAt)}</dd>
        </>
      ) : null}
      <dt className="font-medium text-slate-600">Object</dt>
      <dd>
        {formatBytes(record.size)}, storage class {record.storageClass}
        {deletion.format === "legacy" ? ", legacy layout (the stream record alone; deletion time from the record)" : ""}
      </dd>
      <dt className="font-medium text-slate-600">Stream event</dt>
      <dd className="font-mono text-xs break-all">{deletion.eventId}</dd>
    </dl>
  );
}

/** The item's TTL attribute read as a date: an epoch number means little to a person. */
function TtlFact({ service, deletion, now }: { service: ServiceConfig; deletion: Readable["deletion"]; now: Date }) {
  const attribute = service.table.ttlAttribute;
  if (!attribute || !Object.hasOwn(deletion.oldImage, attribute)) return null;
  const value = deletion.oldImage[attribute];
  const expiry = ttlExpiry(value);
  const raw = value && "N" in value ? value.N : JSON.stringify(value);
  return (
    <>
      <dt className="font-medium text-slate-600">TTL</dt>
      <dd>
        {expiry ? (
          <>
            <time dateTime={expiry.toISOString()} className="tabular-nums">
              {formatUtc(expiry)}
            </time>{" "}
            <span className="text-slate-600">
              ({expiry.getTime() <= now.getTime() ? "expired" : "expires"} {formatRelative(expiry, now)};
            </span>{" "}
            <code className="font-mono text-xs text-slate-600">
              {attribute} = {raw}
            </code>
            <span className="text-slate-600">)</span>
          </>
        ) : (
          <>
            <code className="font-mono text-xs">
              {attribute} = {raw}
            </code>{" "}
            <span className="text-slate-600">is not a time in epoch seconds, so DynamoDB ignores it</span>
          </>
        )}
      </dd>
    </>
  );
}

/** One archived record: read from S3 on the server, then compared and restored from the browser. */
export async function RecordView({
  s3,
  dynamodb,
  config,
  service,
  archiveKey,
  role,
  now,
  loadRecord,
  back,
}: {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  config: LazarusConfig;
  service: ServiceConfig;
  archiveKey: string;
  role: Role;
  now: Date;
  /** Reads the record once per request; the page's title needs it too. */
  loadRecord: () => Promise<ArchivedRecordResult>;
  back?: string;
}) {
  let result: ArchivedRecordResult;
  try {
    result = await loadRecord();
  } catch (error) {
    return <ErrorPanel title="Could not read the archived record" message={toUserFacingError(error).message} />;
  }

  if (!result.ok) {
    const { error } = result;
    if (error.kind === "not-found") notFound();
    if (error.kind === "archived-in-glacier") {
      const storageClass = error.storageClass ?? "GLACIER";
      return (
        <div className="space-y-4">
          <MessagePanel tone="warning" title={`This record is in ${storageClass === "DEEP_ARCHIVE" ? "Glacier Deep Archive" : "Glacier Flexible Retrieval"}`}>
            <p>
              The archive&rsquo;s lifecycle rules moved it to the {storageClass} storage class, where S3 cannot read it directly. S3 can restore a temporary copy
              (the archived object itself is not changed); once the copy is ready, this page shows the record.
            </p>
          </MessagePanel>
          <section aria-labelledby="retrieval-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
            <h2 id="retrieval-heading" className="text-lg font-semibold">
              Retrieval
            </h2>
            <GlacierRetrievalPanel service={service.name} archiveKey={archiveKey} storageClass={storageClass} canRequest={can(role, "glacier:retrieve")} />
          </section>
          <ArchiveLocation bucket={config.archive.bucket} archiveKey={archiveKey} />
        </div>
      );
    }
    return (
      <div className="space-y-4">
        <ErrorPanel title={error.kind === "corrupt" ? "The archive object is damaged" : "This object is not an archived record"} message={error.message} />
        <ArchiveLocation bucket={config.archive.bucket} archiveKey={archiveKey} />
      </div>
    );
  }

  const { deletion } = result;
  const keyNames = [service.table.partitionKey.name, ...(service.table.sortKey ? [service.table.sortKey.name] : [])];
  const keyText = keyNames.map((name) => `${name} = ${deletion.keys[name] ? keyValueText(deletion.keys[name]) : "?"}`).join(", ");
  return (
    <div className="space-y-6">
      <section aria-labelledby="facts-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="facts-heading" className="sr-only">
          Deletion
        </h2>
        <RecordFacts
          record={result}
          service={service}
          now={now}
          deletedBy={
            <Suspense fallback={<DeletedBySkeleton />}>
              <DeletedBy s3={s3} config={config} service={service} deletion={deletion} now={now} />
            </Suspense>
          }
        />
        <ArchiveLocation bucket={config.archive.bucket} archiveKey={archiveKey} />
      </section>
      <Suspense fallback={<RecordHistorySkeleton />}>
        <RecordHistory
          s3={s3}
          config={config}
          service={service}
          deletion={deletion}
          archiveKey={archiveKey}
          showRestores={can(role, "record:restore") || can(role, "audit:read")}
          {...(back ? { back } : {})}
        />
      </Suspense>
      <Suspense fallback={<LivePanelsSkeleton />}>
        <PrefetchedLivePanels dynamodb={dynamodb} service={service} deletion={deletion} archiveKey={archiveKey} keyText={keyText} role={role} />
      </Suspense>
      <section aria-labelledby="item-heading" className="space-y-3">
        <h2 id="item-heading" className="text-lg font-semibold">
          The deleted item
        </h2>
        <p className="text-sm text-slate-600">Every attribute with its DynamoDB type, exactly as archived.</p>
        <TypedAttributeView item={deletion.oldImage} keyNames={keyNames} label="Archived item attributes" />
        <details className="rounded-md border border-slate-200 bg-white">
          <summary className="px-3 py-2 text-sm font-medium">Show the item as plain JSON</summary>
          <p className="border-t border-slate-200 px-3 py-2 text-xs text-slate-600">Without DynamoDB&apos;s type tags, as an application reads it: numbers exact to every digit, sets as arrays, binary as base64.</p>
          <pre className="max-h-[32rem] overflow-auto bg-slate-950 p-3 font-mono text-xs text-slate-100" tabIndex={0} role="region" aria-label="The deleted item as plain JSON">
            {toPlainJson(deletion.oldImage)}
          </pre>
        </details>
      </section>
      <section aria-labelledby="raw-heading" className="space-y-2">
        <h2 id="raw-heading" className="text-lg font-semibold">
          Raw archive object
        </h2>
        <details className="rounded-md border border-slate-200 bg-white">
          <summary className="px-3 py-2 text-sm font-medium">Show the JSON as stored in S3</summary>
          <pre className="max-h-[32rem] overflow-auto border-t border-slate-200 bg-slate-950 p-3 font-mono text-xs text-slate-100" tabIndex={0} role="region" aria-label="The archive object as stored in S3">
            {JSON.stringify(deletion.raw, null, 2)}
          </pre>
        </details>
      </section>
    </div>
  );
}

export function RecordSkeleton() {
  return (
    <LoadingRegion label="Loading the archived record" className="space-y-6">
      <div className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
        {Array.from({ length: 7 }, (_, i) => (
          <div key={i} className="flex gap-6">
            <Skeleton className="h-4 w-28" />
            <Skeleton className="h-4 w-2/3" />
          </div>
        ))}
      </div>
      <Skeleton className="h-28 w-full" />
      <Skeleton className="h-6 w-48" />
      {Array.from({ length: 8 }, (_, i) => (
        <Skeleton key={i} className="h-6 w-full" />
      ))}
    </LoadingRegion>
  );
}
