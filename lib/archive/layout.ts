import { createHash } from "node:crypto";
import type { KeyValue } from "./attribute-value";
import { encodeKeyValue } from "./key-codec";
import type { DeletionType } from "./stream-record";

/**
 * Where archive objects and by-key index entries live in the bucket.
 *
 *   {prefix}{service}/{yyyy}/{mm}/{dd}/{HHMMSS}Z_{ttl|manual}_{pk}[_{sk}]_{id}.json
 *   {prefix}{service}/_by-key/{pk}/{yyyy}/{mm}/{dd}/{same name}
 *
 * {pk} and {sk} are key-codec encodings; {id} is 16 hex digits of the SHA-256 of the
 * stream record's eventID, so a redelivered record lands on the same name and two
 * deletions of one key never share one. A day's listing therefore shows key,
 * deletion time and type without reading any object.
 */
export const INDEX_SEGMENT = "_by-key";
export const ARCHIVE_SUFFIX = ".json";

export interface ArchiveName {
  deletedAt: Date;
  deletionType: DeletionType;
  partitionKey: string;
  sortKey?: string;
  id: string;
}

export interface ArchiveKeyParts {
  prefix: string;
  service: string;
  deletedAt: Date;
  deletionType: DeletionType;
  partitionKey: KeyValue;
  sortKey?: KeyValue;
  eventId: string;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

export function recordId(eventId: string): string {
  return createHash("sha256").update(eventId, "utf8").digest("hex").slice(0, 16);
}

/** "2024/01/15" for a deletion time, in UTC. */
export function datePath(date: Date): string {
  return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}`;
}

export function servicePrefix(prefix: string, service: string): string {
  return `${prefix}${service}/`;
}

export function dayPrefix(prefix: string, service: string, day: { year: number; month: number; day: number }): string {
  return `${servicePrefix(prefix, service)}${pad(day.year, 4)}/${pad(day.month)}/${pad(day.day)}/`;
}

export function monthPrefix(prefix: string, service: string, month: { year: number; month: number }): string {
  return `${servicePrefix(prefix, service)}${pad(month.year, 4)}/${pad(month.month)}/`;
}

export function archiveObjectName(parts: Omit<ArchiveKeyParts, "prefix" | "service">): string {
  const d = parts.deletedAt;
  const time = `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  const keys = [encodeKeyValue(parts.partitionKey), ...(parts.sortKey ? [encodeKeyValue(parts.sortKey)] : [])];
  return `${time}_${parts.deletionType}_${keys.join("_")}_${recordId(parts.eventId)}${ARCHIVE_SUFFIX}`;
}

export function archiveObjectKey(parts: ArchiveKeyParts): string {
  return `${servicePrefix(parts.prefix, parts.service)}${datePath(parts.deletedAt)}/${archiveObjectName(parts)}`;
}

export function indexPartitionPrefix(prefix: string, service: string, encodedPartitionKey: string): string {
  return `${servicePrefix(prefix, service)}${INDEX_SEGMENT}/${encodedPartitionKey}/`;
}

/** Where index entries for partition keys starting with an encoded prefix are listed from. */
export function indexSearchPrefix(prefix: string, service: string, encodedKeyPrefix: string): string {
  return `${servicePrefix(prefix, service)}${INDEX_SEGMENT}/${encodedKeyPrefix}`;
}

export function indexEntryKey(parts: ArchiveKeyParts): string {
  return `${indexPartitionPrefix(parts.prefix, parts.service, encodeKeyValue(parts.partitionKey))}${datePath(parts.deletedAt)}/${archiveObjectName(parts)}`;
}

const NAME = /^(\d{2})(\d{2})(\d{2})Z_(ttl|manual)_([^_/]+)(?:_([^_/]+))?_([0-9a-f]{16})\.json$/;
const DAY = /^(\d{4})\/(\d{2})\/(\d{2})\/$/;

/** Reads an archive object name (the part after the day); undefined for names this layout did not write. */
export function parseArchiveName(name: string, day: { year: number; month: number; day: number }): ArchiveName | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const [, hh, mi, ss, type, pk, sk, id] = m as unknown as [string, string, string, string, DeletionType, string, string | undefined, string];
  const deletedAt = new Date(Date.UTC(day.year, day.month - 1, day.day, Number(hh), Number(mi), Number(ss)));
  if (Number.isNaN(deletedAt.getTime())) return undefined;
  return { deletedAt, deletionType: type, partitionKey: pk, ...(sk !== undefined ? { sortKey: sk } : {}), id };
}

/**
 * Splits a full S3 key under a service into day and name. Works for both
 * archive objects and index entries (whose relative path ends the same way).
 */
export function splitDatedKey(relativePath: string): { day: { year: number; month: number; day: number }; name: string } | undefined {
  const m = /^(\d{4})\/(\d{2})\/(\d{2})\/([^/]+)$/.exec(relativePath);
  if (!m) return undefined;
  const [, y, mo, d, name] = m as unknown as [string, string, string, string, string];
  return { day: { year: Number(y), month: Number(mo), day: Number(d) }, name };
}

export function parseDayPrefix(relative: string): { year: number; month: number; day: number } | undefined {
  const m = DAY.exec(relative);
  if (!m) return undefined;
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** The index entry of an archive object with a standard name (its name carries the encoded partition key); undefined for other names. */
export function indexEntryKeyForArchiveKey(prefix: string, service: string, archiveKey: string): string | undefined {
  const base = servicePrefix(prefix, service);
  const dated = archiveKey.startsWith(base) ? splitDatedKey(archiveKey.slice(base.length)) : undefined;
  const parsed = dated ? parseArchiveName(dated.name, dated.day) : undefined;
  return parsed ? `${indexPartitionPrefix(prefix, service, parsed.partitionKey)}${archiveKey.slice(base.length)}` : undefined;
}

/** The archive object an index entry points at (same relative path, outside _by-key). */
export function archiveKeyForIndexEntry(prefix: string, service: string, indexKey: string): string | undefined {
  const base = `${servicePrefix(prefix, service)}${INDEX_SEGMENT}/`;
  if (!indexKey.startsWith(base)) return undefined;
  const rest = indexKey.slice(base.length);
  const slash = rest.indexOf("/");
  if (slash < 0) return undefined;
  const dated = rest.slice(slash + 1);
  return splitDatedKey(dated) ? `${servicePrefix(prefix, service)}${dated}` : undefined;
}

