import "server-only";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { findService } from "../config/load";
import type { KeyValue } from "./attribute-value";
import { ArchiveObjectError, parseArchiveObject, type ArchivedDeletion } from "./archive-object";
import { decodeKeyValue, encodeKeyValue, isHashedEncoding } from "./key-codec";
import { ARCHIVE_SUFFIX, dayPrefix, monthPrefix, parseArchiveName, servicePrefix } from "./layout";
import { clampListKeys, listFolders, listObjects, listPage, MAX_LIST_KEYS, type ListedObject } from "./object-listing";
import type { DeletionType } from "./stream-record";
import { DomainError } from "../errors/domain-error";

/**
 * Reads the archive for the console: services, days, a day's records page by page,
 * and one record. Listings read object names only (one LIST per 1,000 objects, no
 * GETs); a record is read with one GET. Nothing a request supplies becomes an S3
 * prefix without passing through the validators below.
 */

/** Bad input from a caller (a route param, a cursor): an HTTP 400, never a server error. */
export class ArchiveInputError extends DomainError {
  override name = "ArchiveInputError";
  constructor(message: string) {
    super(400, "invalid-input", message);
  }
}

export interface CalendarMonth {
  year: number;
  month: number;
}

export interface CalendarDay extends CalendarMonth {
  day: number;
}

const year = z.number().int().min(1970).max(9999);
const month = z.number().int().min(1).max(12);

const monthSchema = z.object({ year, month });

const daySchema = z
  .object({ year, month, day: z.number().int().min(1).max(31) })
  .refine((d) => d.day <= daysInMonth(d), "is not a calendar date");

function daysInMonth(m: CalendarMonth): number {
  return new Date(Date.UTC(m.year, m.month, 0)).getUTCDate();
}

function issuesOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "value"} ${i.message}`).join("; ");
}

export function validateMonth(value: unknown): CalendarMonth {
  const result = monthSchema.safeParse(value);
  if (!result.success) throw new ArchiveInputError(`invalid month: ${issuesOf(result.error)}`);
  return result.data;
}

export function validateDay(value: unknown): CalendarDay {
  const result = daySchema.safeParse(value);
  if (!result.success) throw new ArchiveInputError(`invalid day: ${issuesOf(result.error)}`);
  return result.data;
}

/** "2024-01-15" as it appears in URLs. */
export function parseDay(text: string): CalendarDay {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) throw new ArchiveInputError(`invalid day "${text.slice(0, 40)}": expected YYYY-MM-DD`);
  return validateDay({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) });
}

export function formatDay(day: CalendarDay): string {
  return `${String(day.year).padStart(4, "0")}-${String(day.month).padStart(2, "0")}-${String(day.day).padStart(2, "0")}`;
}

/**
 * Services are always the configured objects (from findService), so a service
 * name from a request can never reach S3 unchecked.
 */
export function assertConfiguredService(config: LazarusConfig, service: ServiceConfig): ServiceConfig {
  if (findService(config, service.name) !== service) {
    throw new ArchiveInputError(`service "${service.name}" is not one of the configured services; look it up with findService`);
  }
  return service;
}

// ---------------------------------------------------------------------------
// Services, years, months, days

export interface ServiceSummary {
  name: string;
  table: string;
  description?: string;
  partitionKey: { name: string; type: "S" | "N" | "B" };
  sortKey?: { name: string; type: "S" | "N" | "B" };
}

export function listServices(config: LazarusConfig): ServiceSummary[] {
  return config.services.map((s) => ({
    name: s.name,
    table: s.table.name,
    ...(s.description !== undefined ? { description: s.description } : {}),
    partitionKey: s.table.partitionKey,
    ...(s.table.sortKey ? { sortKey: s.table.sortKey } : {}),
  }));
}

/** Years that have archive objects: one delimited LIST (the index folder is skipped). */
export async function listYears(s3: S3Client, config: LazarusConfig, service: ServiceConfig): Promise<number[]> {
  assertConfiguredService(config, service);
  const base = servicePrefix(config.archive.prefix, service.name);
  const folders = await listFolders(s3, { bucket: config.archive.bucket, prefix: base });
  return folders
    .map((f) => /^(\d{4})\/$/.exec(f.slice(base.length))?.[1])
    .filter((y): y is string => y !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Months of a year that have archive objects: one delimited LIST. */
export async function listMonths(s3: S3Client, config: LazarusConfig, service: ServiceConfig, yearValue: number): Promise<CalendarMonth[]> {
  assertConfiguredService(config, service);
  const y = year.safeParse(yearValue);
  if (!y.success) throw new ArchiveInputError(`invalid year: ${issuesOf(y.error)}`);
  const base = `${servicePrefix(config.archive.prefix, service.name)}${String(y.data).padStart(4, "0")}/`;
  const folders = await listFolders(s3, { bucket: config.archive.bucket, prefix: base });
  return folders
    .map((f) => /^(\d{2})\/$/.exec(f.slice(base.length))?.[1])
    .map(Number)
    .filter((m) => Number.isInteger(m) && m >= 1 && m <= 12)
    .sort((a, b) => a - b)
    .map((m) => ({ year: y.data, month: m }));
}

export interface DaySummary {
  date: string;
  day: CalendarDay;
  /** Every object in the day's folder. */
  objects: number;
  /** Objects named by this archive's layout; ttl + manual = records. */
  records: number;
  ttl: number;
  manual: number;
  /** The seed's `{PK}_{SK}.json` objects: their deletion type is only known by reading them. */
  legacy: number;
  unknown: number;
}

export interface MonthSummary {
  month: CalendarMonth;
  days: DaySummary[];
  /** Objects in the month's folder that are not inside a valid day folder. */
  outsideDays: number;
}

/** Per-day counts from object names alone: one LIST per 1,000 objects in the month, no GETs. */
export async function listDays(s3: S3Client, config: LazarusConfig, service: ServiceConfig, monthValue: CalendarMonth): Promise<MonthSummary> {
  assertConfiguredService(config, service);
  const m = validateMonth(monthValue);
  const base = monthPrefix(config.archive.prefix, service.name, m);
  const days = new Map<number, DaySummary>();
  let outsideDays = 0;
  for await (const object of listObjects(s3, { bucket: config.archive.bucket, prefix: base })) {
    const rel = object.key.slice(base.length);
    const dm = /^(\d{2})\/(.+)$/.exec(rel);
    const day = dm ? daySchema.safeParse({ ...m, day: Number(dm[1]) }) : undefined;
    if (!dm || !day?.success) {
      outsideDays += 1;
      continue;
    }
    let summary = days.get(day.data.day);
    if (!summary) {
      summary = { date: formatDay(day.data), day: day.data, objects: 0, records: 0, ttl: 0, manual: 0, legacy: 0, unknown: 0 };
      days.set(day.data.day, summary);
    }
    summary.objects += 1;
    const named = classifyArchiveName(service, day.data, dm[2] as string);
    if (named.kind === "record") {
      summary.records += 1;
      summary[named.deletionType] += 1;
    } else {
      summary[named.kind] += 1;
    }
  }
  return { month: m, days: [...days.values()].sort((a, b) => a.day.day - b.day.day), outsideDays };
}

// ---------------------------------------------------------------------------
// Object names

/** A key value as an object name shows it: in full, or hashed (the object holds the full value). */
export type NamedKey = { hashed: false; value: KeyValue } | { hashed: true; encoded: string };

export type ClassifiedName =
  | { kind: "record"; id: string; deletedAt: Date; deletionType: DeletionType; partitionKey: NamedKey; sortKey?: NamedKey }
  | { kind: "legacy"; name: string }
  | { kind: "unknown"; reason: string };

function hasUnsafeSegment(path: string): boolean {
  return path.split("/").some((s) => s === "" || s === "." || s === "..");
}

function nameKey(encoded: string, type: "S" | "N" | "B"): NamedKey {
  const value = decodeKeyValue(encoded, type);
  return value === null ? { hashed: true, encoded } : { hashed: false, value };
}

/**
 * What an object in a day folder is, from its name (the part after the day's "/"):
 * an archive record, a seed-layout object (`{PK}_{SK}.json`, possibly with "/" from
 * the key), or something that does not belong.
 */
export function classifyArchiveName(service: ServiceConfig, day: CalendarDay, name: string): ClassifiedName {
  if (!name.endsWith(ARCHIVE_SUFFIX) || name.length === ARCHIVE_SUFFIX.length) {
    return { kind: "unknown", reason: "not a .json object" };
  }
  if (hasUnsafeSegment(name)) return { kind: "unknown", reason: 'name has an empty, "." or ".." path segment' };
  const parsed = name.includes("/") ? undefined : parseArchiveName(name, day);
  if (!parsed) return { kind: "legacy", name };

  const d = parsed.deletedAt;
  const inDay = formatDay({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }) === formatDay(day);
  if (!inDay) return { kind: "unknown", reason: "the time in the name is not a time of day" };
  const { partitionKey, sortKey } = service.table;
  if (sortKey && parsed.sortKey === undefined) return { kind: "unknown", reason: `name has no sort key but the table's sort key is "${sortKey.name}"` };
  if (!sortKey && parsed.sortKey !== undefined) return { kind: "unknown", reason: "name has a sort key but the table has none" };
  try {
    return {
      kind: "record",
      id: parsed.id,
      deletedAt: parsed.deletedAt,
      deletionType: parsed.deletionType,
      partitionKey: nameKey(parsed.partitionKey, partitionKey.type),
      ...(sortKey && parsed.sortKey !== undefined ? { sortKey: nameKey(parsed.sortKey, sortKey.type) } : {}),
    };
  } catch (e) {
    return { kind: "unknown", reason: `name does not decode to the table's key: ${(e as Error).message}` };
  }
}

// ---------------------------------------------------------------------------
// A day's records, page by page

interface ObjectFacts {
  archiveKey: string;
  size: number;
  lastModified?: Date;
  storageClass: string;
}

export type DayEntry =
  | ({ kind: "record"; id: string; deletedAt: Date; deletionType: DeletionType; partitionKey: NamedKey; sortKey?: NamedKey } & ObjectFacts)
  | ({ kind: "legacy"; name: string } & ObjectFacts)
  | ({ kind: "unknown"; reason: string } & ObjectFacts);

export interface DayPage {
  entries: DayEntry[];
  /** Pass back to get the next page; absent on the last page. */
  nextCursor?: string;
}

export const DEFAULT_DAY_PAGE_SIZE = 100;
const MAX_CURSOR_LENGTH = 4096;

const cursorSchema = z
  .object({
    v: z.literal(1),
    service: z.string(),
    day: z.string(),
    /** The last name returned, relative to the day folder: the next LIST starts after it. */
    after: z.string().min(1).max(1024),
  })
  .strict();

export function encodeDayCursor(service: string, day: CalendarDay, after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, service, day: formatDay(day), after }), "utf8").toString("base64url");
}

/** The name a cursor resumes after; throws ArchiveInputError for a damaged cursor or one from another day. */
export function decodeDayCursor(cursor: string, expected: { service: string; day: CalendarDay }): string {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new ArchiveInputError("invalid cursor: not a cursor this archive issued");
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new ArchiveInputError("invalid cursor: not a cursor this archive issued");
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) throw new ArchiveInputError("invalid cursor: not a cursor this archive issued");
  if (parsed.data.service !== expected.service || parsed.data.day !== formatDay(expected.day)) {
    throw new ArchiveInputError(
      `invalid cursor: it belongs to ${parsed.data.service} on ${parsed.data.day}, not ${expected.service} on ${formatDay(expected.day)}`,
    );
  }
  return parsed.data.after;
}

/** One page of a day: one LIST of at most `limit` (≤ 1,000) names, no GETs. */
export async function listDayRecords(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  dayValue: CalendarDay,
  options: { cursor?: string; limit?: number } = {},
): Promise<DayPage> {
  assertConfiguredService(config, service);
  const day = validateDay(dayValue);
  const limit = options.limit ?? DEFAULT_DAY_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_KEYS) {
    throw new ArchiveInputError(`invalid limit ${limit}: must be an integer from 1 to ${MAX_LIST_KEYS}`);
  }
  const base = dayPrefix(config.archive.prefix, service.name, day);
  const after = options.cursor === undefined ? undefined : decodeDayCursor(options.cursor, { service: service.name, day });
  const page = await listPage(s3, {
    bucket: config.archive.bucket,
    prefix: base,
    maxKeys: clampListKeys(limit),
    ...(after !== undefined ? { startAfter: base + after } : {}),
  });
  const entries = page.objects.map((o) => toDayEntry(service, day, base, o));
  const last = page.objects.at(-1);
  return {
    entries,
    ...(page.isTruncated && last ? { nextCursor: encodeDayCursor(service.name, day, last.key.slice(base.length)) } : {}),
  };
}

function toDayEntry(service: ServiceConfig, day: CalendarDay, base: string, object: ListedObject): DayEntry {
  const facts: ObjectFacts = {
    archiveKey: object.key,
    size: object.size,
    ...(object.lastModified ? { lastModified: object.lastModified } : {}),
    storageClass: object.storageClass,
  };
  return { ...classifyArchiveName(service, day, object.key.slice(base.length)), ...facts };
}

// ---------------------------------------------------------------------------
// One record

/** Larger than any archive object: a 400 KB item in typed JSON plus its envelope. */
export const MAX_ARCHIVE_OBJECT_BYTES = 4 * 1024 * 1024;
const MAX_S3_KEY_BYTES = 1024;

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
    }
  | {
      ok: false;
      archiveKey: string;
      error: { kind: ArchiveReadErrorKind; message: string; storageClass?: string; restore?: string };
    };

/**
 * Checks that a key names an object in one of the service's day folders (not the
 * index, no "." or ".." segments) and returns its day and name.
 */
export function validateArchiveKey(config: LazarusConfig, service: ServiceConfig, archiveKey: unknown): { day: CalendarDay; name: string } {
  if (typeof archiveKey !== "string" || archiveKey.length === 0) throw new ArchiveInputError("invalid archive key: must be a non-empty string");
  if (Buffer.byteLength(archiveKey, "utf8") > MAX_S3_KEY_BYTES) throw new ArchiveInputError(`invalid archive key: longer than ${MAX_S3_KEY_BYTES} bytes`);
  const base = servicePrefix(config.archive.prefix, service.name);
  if (!archiveKey.startsWith(base)) throw new ArchiveInputError(`invalid archive key: not under ${base}`);
  const m = /^(\d{4})\/(\d{2})\/(\d{2})\/(.+)$/.exec(archiveKey.slice(base.length));
  if (!m) throw new ArchiveInputError(`invalid archive key: not in a day folder of ${base} (YYYY/MM/DD/name)`);
  const name = m[4] as string;
  if (hasUnsafeSegment(name)) throw new ArchiveInputError('invalid archive key: has an empty, "." or ".." path segment');
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new ArchiveInputError("invalid archive key: has control characters");
  return { day: validateDay({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }), name };
}

/**
 * Reads one archive object: one GET (plus one HEAD when S3 refuses the GET because
 * the object sits in Glacier Flexible Retrieval or Deep Archive and is not restored).
 * A missing, damaged or foreign object comes back as an error value.
 */
export async function getArchivedRecord(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  archiveKey: string,
): Promise<ArchivedRecordResult> {
  assertConfiguredService(config, service);
  const { day, name } = validateArchiveKey(config, service, archiveKey);
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
