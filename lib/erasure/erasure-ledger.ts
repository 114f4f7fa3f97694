import "server-only";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import type { KeyValue } from "../archive/attribute-value";
import { assertConfiguredService } from "../archive/archive-reader";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { encodeKeyValue } from "../archive/key-codec";
import {
  erasureKeyHash,
  erasureLedgerKey,
  erasureNameAliasKey,
  listLedger,
  nameHashOf,
  readLedgerEntry,
  readNameAlias,
  toRecord,
  type ErasureLedgerEntry,
  type ErasureRecord,
} from "./ledger-format";

/**
 * The ledger as the console reads and writes it (format and shared checks in
 * ledger-format.ts, which the archiver Lambda uses too).
 */
export * from "./ledger-format";

const READ_CONCURRENCY = 8;

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
  const keys = [...(await listLedger(s3, bucket, config.archive.prefix, service.name)).entries.values()].map((e) => e.key);
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
  const nameHash = nameHashOf(encodeKeyValue(partitionKey));
  if (nameHash) {
    await s3.send(
      new PutObjectCommand({
        Bucket: config.archive.bucket,
        Key: erasureNameAliasKey(config.archive.prefix, service.name, nameHash),
        Body: JSON.stringify({ schemaVersion: 1, keyHash }),
        ContentType: "application/json",
      }),
    );
  }
  return entry;
}

/**
 * The erasure of the key an object name shows hashed (see erasureNameAliasKey): two GETs,
 * the alias and the entry it names; null when the key was never erased.
 */
export async function findErasureByNameHash(s3: S3Client, config: LazarusConfig, service: ServiceConfig, nameHash: string): Promise<ErasureRecord | null> {
  assertConfiguredService(config, service);
  const keyHash = await readNameAlias(s3, config.archive.bucket, erasureNameAliasKey(config.archive.prefix, service.name, nameHash));
  if (!keyHash) return null;
  const entry = await readLedgerEntry(s3, config.archive.bucket, erasureLedgerKey(config.archive.prefix, service.name, keyHash));
  return entry ? toRecord(entry) : null;
}
