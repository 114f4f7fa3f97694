import "server-only";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import type { KeyValue } from "./attribute-value";
import { ArchiveObjectError, parseArchiveObject, type ArchivedDeletion } from "./archive-object";
import { assertConfiguredService, type CalendarDay } from "./archive-input";
import { classifyArchiveName, type NamedKey } from "./archive-names";
import { checkArchiveKey } from "./listed-key";
import { encodeKeyValue, isHashedEncoding } from "./key-codec";
import { indexEntryKeyForArchiveKey, parseArchiveName, recordId } from "./layout";
import { isBundleKeyOfDay, SealedFormatError } from "./sealed-format";
import { isSealableDay, readBundledRecord, readIndexEntry } from "./sealed-store";

/** One archived record: read, parsed, and checked against where it was found. */

/** Larger than any archive object: a 400 KB item in typed JSON plus its envelope. */
export const MAX_ARCHIVE_OBJECT_BYTES = 4 * 1024 * 1024;

export type ArchiveReadErrorKind = "not-found" | "corrupt" | "foreign" | "archived-in-glacier";

export type ArchivedRecordResult =
  | {
      ok: true;
      archiveKey: string;
      deletion: ArchivedDeletion;
      storageClass: string;
      size: number;
      versionId?: string;
      lastModified?: Date;
      /** Where the record was read from when its day is sealed. */
      sealed?: { key: string; offset: number; length: number };
    }
  | {
      ok: false;
      archiveKey: string;
      error: { kind: ArchiveReadErrorKind; message: string; storageClass?: string; restore?: string };
    };

/**
 * Reads one archived record, from its object or, once its day is sealed, from its
 * bundle: at most 2 requests plus one ranged GET (plus one HEAD when S3 refuses the
 * read because the object or bundle sits in Glacier Flexible Retrieval or Deep
 * Archive). A missing, damaged or foreign record comes back as an error value.
 */
export async function getArchivedRecord(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  archiveKey: string,
  now: Date = new Date(),
): Promise<ArchivedRecordResult> {
  assertConfiguredService(config, service);
  const { day, name } = await checkArchiveKey(s3, config, service, archiveKey);
  const standard = name.includes("/") ? undefined : parseArchiveName(name, day);
  // Legacy objects are never sealed; their names do not even say their key.
  if (!standard) return readArchiveObject(s3, config, service, archiveKey, day, name);
  const entryKey = indexEntryKeyForArchiveKey(config.archive.prefix, service.name, archiveKey) as string;
  // A day old enough to be sealed is most likely sealed: its index entry says where the
  // record is (1 GET) and the bundle gives it (1 ranged GET). A younger day is read
  // from its object first, so open days cost what they always did.
  if (isSealableDay(config, day, now)) {
    const sealed = await readThroughIndexEntry(s3, config, service, archiveKey, entryKey, day, name, standard.id);
    if (sealed.kind === "read") return sealed.result;
    const direct = await readArchiveObject(s3, config, service, archiveKey, day, name);
    return sealed.kind === "damaged" && !direct.ok && direct.error.kind === "not-found" ? sealed.result : direct;
  }
  const direct = await readArchiveObject(s3, config, service, archiveKey, day, name);
  if (direct.ok || direct.error.kind !== "not-found") return direct;
  const sealed = await readThroughIndexEntry(s3, config, service, archiveKey, entryKey, day, name, standard.id);
  return sealed.kind === "absent" ? direct : sealed.result;
}

type SealedRead = { kind: "read" | "damaged"; result: ArchivedRecordResult } | { kind: "absent" };

/** A sealed record through its index entry: the entry's bundle location, then one ranged GET. */
async function readThroughIndexEntry(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  archiveKey: string,
  entryKey: string,
  day: CalendarDay,
  name: string,
  id: string,
): Promise<SealedRead> {
  const bucket = config.archive.bucket;
  const damaged = (kind: ArchiveReadErrorKind, message: string, extra: { storageClass?: string; restore?: string } = {}): SealedRead => ({
    kind: "damaged",
    result: { ok: false, archiveKey, error: { kind, message, ...extra } },
  });
  let entry;
  try {
    entry = await readIndexEntry(s3, bucket, entryKey);
  } catch (e) {
    if (e instanceof SealedFormatError) return damaged("corrupt", `the record's index entry cannot be read: ${e.message}`);
    throw e;
  }
  if (!entry?.bundle) return { kind: "absent" };
  if (entry.archiveKey !== archiveKey || !isBundleKeyOfDay(config.archive.prefix, service.name, day, entry.bundle.key) || entry.bundle.length < 1) {
    return damaged("corrupt", "the record's index entry points at another record or outside the day's bundles");
  }
  const read = await readBundledRecord(s3, bucket, entry.bundle);
  if (!read.ok) {
    if (read.kind === "archived-in-glacier") {
      return damaged("archived-in-glacier", read.message, { storageClass: read.storageClass, ...(read.restore ? { restore: read.restore } : {}) });
    }
    return damaged("corrupt", `the record is sealed but cannot be read from its bundle: ${read.message}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(read.bytes);
  } catch {
    return damaged("corrupt", "the bundled record is not UTF-8 text");
  }
  const parsed = readDeletion(text, service, day, name, read.lastModified);
  if (!parsed.ok) return damaged(parsed.kind === "foreign" ? "corrupt" : parsed.kind, `the bundled record: ${parsed.message}`);
  if (recordId(parsed.deletion.eventId) !== id) return damaged("corrupt", "the bundle holds another record at the place the index entry names");
  return {
    kind: "read",
    result: {
      ok: true,
      archiveKey,
      deletion: parsed.deletion,
      storageClass: read.storageClass,
      size: read.bytes.byteLength,
      sealed: entry.bundle,
      ...(read.lastModified ? { lastModified: read.lastModified } : {}),
    },
  };
}

/** One archive object: one GET, plus one HEAD when it sits in Glacier and is not restored. */
export async function readArchiveObject(s3: S3Client, config: LazarusConfig, service: ServiceConfig, archiveKey: string, day: CalendarDay, name: string): Promise<ArchivedRecordResult> {
  const bucket = config.archive.bucket;
  const fail = (kind: ArchiveReadErrorKind, message: string, extra: { storageClass?: string; restore?: string } = {}): ArchivedRecordResult => ({
    ok: false,
    archiveKey,
    error: { kind, message, ...extra },
  });

  let response;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: archiveKey }));
  } catch (error) {
    const code = errorName(error);
    if (code === "NoSuchKey" || code === "NotFound") return fail("not-found", `no object ${archiveKey} in bucket ${bucket}`);
    if (code === "InvalidObjectState") {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: archiveKey }));
      const storageClass = head.StorageClass ?? "GLACIER";
      const restore = head.Restore;
      const state = restore?.includes('ongoing-request="true"') ? "a restore is in progress" : "it must be restored before it can be read";
      return fail("archived-in-glacier", `the object is in the ${storageClass} storage class: ${state}`, {
        storageClass,
        ...(restore ? { restore } : {}),
      });
    }
    throw error;
  }

  const size = response.ContentLength ?? 0;
  const storageClass = response.StorageClass ?? "STANDARD";
  if (size > MAX_ARCHIVE_OBJECT_BYTES) {
    const body = response.Body as { destroy?: () => void } | undefined;
    body?.destroy?.();
    return fail("foreign", `${size} bytes, larger than any archive object (${MAX_ARCHIVE_OBJECT_BYTES})`, { storageClass });
  }
  const bytes = (await response.Body?.transformToByteArray()) ?? new Uint8Array();
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return fail("corrupt", "the object is not UTF-8 text", { storageClass });
  }
  const parsed = readDeletion(text, service, day, name, response.LastModified);
  if (!parsed.ok) return fail(parsed.kind, parsed.message, { storageClass });
  return {
    ok: true,
    archiveKey,
    deletion: parsed.deletion,
    storageClass,
    size: bytes.byteLength,
    ...(response.VersionId ? { versionId: response.VersionId } : {}),
    ...(response.LastModified ? { lastModified: response.LastModified } : {}),
  };
}

type ReadOutcome = { ok: true; deletion: ArchivedDeletion } | { ok: false; kind: "corrupt" | "foreign"; message: string };

/**
 * Parses an object's text and checks that it belongs where it was found. Shared with
 * reindex. Messages name fields and paths, never values: these are customer records.
 */
export function readDeletion(text: string, service: ServiceConfig, day: CalendarDay, name: string, lastModified?: Date): ReadOutcome {
  const named = classifyArchiveName(service, day, name);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const message = `not valid JSON (${Buffer.byteLength(text, "utf8")} bytes)`;
    return { ok: false, kind: named.kind === "unknown" ? "foreign" : "corrupt", message };
  }
  let deletion: ArchivedDeletion;
  try {
    deletion = parseArchiveObject(text, { service: service.name, ...(lastModified ? { lastModified } : {}) });
  } catch (e) {
    if (!(e instanceof ArchiveObjectError)) throw e;
    const claimsToBeOurs = typeof json === "object" && json !== null && ("schemaVersion" in json || ("eventName" in json && "dynamodb" in json));
    return claimsToBeOurs
      ? { ok: false, kind: "corrupt", message: e.message }
      : { ok: false, kind: "foreign", message: `not an archive object or a DynamoDB stream record (${e.message})` };
  }
  if (deletion.service !== service.name) {
    return { ok: false, kind: "foreign", message: `archived by service "${deletion.service}", not "${service.name}"` };
  }
  const { partitionKey, sortKey } = service.table;
  const pk = deletion.keys[partitionKey.name];
  if (!pk) {
    return {
      ok: false,
      kind: "foreign",
      message: `its keys (${Object.keys(deletion.keys).join(", ")}) do not include the table's partition key "${partitionKey.name}"`,
    };
  }
  if (named.kind === "record") {
    const sk = sortKey ? deletion.keys[sortKey.name] : undefined;
    if (!nameMatches(named.partitionKey, pk) || (named.sortKey && (!sk || !nameMatches(named.sortKey, sk)))) {
      return { ok: false, kind: "corrupt", message: "the keys inside the object do not match its name" };
    }
  }
  return { ok: true, deletion };
}

function nameMatches(named: NamedKey, value: KeyValue): boolean {
  const encoded = encodeKeyValue(value);
  return named.hashed ? isHashedEncoding(encoded) && encoded === named.encoded : encoded === encodeKeyValue(named.value);
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
