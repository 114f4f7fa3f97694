import "server-only";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { ArchiveInputError } from "../archive/archive-reader";
import type { LazarusConfig } from "../config/schema";
import type { ExportManifest } from "./export-format";
import { isMissingObject } from "../aws/aws-errors";

/**
 * Manifests live beside the archive: `{prefix}_exports/{exportId}.manifest.json`,
 * written once (If-None-Match: *) when an export's last byte has been produced.
 * Service names cannot start with "_", so the folder never meets an archive.
 */
export const EXPORTS_SEGMENT = "_exports";

export const exportIdSchema = z.uuid();

export function manifestKey(archivePrefix: string, exportId: string): string {
  return `${archivePrefix}${EXPORTS_SEGMENT}/${exportIdSchema.parse(exportId)}.manifest.json`;
}

export async function writeManifest(s3: S3Client, config: LazarusConfig, manifest: ExportManifest): Promise<string> {
  const key = manifestKey(config.archive.prefix, manifest.exportId);
  await s3.send(
    new PutObjectCommand({
      Bucket: config.archive.bucket,
      Key: key,
      Body: `${JSON.stringify(manifest, null, 2)}\n`,
      ContentType: "application/json",
      IfNoneMatch: "*",
    }),
  );
  return key;
}

/** The stored manifest text, byte for byte; null when there is none (yet). */
export async function readManifest(s3: S3Client, config: LazarusConfig, exportId: string): Promise<string | null> {
  const parsed = exportIdSchema.safeParse(exportId);
  if (!parsed.success) throw new ArchiveInputError("invalid export id: expected a UUID");
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: manifestKey(config.archive.prefix, parsed.data) }));
    return (await response.Body?.transformToString("utf-8")) ?? "";
  } catch (error) {
    if (isMissingObject(error)) return null;
    throw error;
  }
}
