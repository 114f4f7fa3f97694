import "server-only";
import { createHash } from "node:crypto";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { LazarusConfig } from "../config/schema";
import type { AuditEntry } from "./audit-entry";
import { auditEntryName, auditPrefix } from "./audit-layout";

/**
 * The audit entries that name one archive object, without reading the whole log: each
 * such entry also gets an empty marker named like the entry, in a folder per object,
 *
 *   {prefix}_audit/_by-object/{sha256 of the archive key}/{entry name}
 *
 * so a record page finds its restores with one LIST and a GET per entry. The folder holds
 * a hash, never the key; "_" keeps it apart from the year folders. The marker is a
 * convenience for the record page: the entry itself stays the record of what happened.
 */
export const BY_OBJECT_SEGMENT = "_by-object";

export function auditObjectPrefix(archivePrefix: string, archiveKey: string): string {
  return `${auditPrefix(archivePrefix)}${BY_OBJECT_SEGMENT}/${createHash("sha256").update(archiveKey, "utf8").digest("hex")}/`;
}

const EMPTY_MD5 = createHash("md5").update("").digest("base64");

export async function indexAuditEntry(
  s3: S3Client,
  config: LazarusConfig,
  entry: AuditEntry,
  retention: { mode: "GOVERNANCE" | "COMPLIANCE"; retainUntil: Date } | undefined,
): Promise<void> {
  if (!entry.archiveKey) return;
  const key = `${auditObjectPrefix(config.archive.prefix, entry.archiveKey)}${auditEntryName(new Date(entry.at), entry.id)}`;
  await s3.send(
    new PutObjectCommand({
      Bucket: config.archive.bucket,
      Key: key,
      // Bytes, not "": the SDK sends no Content-Length for an empty string and warns of a stream of unknown length.
      Body: new Uint8Array(0),
      IfNoneMatch: "*",
      ContentMD5: EMPTY_MD5,
      ...(retention ? { ObjectLockMode: retention.mode, ObjectLockRetainUntilDate: retention.retainUntil } : {}),
    }),
  );
}
