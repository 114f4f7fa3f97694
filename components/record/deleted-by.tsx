import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import type { KeyValue } from "@/lib/archive/attribute-value";
import type { DeletionType } from "@/lib/archive/stream-record";
import { attributeDeletion, type Attribution } from "@/lib/attribution/join";
import type { LazarusConfig, ServiceConfig } from "@/lib/config/schema";
import { toUserFacingError } from "@/lib/http/error-response";
import { formatUtc } from "../format/time";
import { Skeleton } from "../ui/skeleton";

interface Props {
  s3: S3Client;
  config: LazarusConfig;
  service: ServiceConfig;
  deletion: { keys: Record<string, KeyValue>; deletedAt: Date; deletionType: DeletionType; table?: string };
  now: Date;
}

const API_TEXT: Record<string, string> = {
  DeleteItem: "DeleteItem",
  BatchWriteItem: "BatchWriteItem (a batch of up to 25 writes)",
  TransactWriteItems: "TransactWriteItems (a transaction)",
  ExecuteStatement: "a PartiQL DELETE (ExecuteStatement)",
  BatchExecuteStatement: "a PartiQL DELETE in a batch (BatchExecuteStatement)",
};

function Fact({ label, value }: { label: string; value: string | undefined }) {
  if (value === undefined) return null;
  return (
    <>
      <dt className="font-medium text-slate-600">{label}</dt>
      <dd className="font-mono text-xs break-all">{value}</dd>
    </>
  );
}

function Found({ attribution, config }: { attribution: Extract<Attribution, { state: "found" }>; config: LazarusConfig }) {
  const { call, record, confidence, otherCandidates } = attribution;
  const principal = record?.principal;
  const role = principal?.roleArn?.split("/").pop();
  const who = role ?? call.principalLabel;
  return (
    <div className="space-y-2" data-testid="deleted-by">
      <p>
        <strong className="font-semibold">{who}</strong>
        {principal?.roleSessionName ? <span className="text-slate-700"> · session {principal.roleSessionName}</span> : null}
        {principal?.sourceIdentity ? <span className="text-slate-700"> · source identity {principal.sourceIdentity}</span> : null}
      </p>
      <p className="text-slate-700">
        with {API_TEXT[call.api] ?? call.api} at{" "}
        <time dateTime={call.eventTime.toISOString()} className="tabular-nums">
          {formatUtc(call.eventTime)}
        </time>
        {" · "}
        {confidence === "exact" ? (
          <span>the request named this key</span>
        ) : (
          <span>
            inferred: the call deleted from this table at that second but its request did not show the key (PartiQL parameters are not logged)
          </span>
        )}
        {otherCandidates > 0 ? <span> · {otherCandidates} other call{otherCandidates === 1 ? "" : "s"} within {config.attribution.matchWindowSeconds} s</span> : null}
      </p>
      {record ? (
        <details className="rounded-md border border-slate-200">
          <summary className="px-3 py-1.5 text-sm font-medium">Call details from CloudTrail</summary>
          <dl className="grid grid-cols-1 gap-x-4 gap-y-1 border-t border-slate-200 p-3 text-sm sm:grid-cols-[max-content_1fr]">
            <Fact label="Principal" value={record.principal.arn ?? record.principal.label} />
            <Fact label="Role" value={record.principal.roleArn} />
            <Fact label="Source IP" value={record.sourceIp} />
            <Fact label="User agent" value={record.userAgent} />
            <Fact label="Request ID" value={record.requestId} />
            <Fact label="CloudTrail event" value={record.eventId} />
          </dl>
        </details>
      ) : null}
    </div>
  );
}

export function attributionText(attribution: Exclude<Attribution, { state: "found" }>, config: LazarusConfig, table: string): string {
  switch (attribution.state) {
    case "ttl":
      return "DynamoDB TTL (the DynamoDB service expired the item).";
    case "pending":
      return `Not yet known: CloudTrail delivers data events within minutes. Look again after ${formatUtc(attribution.knownBy)}.`;
    case "no-event":
      switch (attribution.reason) {
        case "trail-off":
          return "No matching call: attribution was off when this item was deleted (no trail logged DynamoDB data events for it).";
        case "replicated":
          return `No call in this region's trail: ${table} is a global table replica, so the delete was most likely made in another region and replicated here.`;
        case "not-recorded":
          return `No matching call: the trail has no delete naming this key within ${config.attribution.matchWindowSeconds} seconds of the deletion. The table may not have been logged then, or the call did not show the key.`;
      }
  }
}

/** The record page's "Deleted by": the archived deletion joined to the CloudTrail call that made it. */
export async function DeletedBy({ s3, config, service, deletion, now }: Props) {
  const pk = deletion.keys[service.table.partitionKey.name];
  const sk = service.table.sortKey ? deletion.keys[service.table.sortKey.name] : undefined;
  const table = deletion.table ?? service.table.name;
  let attribution: Attribution;
  try {
    if (!pk || (service.table.sortKey && !sk)) {
      attribution = deletion.deletionType === "ttl" ? { state: "ttl" } : { state: "no-event", reason: "not-recorded" };
    } else {
      attribution = await attributeDeletion(
        s3,
        config.archive,
        config.attribution,
        { service: service.name, table, key: { partitionKey: pk, ...(sk ? { sortKey: sk } : {}) }, deletedAt: deletion.deletedAt, deletionType: deletion.deletionType },
        now,
      );
    }
  } catch (error) {
    return <p className="text-amber-800">Could not look up who deleted it: {toUserFacingError(error).message}</p>;
  }
  if (attribution.state === "found") return <Found attribution={attribution} config={config} />;
  return (
    <p data-testid="deleted-by" className="text-slate-700">
      {attributionText(attribution, config, table)}
    </p>
  );
}

export function DeletedBySkeleton() {
  return <Skeleton className="h-5 w-64" />;
}
