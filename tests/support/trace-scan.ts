import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectVersionsCommand, type S3Client } from "@aws-sdk/client-s3";

/**
 * What a compliance officer would check after an erasure: every object version and
 * every delete marker of the buckets, by name and (for versions) by content, for the
 * subject's key text and values. A delete marker has no content, but its name can
 * still hold the key. Gzip objects (sealed days' bundles) are read decompressed, every
 * member, so a record inside a bundle is seen like a record in its own object.
 */
export interface Trace {
  bucket: string;
  key: string;
  versionId: string;
  deleteMarker: boolean;
  /** Where the needle was found: in the object's name or in its bytes. */
  in: "name" | "body";
  needle: string;
}

export interface ScanOptions {
  /** Versions to leave out, e.g. audit entries written before the erasure. */
  ignore?: (version: { key: string; lastModified: Date | undefined }) => boolean;
}

export async function findTraces(s3: S3Client, buckets: string[], needles: string[], options: ScanOptions = {}): Promise<Trace[]> {
  const traces: Trace[] = [];
  for (const bucket of buckets) {
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, ...(keyMarker ? { KeyMarker: keyMarker, VersionIdMarker: versionIdMarker } : {}) }));
      const entries = [
        ...(page.Versions ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId ?? "null", lastModified: v.LastModified, deleteMarker: false })),
        ...(page.DeleteMarkers ?? []).map((m) => ({ key: m.Key!, versionId: m.VersionId ?? "null", lastModified: m.LastModified, deleteMarker: true })),
      ];
      for (const entry of entries) {
        if (options.ignore?.(entry)) continue;
        const name = safeDecode(entry.key);
        for (const needle of needles) if (entry.key.includes(needle) || name.includes(needle)) traces.push({ bucket, key: entry.key, versionId: entry.versionId, deleteMarker: entry.deleteMarker, in: "name", needle });
        if (entry.deleteMarker) continue;
        const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: entry.key, ...(entry.versionId === "null" ? {} : { VersionId: entry.versionId }) }));
        const text = readable(Buffer.from((await body.Body?.transformToByteArray()) ?? new Uint8Array()));
        for (const needle of needles) if (text.includes(needle) || text.includes(JSON.stringify(needle).slice(1, -1))) traces.push({ bucket, key: entry.key, versionId: entry.versionId, deleteMarker: false, in: "body", needle });
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
    }
  }
  return traces;
}

function safeDecode(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

function readable(bytes: Buffer): string {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes.toString("utf-8");
  try {
    return gunzipSync(bytes).toString("utf-8");
  } catch {
    // A damaged bundle is still searched as it is, rather than skipped.
    return bytes.toString("latin1");
  }
}
