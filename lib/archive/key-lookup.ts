import "server-only";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { keyValueBytes, keyValueSchema, type KeyValue } from "./attribute-value";
import { indexEntryBodySchema } from "./archive-object";
import {
  ArchiveInputError,
  assertConfiguredService,
  classifyArchiveName,
  validateArchiveKey,
  type NamedKey,
} from "./archive-reader";
import { encodeKeyPrefix, encodeKeyValue } from "./key-codec";
import { archiveKeyForIndexEntry, INDEX_SEGMENT, indexPartitionPrefix, indexSearchPrefix, servicePrefix, splitDatedKey } from "./layout";
import { listPages, type ListedObject } from "./object-listing";
import { isBundleKeyOfDay } from "./sealed-format";
import type { DeletionType } from "./stream-record";
import { isMissingObject } from "../aws/aws-errors";

/**
 * Finds archived deletions by partition key through the by-key index
 * ({service}/_by-key/{encoded PK}/{yyyy}/{mm}/{dd}/{name}). One LIST per 1,000
 * index entries that share the key (or key prefix), plus one GET per entry whose
 * name cannot answer on its own: a hashed partition key (the body holds the full
 * key, which confirms the match) or a name not in the standard layout (legacy
 * objects, future bundles). The size of the rest of the archive never matters.
 */

export interface FoundDeletion {
  service: string;
  archiveKey: string;
  indexKey: string;
  deletedAt: Date;
  deletionType: DeletionType;
  partitionKey: NamedKey;
  sortKey?: NamedKey;
  /**
   * Where the record sits once its day is sealed, when the entry's body was read;
   * entries answered from their names alone leave it null (getArchivedRecord finds it).
   */
  bundle: { key: string; offset: number; length: number } | null;
}

export interface KeyLookupResult {
  /** In index order: by encoded partition key, then by deletion time. */
  deletions: FoundDeletion[];
  /** Index entries that could not be read; the rest of the result is still complete. */
  unreadable: { service: string; indexKey: string; reason: string }[];
  /** More deletions match than `limit`. */
  truncated: boolean;
}

export const DEFAULT_LOOKUP_LIMIT = 1000;
export const MAX_LOOKUP_LIMIT = 10_000;
/** DynamoDB's own limit on a partition key value. */
const MAX_PARTITION_KEY_BYTES = 2048;
const MAX_INDEX_ENTRY_BYTES = 64 * 1024;
const BODY_READ_CONCURRENCY = 16;

export interface KeyLookupOptions {
  limit?: number;
}

function validateLimit(limit: number | undefined): number {
  const value = limit ?? DEFAULT_LOOKUP_LIMIT;
  if (!Number.isInteger(value) || value < 1 || value > MAX_LOOKUP_LIMIT) {
    throw new ArchiveInputError(`invalid limit ${value}: must be an integer from 1 to ${MAX_LOOKUP_LIMIT}`);
  }
  return value;
}

function validatePartitionKey(service: ServiceConfig, value: unknown): KeyValue {
  const parsed = keyValueSchema.safeParse(value);
  if (!parsed.success) throw new ArchiveInputError('invalid partition key: must be {"S": ...}, {"N": ...} or {"B": base64}');
  const type = Object.keys(parsed.data)[0];
  if (type !== service.table.partitionKey.type) {
    throw new ArchiveInputError(`invalid partition key: ${service.name}'s partition key "${service.table.partitionKey.name}" is of type ${service.table.partitionKey.type}, not ${type}`);
  }
  if (keyValueBytes(parsed.data).byteLength > MAX_PARTITION_KEY_BYTES || keyValueBytes(parsed.data).byteLength === 0) {
    throw new ArchiveInputError(`invalid partition key: must be 1 to ${MAX_PARTITION_KEY_BYTES} bytes`);
  }
  return parsed.data;
}

function validatePrefix(service: ServiceConfig, prefix: unknown): string {
  if (typeof prefix !== "string" || prefix.length === 0) throw new ArchiveInputError("invalid key prefix: must be a non-empty string");
  if (Buffer.byteLength(prefix, "utf8") > MAX_PARTITION_KEY_BYTES) throw new ArchiveInputError(`invalid key prefix: longer than ${MAX_PARTITION_KEY_BYTES} bytes`);
  if (service.table.partitionKey.type === "B") {
    throw new ArchiveInputError(`${service.name}'s partition key is binary: binary keys are found by exact value only`);
  }
  return prefix;
}

function sameKey(a: KeyValue, b: KeyValue): boolean {
  return Object.keys(a)[0] === Object.keys(b)[0] && keyValueBytes(a).equals(keyValueBytes(b));
}

function keyText(value: KeyValue): string | undefined {
  if ("S" in value) return value.S;
  if ("N" in value) return value.N;
  return undefined;
}

/** Every archived deletion of one partition key, oldest first. */
export async function findDeletionsByPartitionKey(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  partitionKey: KeyValue,
  options: KeyLookupOptions = {},
): Promise<KeyLookupResult> {
  assertConfiguredService(config, service);
  const key = validatePartitionKey(service, partitionKey);
  return scanIndex(s3, config, service, {
    listPrefix: indexPartitionPrefix(config.archive.prefix, service.name, encodeKeyValue(key)),
    matches: (candidate) => sameKey(candidate, key),
    limit: validateLimit(options.limit),
  });
}

/** Every archived deletion whose partition key starts with `prefix` (string and number keys). */
export async function findDeletionsByKeyPrefix(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  prefix: string,
  options: KeyLookupOptions = {},
): Promise<KeyLookupResult> {
  assertConfiguredService(config, service);
  const text = validatePrefix(service, prefix);
  const { encoded } = encodeKeyPrefix(text);
  return scanIndex(s3, config, service, {
    listPrefix: indexSearchPrefix(config.archive.prefix, service.name, encoded),
    matches: (candidate) => keyText(candidate)?.startsWith(text) === true,
    limit: validateLimit(options.limit),
  });
}

export type KeyQuery = { partitionKey: KeyValue } | { keyPrefix: string };

/**
 * The same lookup in every configured service whose partition key can hold the
 * query (same type; prefixes skip binary keys). One lookup per service.
 */
export async function findDeletionsInAllServices(
  s3: S3Client,
  config: LazarusConfig,
  query: KeyQuery,
  options: KeyLookupOptions = {},
): Promise<KeyLookupResult & { services: string[] }> {
  const limit = validateLimit(options.limit);
  const services = config.services.filter((s) =>
    "partitionKey" in query ? Object.keys(query.partitionKey)[0] === s.table.partitionKey.type : s.table.partitionKey.type !== "B",
  );
  const run = pLimit(4);
  const results = await Promise.all(
    services.map((s) =>
      run(() =>
        "partitionKey" in query
          ? findDeletionsByPartitionKey(s3, config, s, query.partitionKey, { limit })
          : findDeletionsByKeyPrefix(s3, config, s, query.keyPrefix, { limit }),
      ),
    ),
  );
  const deletions = results.flatMap((r) => r.deletions);
  return {
    services: services.map((s) => s.name),
    deletions: deletions.slice(0, limit),
    unreadable: results.flatMap((r) => r.unreadable),
    truncated: deletions.length > limit || results.some((r) => r.truncated),
  };
}

// ---------------------------------------------------------------------------

interface Scan {
  listPrefix: string;
  matches: (partitionKey: KeyValue) => boolean;
  limit: number;
}

export type EntryOutcome = { kind: "match"; deletion: FoundDeletion } | { kind: "skip" } | { kind: "unreadable"; reason: string };

async function scanIndex(s3: S3Client, config: LazarusConfig, service: ServiceConfig, scan: Scan): Promise<KeyLookupResult> {
  const result: KeyLookupResult = { deletions: [], unreadable: [], truncated: false };
  const readBodies = pLimit(BODY_READ_CONCURRENCY);
  for await (const page of listPages(s3, { bucket: config.archive.bucket, prefix: scan.listPrefix })) {
    // Small slices keep body reads past the limit to a handful.
    for (let i = 0; i < page.objects.length; ) {
      const remaining = scan.limit + 1 - result.deletions.length;
      const slice = page.objects.slice(i, i + Math.min(BODY_READ_CONCURRENCY, remaining));
      i += slice.length;
      const outcomes = await Promise.all(slice.map((o) => readIndexEntry(s3, config, service, o, scan.matches, readBodies)));
      outcomes.forEach((outcome, j) => {
        if (outcome.kind === "match") result.deletions.push(outcome.deletion);
        if (outcome.kind === "unreadable") result.unreadable.push({ service: service.name, indexKey: (slice[j] as ListedObject).key, reason: outcome.reason });
      });
      if (result.deletions.length > scan.limit) {
        result.deletions.length = scan.limit;
        result.truncated = true;
        return result;
      }
    }
  }
  return result;
}

/**
 * One index entry: decided from its name when the name shows the full partition key,
 * else from its body. `versionId` reads a given version of the body (an erasure walks
 * every version, including entries whose latest version is a delete marker).
 */
export async function readIndexEntry(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  object: Pick<ListedObject, "key" | "size"> & { versionId?: string },
  matches: (partitionKey: KeyValue) => boolean,
  readBodies: ReturnType<typeof pLimit>,
): Promise<EntryOutcome> {
  const indexBase = `${servicePrefix(config.archive.prefix, service.name)}${INDEX_SEGMENT}/`;
  const rel = object.key.slice(indexBase.length);
  const slash = rel.indexOf("/");
  const encodedPk = slash > 0 ? rel.slice(0, slash) : "";
  const dated = splitDatedKey(rel.slice(slash + 1));
  const named = dated ? classifyArchiveName(service, dated.day, dated.name) : undefined;
  const archiveKey = archiveKeyForIndexEntry(config.archive.prefix, service.name, object.key);

  // The common case: everything is in the name, and no GET is needed.
  if (named?.kind === "record" && !named.partitionKey.hashed && archiveKey && encodeKeyValue(named.partitionKey.value) === encodedPk) {
    if (!matches(named.partitionKey.value)) return { kind: "skip" };
    return {
      kind: "match",
      deletion: {
        service: service.name,
        archiveKey,
        indexKey: object.key,
        deletedAt: named.deletedAt,
        deletionType: named.deletionType,
        partitionKey: named.partitionKey,
        ...(named.sortKey ? { sortKey: named.sortKey } : {}),
        bundle: null,
      },
    };
  }
  return readBodies(() => readIndexEntryBody(s3, config, service, object, matches));
}

function isEntryOf(config: LazarusConfig, service: ServiceConfig, indexKey: string, archiveKey: string): boolean {
  const serviceBase = servicePrefix(config.archive.prefix, service.name);
  const indexBase = `${serviceBase}${INDEX_SEGMENT}/`;
  if (!indexKey.startsWith(indexBase) || !archiveKey.startsWith(serviceBase)) return false;
  const rest = indexKey.slice(indexBase.length);
  const slash = rest.indexOf("/");
  return slash > 0 && rest.slice(slash + 1) === archiveKey.slice(serviceBase.length);
}

async function readIndexEntryBody(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  object: Pick<ListedObject, "key" | "size"> & { versionId?: string },
  matches: (partitionKey: KeyValue) => boolean,
): Promise<EntryOutcome> {
  if (object.size > MAX_INDEX_ENTRY_BYTES) return { kind: "unreadable", reason: `${object.size} bytes, larger than any index entry` };
  let text: string;
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: config.archive.bucket, Key: object.key, ...(object.versionId && object.versionId !== "null" ? { VersionId: object.versionId } : {}) }),
    );
    text = (await response.Body?.transformToString("utf-8")) ?? "";
  } catch (error) {
    // Deleted between the LIST and the GET (erasure, prune): it no longer points anywhere.
    if (isMissingObject(error)) return { kind: "skip" };
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: "unreadable", reason: "the index entry is not valid JSON" };
  }
  const body = indexEntryBodySchema.safeParse(json);
  if (!body.success) {
    return { kind: "unreadable", reason: `the index entry is invalid: ${body.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}` };
  }
  const { partitionKey, sortKey } = service.table;
  const pk = body.data.keys[partitionKey.name];
  if (!pk) return { kind: "unreadable", reason: `the index entry's keys do not include the partition key "${partitionKey.name}"` };
  try {
    // An entry is named {encoded PK}/{the record's own path}: a legacy name the bucket listed for the entry is the record's.
    const listed = isEntryOf(config, service, object.key, body.data.archiveKey);
    const { day } = validateArchiveKey(config, service, body.data.archiveKey, { listed });
    if (body.data.bundle && !isBundleKeyOfDay(config.archive.prefix, service.name, day, body.data.bundle.key)) {
      throw new ArchiveInputError("its bundle is not one of the record's day");
    }
  } catch (e) {
    return { kind: "unreadable", reason: `the index entry points outside ${service.name}'s archive: ${(e as Error).message}` };
  }
  if (!matches(pk)) return { kind: "skip" };
  const sk = sortKey ? body.data.keys[sortKey.name] : undefined;
  return {
    kind: "match",
    deletion: {
      service: service.name,
      archiveKey: body.data.archiveKey,
      indexKey: object.key,
      deletedAt: new Date(body.data.deletedAt),
      deletionType: body.data.deletionType,
      partitionKey: { hashed: false, value: pk },
      ...(sk ? { sortKey: { hashed: false, value: sk } } : {}),
      bundle: body.data.bundle,
    },
  };
}
