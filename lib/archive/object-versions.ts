import "server-only";
import { DeleteObjectsCommand, ListObjectVersionsCommand, type ListObjectVersionsCommandOutput, type S3Client } from "@aws-sdk/client-s3";
import { MAX_LIST_KEYS } from "./object-listing";

/**
 * Every version under a prefix, and deletion of chosen versions. S3 takes at most
 * 1,000 keys per ListObjectVersions page and per DeleteObjects call; emulators do not
 * enforce either, so both are capped here.
 */
export const MAX_DELETE_KEYS = 1000;

export interface ObjectVersionRef {
  key: string;
  /** "null" for objects written while the bucket was unversioned. */
  versionId: string;
  isLatest: boolean;
  isDeleteMarker: boolean;
}

/** The ListObjectVersions pages under a prefix (grouped into folders by `delimiter` when given): 1,000 entries a page at most. */
export async function* versionListingPages(s3: S3Client, bucket: string, prefix: string, delimiter?: string): AsyncGenerator<ListObjectVersionsCommandOutput> {
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: MAX_LIST_KEYS,
        ...(delimiter ? { Delimiter: delimiter } : {}),
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(versionIdMarker ? { VersionIdMarker: versionIdMarker } : {}),
      }),
    );
    yield page;
    if (!page.IsTruncated) return;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
    if (!keyMarker && !versionIdMarker) throw new Error(`ListObjectVersions on "${prefix}" was truncated without a marker`);
  }
}

/** Versions and delete markers under a prefix: one LIST per 1,000. */
export async function* listVersionsUnder(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<ObjectVersionRef> {
  for await (const page of versionListingPages(s3, bucket, prefix)) {
    for (const v of page.Versions ?? []) {
      if (v.Key) yield { key: v.Key, versionId: v.VersionId ?? "null", isLatest: v.IsLatest === true, isDeleteMarker: false };
    }
    for (const m of page.DeleteMarkers ?? []) {
      if (m.Key) yield { key: m.Key, versionId: m.VersionId ?? "null", isLatest: m.IsLatest === true, isDeleteMarker: true };
    }
  }
}

/**
 * Deletes the given versions, `batchSize` (at most 1,000) per DeleteObjects call.
 * Throws when S3 reports any version it could not delete, after trying every batch.
 */
export async function deleteVersions(
  s3: S3Client,
  bucket: string,
  targets: readonly Pick<ObjectVersionRef, "key" | "versionId">[],
  options: { batchSize?: number; onBatch?: (deleted: number) => Promise<void> | void } = {},
): Promise<number> {
  const batchSize = Math.min(options.batchSize ?? MAX_DELETE_KEYS, MAX_DELETE_KEYS);
  let deleted = 0;
  const errors: string[] = [];
  for (let i = 0; i < targets.length; i += batchSize) {
    const batch = targets.slice(i, i + batchSize);
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: batch.map((t) => ({ Key: t.key, ...(t.versionId === "null" ? {} : { VersionId: t.versionId }) })), Quiet: true },
      }),
    );
    for (const e of out.Errors ?? []) errors.push(`${e.Key ?? "?"}: ${e.Code ?? "error"}`);
    deleted += batch.length - (out.Errors ?? []).length;
    await options.onBatch?.(deleted);
  }
  if (errors.length > 0) throw new Error(`S3 refused to delete ${errors.length} object versions (first: ${errors[0]})`);
  return deleted;
}
