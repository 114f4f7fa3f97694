import "server-only";
import { ListObjectVersionsCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { classifyArchiveName, type NamedKey } from "../archive/archive-reader";
import type { KeyValue } from "../archive/attribute-value";
import { encodeKeyPrefix, encodeKeyValue } from "../archive/key-codec";
import { readIndexEntry, type EntryOutcome, type KeyLookupResult } from "../archive/key-lookup";
import { archiveKeyForIndexEntry, INDEX_SEGMENT, indexPartitionPrefix, indexSearchPrefix, servicePrefix, splitDatedKey } from "../archive/layout";
import type { LazarusConfig, ServiceConfig } from "../config/schema";

/**
 * Where an erasure looks for a subject's archived records. The plan and the
 * verification after an erasure both come here, so whatever one finds the other
 * re-checks.
 *
 * Today there is one source in the archive bucket: the by-key index, walked through
 * every version of every entry under the subject's key (ListObjectVersions), not
 * through the current listing. An object and its entry that the lifecycle rule
 * expired, or an object deleted and its entry delete-marked by `reindex --prune`, have
 * a delete marker as their latest version and their data in noncurrent versions: a
 * current listing does not show them, this walk does. Failed batches kept by S3
 * on-failure destinations are the other source (erasure-plan.ts reads them whole).
 * Sealed-day bundles, once they exist, are a third: add them to `findSubjectRecords`.
 *
 * Cost: ⌈versions and delete markers under the key's index folder / 1,000⌉ LISTs, plus
 * one GET per entry whose name does not show the full key (as a key lookup).
 */

export interface ObjectVersion {
  versionId: string;
  isDeleteMarker: boolean;
  isLatest: boolean;
}

interface ListedVersion extends ObjectVersion {
  key: string;
  size: number;
}

/** Every version and delete marker under a prefix, page by page (at most 1,000 a page: S3's limit, which moto does not enforce). */
export async function* listVersionPages(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<ListedVersion[]> {
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: 1000,
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(versionIdMarker ? { VersionIdMarker: versionIdMarker } : {}),
      }),
    );
    yield [
      ...(page.Versions ?? []).map((v) => ({ key: v.Key ?? "", versionId: v.VersionId ?? "null", isDeleteMarker: false, isLatest: v.IsLatest === true, size: v.Size ?? 0 })),
      ...(page.DeleteMarkers ?? []).map((m) => ({ key: m.Key ?? "", versionId: m.VersionId ?? "null", isDeleteMarker: true, isLatest: m.IsLatest === true, size: 0 })),
    ];
    if (!page.IsTruncated) return;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
    if (!keyMarker && !versionIdMarker) return;
  }
}

/** Every version of exactly this key (ListObjectVersions lists a prefix), delete markers included. */
export async function listVersionsOf(s3: S3Client, bucket: string, key: string): Promise<ObjectVersion[]> {
  const out: ObjectVersion[] = [];
  for await (const page of listVersionPages(s3, bucket, key)) {
    for (const v of page) if (v.key === key) out.push({ versionId: v.versionId, isDeleteMarker: v.isDeleteMarker, isLatest: v.isLatest });
  }
  return out;
}

/** The subject as erasure matches it: exactly one typed partition key, or every key starting with a text. */
export type SubjectKeys = { exact: KeyValue } | { prefix: string };

export type SubjectMatcher = (partitionKey: KeyValue) => boolean;

const BODY_READ_CONCURRENCY = 16;

/**
 * Every archived deletion of the subject in one service, current or not: each index
 * entry under the subject's key with any version left (data or delete marker), and the
 * archive object it names. Deletions keep the index's order.
 */
export async function findSubjectRecords(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  subject: SubjectKeys,
  matches: SubjectMatcher,
  limit: number,
): Promise<KeyLookupResult> {
  const listPrefix =
    "exact" in subject
      ? indexPartitionPrefix(config.archive.prefix, service.name, encodeKeyValue(subject.exact))
      : indexSearchPrefix(config.archive.prefix, service.name, encodeKeyPrefix(subject.prefix).encoded);
  const entries = new Map<string, ListedVersion[]>();
  let truncated = false;
  for await (const page of listVersionPages(s3, config.archive.bucket, listPrefix)) {
    for (const version of page) {
      const versions = entries.get(version.key);
      if (versions) versions.push(version);
      else if (entries.size > limit) truncated = true;
      else entries.set(version.key, [version]);
    }
    if (truncated) break;
  }

  const result: KeyLookupResult = { deletions: [], unreadable: [], truncated };
  const readBodies = pLimit(BODY_READ_CONCURRENCY);
  const outcomes = await Promise.all(
    [...entries].map(async ([indexKey, versions]) => {
      // The newest version that holds data decides; an entry with delete markers only is read from its name.
      const data = versions.find((v) => !v.isDeleteMarker && v.isLatest) ?? versions.find((v) => !v.isDeleteMarker);
      if (data) return { indexKey, outcome: await readIndexEntry(s3, config, service, { key: indexKey, size: data.size, versionId: data.versionId }, matches, readBodies) };
      return { indexKey, outcome: markerOnlyEntry(config, service, subject, matches, indexKey) };
    }),
  );
  for (const { indexKey, outcome } of outcomes) {
    if (outcome.kind === "match") result.deletions.push(outcome.deletion);
    if (outcome.kind === "unreadable") result.unreadable.push({ service: service.name, indexKey, reason: outcome.reason });
  }
  if (result.deletions.length > limit) {
    result.deletions.length = limit;
    result.truncated = true;
  }
  return result;
}

/**
 * An index entry that holds nothing but delete markers: no body to read, so its name
 * says what it was. Under an exact key's folder it is the subject's (the folder is the
 * key's encoding); under a prefix, a name that hides the key cannot be attributed.
 */
function markerOnlyEntry(
  config: LazarusConfig,
  service: ServiceConfig,
  subject: SubjectKeys,
  matches: SubjectMatcher,
  indexKey: string,
): EntryOutcome {
  const base = `${servicePrefix(config.archive.prefix, service.name)}${INDEX_SEGMENT}/`;
  const rel = indexKey.slice(base.length);
  const slash = rel.indexOf("/");
  const encodedPk = slash > 0 ? rel.slice(0, slash) : "";
  const dated = splitDatedKey(rel.slice(slash + 1));
  const archiveKey = archiveKeyForIndexEntry(config.archive.prefix, service.name, indexKey);
  if (!dated || !archiveKey) return { kind: "unreadable", reason: "only delete markers remain and the name is not an index entry's" };
  const named = classifyArchiveName(service, dated.day, dated.name);
  let partitionKey: NamedKey;
  if (named.kind === "record" && !named.partitionKey.hashed) {
    if (!matches(named.partitionKey.value)) return { kind: "skip" };
    partitionKey = named.partitionKey;
  } else if ("exact" in subject && encodedPk === encodeKeyValue(subject.exact)) {
    partitionKey = { hashed: false, value: subject.exact };
  } else {
    return { kind: "unreadable", reason: "only delete markers remain and the name does not show the full key; erase by exact key" };
  }
  return {
    kind: "match",
    deletion: {
      service: service.name,
      archiveKey,
      indexKey,
      deletedAt: named.kind === "record" ? named.deletedAt : new Date(Date.UTC(dated.day.year, dated.day.month - 1, dated.day.day)),
      deletionType: named.kind === "record" ? named.deletionType : "manual",
      partitionKey,
      ...(named.kind === "record" && named.sortKey ? { sortKey: named.sortKey } : {}),
      bundle: null,
    },
  };
}
