import "server-only";
import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { z } from "zod";
import { keyValueBytes, type KeyValue } from "../archive/attribute-value";
import { assertConfiguredService } from "../archive/archive-reader";
import { listObjects } from "../archive/object-listing";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { DomainError } from "../errors/domain-error";

/**
 * The erasure ledger: one small object per erased partition key,
 *
 *   {prefix}_erasures/{service}/{keyHash}.json
 *     = { schemaVersion: 1, service, keyHash, erasedAt, auditId, records }
 *
 * It names the key only by hash, so it holds no personal data, and it is what
 * restores, bulk restores, DLQ replays and PITR copy-backs consult so that an
 * erased key is not brought back. Service names cannot start with "_", so the
 * folder never collides with a service's archive.
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

const ledgerEntrySchema = z.object({
  schemaVersion: z.literal(1),
  service: z.string(),
  keyHash: z.string().regex(/^[0-9a-f]{64}$/),
  erasedAt: z.iso.datetime(),
  auditId: z.string().min(1),
  records: z.number().int().min(0),
});

const MAX_LEDGER_ENTRY_BYTES = 16 * 1024;
const READ_CONCURRENCY = 8;

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

function toRecord(entry: ErasureLedgerEntry): ErasureRecord {
  return { service: entry.service, keyHash: entry.keyHash, erasedAt: entry.erasedAt, auditId: entry.auditId };
}

function isNotFound(error: unknown): boolean {
  const name = error instanceof Error ? error.name : undefined;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return name === "NoSuchKey" || name === "NotFound" || status === 404;
}

/**
 * Reads one ledger object; null when absent. A ledger object that exists but
 * cannot be parsed still means "this key was erased": failing open would bring
 * erased data back, so it throws instead.
 */
async function readLedgerEntry(s3: S3Client, bucket: string, key: string): Promise<ErasureLedgerEntry | null> {
  let text: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await response.Body?.transformToString("utf-8")) ?? "";
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  if (Buffer.byteLength(text, "utf8") > MAX_LEDGER_ENTRY_BYTES) throw new ErasureLedgerError(key, "larger than any ledger entry");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ErasureLedgerError(key, "not JSON");
  }
  const parsed = ledgerEntrySchema.safeParse(json);
  if (!parsed.success) throw new ErasureLedgerError(key, "not a ledger entry");
  return parsed.data;
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

/** One GET. */
export async function findErasure(s3: S3Client, config: LazarusConfig, service: ServiceConfig, partitionKey: KeyValue): Promise<ErasureRecord | null> {
  assertConfiguredService(config, service);
  const keyHash = erasureKeyHash(service.name, partitionKey);
  const entry = await readLedgerEntry(s3, config.archive.bucket, erasureLedgerKey(config.archive.prefix, service.name, keyHash));
  return entry ? toRecord(entry) : null;
}

/** One LIST per 1,000 erased keys, then one GET each; keyed by keyHash. For bulk work: look up with erasureKeyHash. */
export async function loadErasures(s3: S3Client, config: LazarusConfig, service: ServiceConfig): Promise<Map<string, ErasureRecord>> {
  assertConfiguredService(config, service);
  const bucket = config.archive.bucket;
  const keys: string[] = [];
  for await (const object of listObjects(s3, { bucket, prefix: erasuresPrefix(config.archive.prefix, service.name) })) {
    if (/\/[0-9a-f]{64}\.json$/.test(object.key)) keys.push(object.key);
  }
  const read = pLimit(READ_CONCURRENCY);
  const entries = await Promise.all(keys.map((key) => read(() => readLedgerEntry(s3, bucket, key))));
  const out = new Map<string, ErasureRecord>();
  for (const entry of entries) if (entry) out.set(entry.keyHash, toRecord(entry));
  return out;
}

/**
 * Records an erasure. A later erasure of the same key (the item was created and
 * deleted again) replaces the entry with the later date; the bucket's versioning
 * keeps the earlier one.
 */
export async function writeErasure(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  partitionKey: KeyValue,
  erasure: { erasedAt: Date; auditId: string; records: number },
): Promise<ErasureLedgerEntry> {
  assertConfiguredService(config, service);
  const keyHash = erasureKeyHash(service.name, partitionKey);
  const entry: ErasureLedgerEntry = {
    schemaVersion: 1,
    service: service.name,
    keyHash,
    erasedAt: erasure.erasedAt.toISOString(),
    auditId: erasure.auditId,
    records: erasure.records,
  };
  await s3.send(
    new PutObjectCommand({
      Bucket: config.archive.bucket,
      Key: erasureLedgerKey(config.archive.prefix, service.name, keyHash),
      Body: JSON.stringify(entry),
      ContentType: "application/json",
    }),
  );
  return entry;
}
