import "server-only";
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";

/**
 * Paginated ListObjectsV2 for the archive reader, key lookup and reindex.
 * S3 returns at most 1,000 keys per call; emulators do not enforce that, so the
 * page size is capped here and every caller pays one LIST per 1,000 keys at most.
 */
export const MAX_LIST_KEYS = 1000;

export interface ListedObject {
  key: string;
  size: number;
  lastModified?: Date;
  storageClass: string;
  /** Changes when the object is rewritten. */
  etag?: string;
}

export interface ListPage {
  objects: ListedObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextContinuationToken?: string;
}

export interface ListPageRequest {
  bucket: string;
  prefix: string;
  maxKeys?: number;
  delimiter?: string;
  startAfter?: string;
  continuationToken?: string;
}

export function clampListKeys(maxKeys: number | undefined): number {
  if (maxKeys === undefined) return MAX_LIST_KEYS;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`page size must be a positive integer, got ${maxKeys}`);
  return Math.min(maxKeys, MAX_LIST_KEYS);
}

export async function listPage(s3: S3Client, request: ListPageRequest): Promise<ListPage> {
  const maxKeys = clampListKeys(request.maxKeys);
  const out = await s3.send(
    new ListObjectsV2Command({
      Bucket: request.bucket,
      Prefix: request.prefix,
      MaxKeys: maxKeys,
      ...(request.delimiter ? { Delimiter: request.delimiter } : {}),
      ...(request.startAfter ? { StartAfter: request.startAfter } : {}),
      ...(request.continuationToken ? { ContinuationToken: request.continuationToken } : {}),
    }),
  );
  const objects: ListedObject[] = [];
  for (const o of out.Contents ?? []) {
    if (!o.Key) continue;
    objects.push({
      key: o.Key,
      size: o.Size ?? 0,
      ...(o.LastModified ? { lastModified: o.LastModified } : {}),
      storageClass: o.StorageClass ?? "STANDARD",
      ...(o.ETag ? { etag: o.ETag } : {}),
    });
  }
  const isTruncated = out.IsTruncated === true;
  return {
    objects,
    commonPrefixes: (out.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [p.Prefix] : [])),
    isTruncated,
    ...(out.NextContinuationToken ? { nextContinuationToken: out.NextContinuationToken } : {}),
  };
}

/** Every page under a prefix, one LIST per page. */
export async function* listPages(s3: S3Client, request: Omit<ListPageRequest, "continuationToken" | "startAfter">): AsyncGenerator<ListPage> {
  let continuationToken: string | undefined;
  do {
    const page = await listPage(s3, { ...request, ...(continuationToken ? { continuationToken } : {}) });
    yield page;
    if (page.isTruncated && !page.nextContinuationToken) {
      throw new Error(`ListObjectsV2 on "${request.prefix}" was truncated without a continuation token`);
    }
    continuationToken = page.isTruncated ? page.nextContinuationToken : undefined;
  } while (continuationToken);
}

export async function* listObjects(s3: S3Client, request: { bucket: string; prefix: string }): AsyncGenerator<ListedObject> {
  for await (const page of listPages(s3, request)) yield* page.objects;
}

/** The "folders" directly under a prefix (Delimiter "/"). */
export async function listFolders(s3: S3Client, request: { bucket: string; prefix: string }): Promise<string[]> {
  const folders: string[] = [];
  for await (const page of listPages(s3, { ...request, delimiter: "/" })) folders.push(...page.commonPrefixes);
  return folders;
}
