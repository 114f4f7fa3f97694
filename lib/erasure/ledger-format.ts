import { createHash } from "node:crypto";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { keyValueBytes, type KeyValue } from "../archive/attribute-value";
import { isMissingObject } from "../aws/aws-errors";
import type { ServiceConfig } from "../config/schema";
import { DomainError } from "../errors/domain-error";

/**
 * The erasure ledger: one small object per erased partition key,
 *
 *   {prefix}_erasures/{service}/{keyHash}.json
 *     = { schemaVersion: 1, service, keyHash, erasedAt, auditId, records }
 *
 * It names the key only by hash, so it holds no personal data, and it is what
 * restores, bulk restores, DLQ replays, PITR copy-backs and the archiver consult so
 * that an erased key is not brought back. Service names cannot start with "_", so the
 * folder never collides with a service's archive.
 *
 * This module is what the console (erasure-ledger.ts, server-only) and the archiver
 * Lambda (erasure-cache.ts) share; it holds no client and no session.
 */
export const ERASURE_SEGMENT = "_erasures";

export interface ErasureRecord {
  service: string;
  keyHash: string;
  /** ISO 8601. */
  erasedAt: string;
  /** The operationId of the erasure's audit entries. */
  auditId: string;
}

export interface ErasureLedgerEntry extends ErasureRecord {
  schemaVersion: 1;
  /** How many archived deletions of the key the erasure removed. */
  records: number;
}

export const ledgerEntrySchema = z.object({
  schemaVersion: z.literal(1),
  service: z.string(),
  keyHash: z.string().regex(/^[0-9a-f]{64}$/),
  erasedAt: z.iso.datetime(),
  auditId: z.string().min(1),
  records: z.number().int().min(0),
});

const MAX_LEDGER_ENTRY_BYTES = 16 * 1024;

/** Thrown (or returned as a refusal) when an action would bring an erased key back. */
export class ErasedRecordError extends DomainError {
  override name = "ErasedRecordError";
  constructor(readonly erasure: ErasureRecord) {
    super(410, "erased", erasedMessage(erasure));
  }
}

/** The UTC day of an erasure, YYYY-MM-DD: what refusals name, in messages and in audit counts. */
export function erasedOn(erasure: Pick<ErasureRecord, "erasedAt">): string {
  return erasure.erasedAt.slice(0, 10);
}

/** "erased on 2024-03-05": the day (UTC) is what a person needs; the audit entry has the exact time. */
export function erasedMessage(erasure: Pick<ErasureRecord, "erasedAt">): string {
  return `erased on ${erasedOn(erasure)}`;
}

/**
 * DynamoDB compares numbers by value, so "1.50", "1.5" and "15E-1" are one key.
 * The canonical text is sign, significant digits and exponent of the first digit.
 */
export function canonicalNumber(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return text;
  const [, sign = "", whole = "", fraction = "", exponent = "0"] = m;
  const digits = `${whole}${fraction}`;
  const firstNonZero = digits.search(/[1-9]/);
  if (firstNonZero < 0) return "0";
  const significant = digits.slice(firstNonZero).replace(/0+$/, "");
  const pointShift = whole.length - firstNonZero - 1;
  const magnitude = BigInt(exponent) + BigInt(pointShift);
  return `${sign === "-" ? "-" : ""}${significant}e${magnitude}`;
}

/** The key in one text per DynamoDB key value: its type and its canonical value. */
function canonicalKey(partitionKey: KeyValue): string {
  if ("S" in partitionKey) return JSON.stringify({ S: partitionKey.S });
  if ("N" in partitionKey) return JSON.stringify({ N: canonicalNumber(partitionKey.N) });
  return JSON.stringify({ B: keyValueBytes(partitionKey).toString("base64") });
}

/**
 * SHA-256 (hex) of the service name and the canonical typed key. A plain hash:
 * anyone who can guess the key can recompute it (see docs/ERASURE.md).
 */
export function erasureKeyHash(service: string, partitionKey: KeyValue): string {
  return createHash("sha256").update(JSON.stringify([service, canonicalKey(partitionKey)]), "utf8").digest("hex");
}

/** Where the replica eraser marks, in the replica bucket, the entries it has applied (replica-eraser.ts). */
export const REPLICA_MARKER_SEGMENT = "_replica-erasures";

/** Every service's ledger: what the replica eraser's event rule watches for entries arriving by replication. */
export function ledgerWatchPrefix(archivePrefix: string): string {
  return `${archivePrefix}${ERASURE_SEGMENT}/`;
}

export function erasuresPrefix(archivePrefix: string, service: string): string {
  return `${archivePrefix}${ERASURE_SEGMENT}/${service}/`;
}

export function erasureLedgerKey(archivePrefix: string, service: string, keyHash: string): string {
  return `${erasuresPrefix(archivePrefix, service)}${keyHash}.json`;
}

/**
 * Whether an erasure covers an archived deletion: everything deleted up to the
 * erasure was in scope. A deletion archived later belongs to an item created
 * again after the erasure, which is new data the subject gave afterwards.
 */
export function erasureCovers(erasure: Pick<ErasureRecord, "erasedAt">, deletedAt: Date | string | null | undefined): boolean {
  if (deletedAt === null || deletedAt === undefined) return true;
  const when = typeof deletedAt === "string" ? new Date(deletedAt) : deletedAt;
  if (Number.isNaN(when.getTime())) return true;
  return when.getTime() <= new Date(erasure.erasedAt).getTime();
}

export function toRecord(entry: ErasureLedgerEntry): ErasureRecord {
  return { service: entry.service, keyHash: entry.keyHash, erasedAt: entry.erasedAt, auditId: entry.auditId };
}

/**
 * Reads one ledger object; null when absent. A ledger object that exists but
 * cannot be parsed still means "this key was erased": failing open would bring
 * erased data back, so it throws instead.
 */
async function readLedgerObject<T>(s3: S3Client, bucket: string, key: string, schema: z.ZodType<T>, what: string): Promise<T | null> {
  let text: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await response.Body?.transformToString("utf-8")) ?? "";
  } catch (error) {
    if (isMissingObject(error)) return null;
    throw error;
  }
  if (Buffer.byteLength(text, "utf8") > MAX_LEDGER_ENTRY_BYTES) throw new ErasureLedgerError(key, `larger than any ${what}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ErasureLedgerError(key, "not JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ErasureLedgerError(key, `not a ${what}`);
  return parsed.data;
}

export function readLedgerEntry(s3: S3Client, bucket: string, key: string): Promise<ErasureLedgerEntry | null> {
  return readLedgerObject(s3, bucket, key, ledgerEntrySchema, "ledger entry");
}

export class ErasureLedgerError extends Error {
  override name = "ErasureLedgerError";
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`the erasure ledger object ${key} is unreadable (${reason}); treat its key as erased and repair the ledger`);
  }
}

/**
 * How long an archiver instance trusts its list of erased key hashes before listing
 * the ledger again. A record archived by an instance whose list was read just before an
 * erasure can slip through for this long after it: that is the window the scheduled
 * re-check closes (erasure-recheck.ts).
 */
export const ARCHIVER_ERASURE_CACHE_MS = 60_000;

/** The archiver's own timeout: a record checked just inside the window may still be written this long after it. */
export const ARCHIVER_TIMEOUT_MS = 60_000;

/**
 * How long after an erasure nothing of the subject can arrive any more: the archiver's
 * window plus its timeout, and the mapping's maximum record age, after which a record
 * is no longer retried but sent to the on-failure destination (the last place a
 * pre-erasure record can land).
 */
export function recheckDelayMs(service: Pick<ServiceConfig, "archiver">): number {
  return ARCHIVER_ERASURE_CACHE_MS + ARCHIVER_TIMEOUT_MS + service.archiver.maximumRecordAgeSeconds * 1000;
}

/** Beside an entry, once the scheduled re-check has found nothing left of its key (or removed it). */
export function recheckMarkerKey(archivePrefix: string, service: string, keyHash: string): string {
  return `${erasuresPrefix(archivePrefix, service)}${keyHash}.rechecked.json`;
}

export interface LedgerListing {
  /** Ledger entries by key hash, with the time S3 last wrote each and its ETag (a later erasure of the key writes another). */
  entries: Map<string, { key: string; lastModified: Date | null; etag: string }>;
  /** Re-check markers by key hash. */
  rechecked: Map<string, { key: string; lastModified: Date | null; etag: string }>;
}

/**
 * One LIST per 1,000 objects of a service's ledger folder, no GET: what the archiver's
 * cache, the console's bulk checks and the re-check all start from.
 */
export async function listLedger(s3: S3Client, bucket: string, archivePrefix: string, service: string): Promise<LedgerListing> {
  const prefix = erasuresPrefix(archivePrefix, service);
  const listing: LedgerListing = { entries: new Map(), rechecked: new Map() };
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000, ...(token ? { ContinuationToken: token } : {}) }));
    for (const object of page.Contents ?? []) {
      const m = /^([0-9a-f]{64})(\.rechecked)?\.json$/.exec((object.Key ?? "").slice(prefix.length));
      if (!m) continue;
      (m[2] ? listing.rechecked : listing.entries).set(m[1] as string, { key: object.Key as string, lastModified: object.LastModified ?? null, etag: (object.ETag ?? "").replaceAll('"', "") });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return listing;
}

/**
 * An object name shows a long or binary key only as a hash of its bytes (key-codec.ts),
 * which is not the ledger's hash: the ledger cannot be found from such a name alone.
 * For those keys an erasure also writes a small alias, named by the name's hash and
 * holding the ledger's hash, so a request that names only the object (a restore of an
 * object that is gone) is still recognised as erased.
 */
export function erasureNameAliasKey(archivePrefix: string, service: string, nameHash: string): string {
  return `${erasuresPrefix(archivePrefix, service)}names/${nameHash}.json`;
}

/** The hash a name shows for this key, or null when the name shows the key itself. */
export function nameHashOf(encodedKey: string): string | null {
  const tilde = encodedKey.lastIndexOf("~");
  return tilde < 0 ? null : encodedKey.slice(tilde + 1);
}

const nameAliasSchema = z.object({ schemaVersion: z.literal(1), keyHash: z.string().regex(/^[0-9a-f]{64}$/) });

/** The ledger entry an alias points at; null when there is no alias. A damaged alias fails closed, as a damaged entry does. */
export async function readNameAlias(s3: S3Client, bucket: string, key: string): Promise<string | null> {
  return (await readLedgerObject(s3, bucket, key, nameAliasSchema, "name alias"))?.keyHash ?? null;
}
