import "server-only";
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { UnsafeArchiveKeyError, validateArchiveKey, type CalendarDay } from "./archive-input";

/**
 * An archive key from a request, checked. A key whose name has an empty, "." or ".."
 * segment is refused unless the bucket lists an object of exactly that name: S3 does
 * not resolve such segments, so the object is the one the listing showed, inside the
 * service's day folder. One LIST, and only for such names.
 */
export async function checkArchiveKey(s3: S3Client, config: LazarusConfig, service: ServiceConfig, archiveKey: string): Promise<{ day: CalendarDay; name: string }> {
  try {
    return validateArchiveKey(config, service, archiveKey);
  } catch (error) {
    if (!(error instanceof UnsafeArchiveKeyError)) throw error;
    // The exact key sorts first among the keys it prefixes, so one key answers.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.archive.bucket, Prefix: archiveKey, MaxKeys: 1 }));
    if (listed.Contents?.[0]?.Key !== archiveKey) {
      throw new UnsafeArchiveKeyError('invalid archive key: has an empty, "." or ".." path segment, and the archive holds no object of exactly that name');
    }
    return validateArchiveKey(config, service, archiveKey, { listed: true });
  }
}
