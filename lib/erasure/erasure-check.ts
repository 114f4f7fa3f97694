import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import { classifyArchiveName, UnsafeArchiveKeyError, validateArchiveKey } from "../archive/archive-reader";
import type { KeyValue } from "../archive/attribute-value";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { erasureCovers, erasureKeyHash, findErasure, findErasureByNameHash, nameHashOf, type ErasureRecord } from "./erasure-ledger";
import { recordLocation } from "./record-location";

/**
 * The ledger checks a single restore makes (one GET of the ledger object), and what
 * its audit entry may say when one refuses it. Kept here so restore-record.ts only
 * calls them.
 */

/** The erasure that covers this archived deletion of the item with this table key, if any. */
export async function erasureBlocking(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  tableKey: Record<string, KeyValue>,
  deletedAt: Date,
): Promise<ErasureRecord | null> {
  const partitionKey = tableKey[service.table.partitionKey.name];
  if (!partitionKey) return null;
  const erasure = await findErasure(s3, config, service, partitionKey);
  return erasure && erasureCovers(erasure, deletedAt) ? erasure : null;
}

/**
 * For an archive object that no longer exists: the erasure that removed it, read from
 * the key and time its name carries. A name that shows the key hashed is looked up
 * through the erasure's name alias (two GETs); a legacy name carries no time.
 */
export async function erasureOfMissingRecord(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  archiveKey: string,
  /** The service's ledger, when the caller loaded it already (bulk work): readable names then cost nothing. */
  erasures?: Map<string, ErasureRecord>,
): Promise<ErasureRecord | null> {
  let dated: ReturnType<typeof validateArchiveKey>;
  try {
    dated = validateArchiveKey(config, service, archiveKey);
  } catch (error) {
    // A name with "..", "//" or "/./" is a seed-era name: it carries no time, so no erasure can be told from it.
    if (error instanceof UnsafeArchiveKeyError) return null;
    throw error;
  }
  const named = classifyArchiveName(service, dated.day, dated.name);
  if (named.kind !== "record") return null;
  if (!named.partitionKey.hashed && erasures) {
    const erasure = erasures.get(erasureKeyHash(service.name, named.partitionKey.value));
    return erasure && erasureCovers(erasure, named.deletedAt) ? erasure : null;
  }
  if (!named.partitionKey.hashed) return erasureBlocking(s3, config, service, { [service.table.partitionKey.name]: named.partitionKey.value }, named.deletedAt);
  const nameHash = nameHashOf(named.partitionKey.encoded);
  const erasure = nameHash ? await findErasureByNameHash(s3, config, service, nameHash) : null;
  return erasure && erasureCovers(erasure, named.deletedAt) ? erasure : null;
}

/**
 * The details of an audit entry for a request refused because its record was erased.
 * The key is named only by the ledger's hash and the record by its location (day and
 * record id): the object name in the request contains the key, and writing it would
 * put the erased key back into the log.
 */
export function erasedRefusalDetails(
  config: LazarusConfig,
  service: ServiceConfig,
  archiveKey: string,
  erasure: ErasureRecord,
): { code: "erased"; keyHash: string; erasureAuditId: string; location: string } {
  return { code: "erased", keyHash: erasure.keyHash, erasureAuditId: erasure.auditId, location: recordLocation(config, service.name, archiveKey) };
}
