import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { keyValueSchema, type KeyValue } from "../archive/attribute-value";
import { listPages } from "../archive/object-listing";
import { isPreconditionFailed } from "../aws/aws-errors";
import { getJson, putJson } from "../aws/s3-json";
import { DELETE_CAPABLE_CALLS } from "./cloudtrail-event";
import type { DeletedKeyCall } from "./deleted-key-call";
import { attributionDayPrefix, attributionKey, keyFolder, parseAttributionName, type AttributionName } from "./attribution-layout";

export const ATTRIBUTION_SCHEMA_VERSION = 1;

const principalSchema = z.object({
  type: z.string(),
  arn: z.string().optional(),
  accountId: z.string().optional(),
  roleArn: z.string().optional(),
  roleSessionName: z.string().optional(),
  sourceIdentity: z.string().optional(),
  invokedBy: z.string().optional(),
  label: z.string(),
});

const keySchema = z.object({ partitionKey: keyValueSchema, sortKey: keyValueSchema.optional() }).nullable();

export const attributionRecordSchema = z.object({
  schemaVersion: z.literal(ATTRIBUTION_SCHEMA_VERSION),
  eventId: z.string(),
  eventTime: z.string(),
  api: z.enum(DELETE_CAPABLE_CALLS),
  requestId: z.string().optional(),
  region: z.string(),
  service: z.string(),
  table: z.string(),
  key: keySchema,
  principal: principalSchema,
  sourceIp: z.string().optional(),
  userAgent: z.string().optional(),
  recordedAt: z.string(),
});

export type AttributionRecord = z.infer<typeof attributionRecordSchema>;

export interface ArchiveLocation {
  bucket: string;
  prefix: string;
}

export type WriteOutcome = "written" | "duplicate";

/**
 * Writes one attribution record, once: If-None-Match makes a redelivered CloudTrail
 * event (EventBridge delivers at least once) a no-op instead of a second version.
 */
export async function writeAttribution(s3: S3Client, archive: ArchiveLocation, call: DeletedKeyCall, now = new Date()): Promise<WriteOutcome> {
  const record: AttributionRecord = { schemaVersion: ATTRIBUTION_SCHEMA_VERSION, ...call, recordedAt: now.toISOString() };
  try {
    await putJson(s3, archive.bucket, attributionKey(archive.prefix, call), record, { ifNoneMatch: true });
    return "written";
  } catch (error) {
    if (isPreconditionFailed(error)) return "duplicate";
    throw error;
  }
}

export interface ListedAttribution extends AttributionName {
  objectKey: string;
}

async function listUnder(s3: S3Client, bucket: string, dayPrefix: string, listPrefix: string, day: Date): Promise<ListedAttribution[]> {
  const out: ListedAttribution[] = [];
  for await (const page of listPages(s3, { bucket, prefix: listPrefix })) {
    for (const o of page.objects) {
      const parsed = parseAttributionName(o.key.slice(dayPrefix.length), day);
      if (parsed) out.push({ ...parsed, objectKey: o.key });
    }
  }
  return out;
}

/** Every call recorded for a service on a UTC day: one LIST per 1,000 records. */
export async function listDayAttributions(s3: S3Client, archive: ArchiveLocation, service: string, day: Date): Promise<ListedAttribution[]> {
  const prefix = attributionDayPrefix(archive.prefix, service, day);
  return listUnder(s3, archive.bucket, prefix, prefix, day);
}

/** The calls recorded for one key (or, with null, for the table without a key) on a UTC day: one LIST. */
export async function listKeyAttributions(
  s3: S3Client,
  archive: ArchiveLocation,
  service: string,
  key: { partitionKey: KeyValue; sortKey?: KeyValue } | null,
  day: Date,
): Promise<ListedAttribution[]> {
  const dayPrefix = attributionDayPrefix(archive.prefix, service, day);
  return listUnder(s3, archive.bucket, dayPrefix, `${dayPrefix}${keyFolder(key)}/`, day);
}

export async function readAttribution(s3: S3Client, archive: ArchiveLocation, objectKey: string): Promise<AttributionRecord | null> {
  return (await getJson(s3, archive.bucket, objectKey, attributionRecordSchema))?.value ?? null;
}
