import "server-only";
import type { DayEntry, NamedKey } from "../archive/archive-reader";
import { keyValueText } from "../archive/attribute-value";
import { encodeKeyPrefix } from "../archive/key-codec";
import type { FoundDeletion } from "../archive/key-lookup";
import type { DayRecordRow, SearchResultRow } from "./api-types";

/** How a key from an object name reads on screen: S and N as they are, B as base64; null when hashed. */
export function keyDisplayText(key: NamedKey | undefined): string | null {
  if (!key || key.hashed) return null;
  return keyValueText(key.value);
}

/**
 * Whether a partition key from an object name starts with `prefix`. A hashed name
 * keeps the start of its key readable, so it is compared in encoded form.
 */
export function namedKeyStartsWith(key: NamedKey, prefix: string): boolean {
  if (!key.hashed) return keyDisplayText(key)?.startsWith(prefix) === true;
  return key.encoded.split("~")[0]?.startsWith(encodeKeyPrefix(prefix).encoded) === true;
}

export function toDayRecordRow(entry: DayEntry): DayRecordRow {
  const facts = { archiveKey: entry.archiveKey, size: entry.size, storageClass: entry.storageClass };
  if (entry.kind === "record") {
    return {
      ...facts,
      kind: "record",
      deletedAt: entry.deletedAt.toISOString(),
      deletionType: entry.deletionType,
      partitionKey: keyDisplayText(entry.partitionKey),
      sortKey: keyDisplayText(entry.sortKey),
      hashedKey: entry.partitionKey.hashed || entry.sortKey?.hashed === true,
    };
  }
  return {
    ...facts,
    kind: entry.kind,
    deletedAt: null,
    deletionType: null,
    partitionKey: null,
    sortKey: null,
    hashedKey: false,
    ...(entry.kind === "unknown" ? { reason: entry.reason } : {}),
  };
}

export function toSearchResultRow(found: FoundDeletion): SearchResultRow {
  return {
    service: found.service,
    archiveKey: found.archiveKey,
    deletedAt: found.deletedAt.toISOString(),
    deletionType: found.deletionType,
    partitionKey: keyDisplayText(found.partitionKey),
    sortKey: keyDisplayText(found.sortKey),
    hashedKey: found.partitionKey.hashed || found.sortKey?.hashed === true,
  };
}
