import { GetObjectCommand, GetObjectTaggingCommand, ListObjectVersionsCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

/**
 * S3 Replication as Lazarus configures it (infra/lib/archive-copy.ts), for tests: every new
 * version of the source is copied to the same key in the replica, oldest first, so the
 * replica's latest is the source's latest; delete markers and deletions of versions are
 * not replicated. moto does not replicate between buckets, so the test copies the versions
 * itself, each once, whenever it says replication has caught up.
 */
export class Replication {
  private readonly copied = new Set<string>();

  constructor(
    private readonly s3: S3Client,
    private readonly pairs: { source: string; replica: string }[],
  ) {}

  /** Copies every version not copied yet; `only` limits it to keys it accepts (what arrived first). */
  async catchUp(only: (key: string) => boolean = () => true): Promise<number> {
    let count = 0;
    for (const { source, replica } of this.pairs) {
      const byKey = new Map<string, string[]>();
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      for (;;) {
        const page = await this.s3.send(new ListObjectVersionsCommand({ Bucket: source, ...(keyMarker ? { KeyMarker: keyMarker, VersionIdMarker: versionIdMarker } : {}) }));
        // S3 lists each key's versions newest first.
        for (const v of page.Versions ?? []) byKey.set(v.Key!, [...(byKey.get(v.Key!) ?? []), v.VersionId!]);
        if (!page.IsTruncated) break;
        keyMarker = page.NextKeyMarker;
        versionIdMarker = page.NextVersionIdMarker;
      }
      for (const [key, versions] of byKey) {
        if (!only(key)) continue;
        for (const versionId of [...versions].reverse()) {
          const id = `${source}/${key}@${versionId}`;
          if (this.copied.has(id)) continue;
          const object = await this.s3.send(new GetObjectCommand({ Bucket: source, Key: key, VersionId: versionId }));
          const tags = await this.s3.send(new GetObjectTaggingCommand({ Bucket: source, Key: key, VersionId: versionId }));
          const tagging = (tags.TagSet ?? []).map((t) => `${encodeURIComponent(t.Key!)}=${encodeURIComponent(t.Value!)}`).join("&");
          await this.s3.send(
            new PutObjectCommand({
              Bucket: replica,
              Key: key,
              Body: Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array()),
              ...(object.ContentType ? { ContentType: object.ContentType } : {}),
              ...(tagging ? { Tagging: tagging } : {}),
            }),
          );
          this.copied.add(id);
          count += 1;
        }
      }
    }
    return count;
  }
}
