import { z } from "zod";
import { attributeRecord, keyValueSchema, type AttributeMap, type KeyValue } from "./attribute-value";
import {
  deletionTypeOf,
  parseStreamRecord,
  StreamRecordError,
  type DeletionType,
  type ParsedStreamRecord,
  type WireStreamRecord,
} from "./stream-record";

/**
 * The archive codec: one JSON object per deleted item. The stream record is kept
 * as DynamoDB delivered it (typed JSON, numbers as strings); the envelope adds
 * what Lazarus needs to find and restore it.
 */
export const ARCHIVE_SCHEMA_VERSION = 1;
export const ARCHIVE_CONTENT_TYPE = "application/json";

export interface ArchiveObject {
  schemaVersion: typeof ARCHIVE_SCHEMA_VERSION;
  service: string;
  table: string;
  deletedAt: string;
  deletionType: DeletionType;
  archivedAt: string;
  record: WireStreamRecord;
}

const envelopeSchema = z.object({
  schemaVersion: z.literal(ARCHIVE_SCHEMA_VERSION),
  service: z.string().min(1),
  table: z.string().min(1),
  deletedAt: z.iso.datetime(),
  deletionType: z.enum(["ttl", "manual"]),
  archivedAt: z.iso.datetime(),
  record: z.record(z.string(), z.unknown()),
});

/** A REMOVE record read back from the archive, in either layout. */
export interface ArchivedDeletion {
  format: "lazarus-v1" | "legacy";
  service: string;
  table?: string;
  deletedAt: Date;
  deletionType: DeletionType;
  archivedAt?: Date;
  eventId: string;
  sequenceNumber: string;
  keys: Record<string, KeyValue>;
  /** The item exactly as it was before deletion. */
  oldImage: AttributeMap;
  /** What the object holds, for the raw view. */
  raw: unknown;
}

export class ArchiveObjectError extends Error {
  override name = "ArchiveObjectError";
}

export function buildArchiveObject(
  record: ParsedStreamRecord,
  context: { service: string; table: string; archivedAt: Date },
): ArchiveObject {
  if (record.eventName !== "REMOVE") throw new ArchiveObjectError(`only REMOVE records are archived, got ${record.eventName}`);
  if (!record.oldImage) {
    throw new ArchiveObjectError(
      "REMOVE record has no OldImage: the table's stream must use the NEW_AND_OLD_IMAGES (or OLD_IMAGE) view type",
    );
  }
  return {
    schemaVersion: ARCHIVE_SCHEMA_VERSION,
    service: context.service,
    table: context.table,
    deletedAt: record.createdAt.toISOString(),
    deletionType: deletionTypeOf(record.userIdentity),
    archivedAt: context.archivedAt.toISOString(),
    record: record.wire,
  };
}

export function serializeArchiveObject(object: ArchiveObject): string {
  return JSON.stringify(object);
}

/**
 * Reads an archive object's bytes. Accepts this format and the seed's original one
 * (the raw stream record at the top level). Throws ArchiveObjectError for anything else.
 */
export function parseArchiveObject(body: string, fallback: { service: string; lastModified?: Date }): ArchivedDeletion {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw new ArchiveObjectError(`not JSON: ${(e as Error).message}`);
  }
  const envelope = envelopeSchema.safeParse(json);
  if (envelope.success) {
    const record = toRemoval(envelope.data.record);
    return {
      format: "lazarus-v1",
      service: envelope.data.service,
      table: envelope.data.table,
      deletedAt: new Date(envelope.data.deletedAt),
      deletionType: envelope.data.deletionType,
      archivedAt: new Date(envelope.data.archivedAt),
      eventId: record.eventId,
      sequenceNumber: record.sequenceNumber,
      keys: record.keys,
      oldImage: record.oldImage,
      raw: json,
    };
  }
  if (json && typeof json === "object" && "schemaVersion" in json) {
    throw new ArchiveObjectError(
      `archive envelope is invalid: ${envelope.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  const record = toRemoval(json);
  return {
    format: "legacy",
    service: fallback.service,
    deletedAt: record.createdAt,
    deletionType: deletionTypeOf(record.userIdentity),
    eventId: record.eventId,
    sequenceNumber: record.sequenceNumber,
    keys: record.keys,
    oldImage: record.oldImage,
    raw: json,
  };
}

function toRemoval(value: unknown): ParsedStreamRecord & { oldImage: AttributeMap } {
  let record: ParsedStreamRecord;
  try {
    record = parseStreamRecord(value);
  } catch (e) {
    if (e instanceof StreamRecordError) throw new ArchiveObjectError(e.message);
    throw e;
  }
  if (record.eventName !== "REMOVE") throw new ArchiveObjectError(`holds a ${record.eventName} record, not a REMOVE`);
  if (!record.oldImage) throw new ArchiveObjectError("REMOVE record has no OldImage");
  return record as ParsedStreamRecord & { oldImage: AttributeMap };
}

/** The body of a by-key index entry. Its name already says where the archive object is. */
export interface IndexEntryBody {
  schemaVersion: typeof ARCHIVE_SCHEMA_VERSION;
  archiveKey: string;
  /** Set once a compaction step has moved the record into a bundle. */
  bundle: { key: string; offset: number; length: number } | null;
  keys: Record<string, KeyValue>;
  deletedAt: string;
  deletionType: DeletionType;
}

export const indexEntryBodySchema = z.object({
  schemaVersion: z.literal(ARCHIVE_SCHEMA_VERSION),
  archiveKey: z.string().min(1),
  bundle: z.object({ key: z.string(), offset: z.number().int().min(0), length: z.number().int().min(0) }).nullable(),
  keys: attributeRecord(keyValueSchema),
  deletedAt: z.iso.datetime(),
  deletionType: z.enum(["ttl", "manual"]),
});
