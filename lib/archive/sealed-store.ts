import "server-only";
import { awsErrorName, isMissingObject } from "../aws/aws-errors";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { formatDay, type CalendarDay, type CalendarMonth } from "./archive-input";
import { indexEntryBodySchema, type IndexEntryBody } from "./archive-object";
import {
  dayManifestKey,
  dayManifestSchema,
  isBundleKeyOfDay,
  manifestPageSchema,
  monthSummaryKey,
  monthSummarySchema,
  pageCovering,
  parseSealedDocument,
  readBundleMember,
  SealedFormatError,
  type DayManifest,
  type ManifestPage,
  type MonthSummaryDocument,
} from "./sealed-format";

/**
 * Reads and writes the sealed layout's objects: day manifests, their pages, month
 * summaries, and single records out of bundles (one ranged GET each). Documents are
 * parsed with their schemas; a damaged one throws SealedFormatError naming the day.
 */

/** Manifests and summaries stay far below this; a larger object is not one of ours. */
const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
/** Index entries are a few hundred bytes; keys are at most 2 × 2 KB. */
const MAX_INDEX_ENTRY_BYTES = 64 * 1024;

async function getText(s3: S3Client, bucket: string, key: string, maxBytes: number): Promise<{ text: string; etag: string } | null> {
  let response;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if (isMissingObject(error)) return null;
    throw error;
  }
  if ((response.ContentLength ?? 0) > maxBytes) {
    (response.Body as { destroy?: () => void } | undefined)?.destroy?.();
    throw new SealedFormatError(`${key} is ${response.ContentLength} bytes, larger than any document of the sealed layout`);
  }
  return { text: (await response.Body?.transformToString("utf-8")) ?? "", etag: response.ETag ?? "" };
}

/** The day's manifest, or null when the day is not sealed. One GET. */
export async function readDayManifest(s3: S3Client, config: LazarusConfig, service: ServiceConfig, day: CalendarDay): Promise<DayManifest | null> {
  const key = dayManifestKey(config.archive.prefix, service.name, day);
  const got = await getText(s3, config.archive.bucket, key, MAX_DOCUMENT_BYTES);
  if (!got) return null;
  const manifest = parseSealedDocument(dayManifestSchema, got.text, `the manifest of ${service.name} on ${formatDay(day)}`);
  if (manifest.service !== service.name || manifest.date !== formatDay(day)) {
    throw new SealedFormatError(`the manifest of ${service.name} on ${formatDay(day)} describes another service or day`);
  }
  for (const part of manifest.parts) {
    if (!isBundleKeyOfDay(config.archive.prefix, service.name, day, part.key)) {
      throw new SealedFormatError(`the manifest of ${service.name} on ${formatDay(day)} names a bundle outside the day's sealed folder`);
    }
  }
  return manifest;
}

/** One page of a manifest: one GET. A missing page of a committed manifest is damage, not an empty page. */
export async function readManifestPage(s3: S3Client, config: LazarusConfig, manifest: DayManifest, index: number): Promise<ManifestPage> {
  const ref = manifest.pages[index];
  if (!ref) throw new SealedFormatError(`the manifest of ${manifest.service} on ${manifest.date} has no page ${index}`);
  const what = `page ${index + 1} of the manifest of ${manifest.service} on ${manifest.date}`;
  const got = await getText(s3, config.archive.bucket, ref.key, MAX_DOCUMENT_BYTES);
  if (!got) throw new SealedFormatError(`${what} is missing`);
  const page = parseSealedDocument(manifestPageSchema, got.text, what);
  const first = page.rows[0]?.name;
  const last = page.rows.at(-1)?.name;
  if (page.generation !== manifest.generation || page.rows.length !== ref.records || first !== ref.first || last !== ref.last) {
    throw new SealedFormatError(`${what} does not match the manifest`);
  }
  return page;
}

/** The month's summary with its ETag (for a conditional rewrite), or null when no day of the month is sealed. */
export async function readMonthSummary(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  month: CalendarMonth,
): Promise<{ summary: MonthSummaryDocument; etag: string } | null> {
  const key = monthSummaryKey(config.archive.prefix, service.name, month);
  const got = await getText(s3, config.archive.bucket, key, MAX_DOCUMENT_BYTES);
  if (!got) return null;
  const label = `${String(month.year).padStart(4, "0")}-${String(month.month).padStart(2, "0")}`;
  const summary = parseSealedDocument(monthSummarySchema, got.text, `the sealed-days summary of ${service.name} for ${label}`);
  if (summary.service !== service.name || summary.month !== label) {
    throw new SealedFormatError(`the sealed-days summary of ${service.name} for ${label} describes another service or month`);
  }
  return { summary, etag: got.etag };
}

/** An index entry's body, or null when there is none. One GET. */
export async function readIndexEntry(s3: S3Client, bucket: string, key: string): Promise<IndexEntryBody | null> {
  const got = await getText(s3, bucket, key, MAX_INDEX_ENTRY_BYTES);
  if (!got) return null;
  return parseSealedDocument(indexEntryBodySchema, got.text, "the index entry");
}

export type BundleReadResult =
  | { ok: true; bytes: Buffer; storageClass: string; versionId?: string; lastModified?: Date }
  | { ok: false; kind: "not-found" | "corrupt"; message: string }
  | { ok: false; kind: "archived-in-glacier"; message: string; storageClass: string; restore?: string; bundleBytes: number };

/**
 * One record out of a bundle: a ranged GET of its gzip member. When lifecycle rules
 * moved the bundle to Glacier Flexible Retrieval or Deep Archive, S3 refuses the GET;
 * one HEAD then says what a retrieval brings back (the whole bundle).
 */
export async function readBundledRecord(
  s3: S3Client,
  bucket: string,
  location: { key: string; offset: number; length: number },
  expectedSize?: number,
): Promise<BundleReadResult> {
  let response;
  try {
    response = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: location.key, Range: `bytes=${location.offset}-${location.offset + location.length - 1}` }),
    );
  } catch (error) {
    if (isMissingObject(error)) return { ok: false, kind: "not-found", message: `the bundle ${location.key} is missing` };
    if (awsErrorName(error) === "InvalidObjectState") {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: location.key }));
      const storageClass = head.StorageClass ?? "GLACIER";
      const state = head.Restore?.includes('ongoing-request="true"') ? "a restore is in progress" : "the bundle must be restored before it can be read";
      return {
        ok: false,
        kind: "archived-in-glacier",
        message: `the record is sealed in a bundle of ${head.ContentLength ?? 0} bytes in the ${storageClass} storage class: ${state}`,
        storageClass,
        ...(head.Restore ? { restore: head.Restore } : {}),
        bundleBytes: head.ContentLength ?? 0,
      };
    }
    throw error;
  }
  const member = (await response.Body?.transformToByteArray()) ?? new Uint8Array();
  if (member.byteLength !== location.length) {
    return { ok: false, kind: "corrupt", message: `the bundle range returned ${member.byteLength} bytes, not ${location.length}: the bundle is shorter than its manifest says` };
  }
  let bytes: Buffer;
  try {
    bytes = readBundleMember(member, expectedSize);
  } catch (e) {
    if (e instanceof SealedFormatError) return { ok: false, kind: "corrupt", message: e.message };
    throw e;
  }
  return {
    ok: true,
    bytes,
    storageClass: response.StorageClass ?? "STANDARD",
    ...(response.VersionId ? { versionId: response.VersionId } : {}),
    ...(response.LastModified ? { lastModified: response.LastModified } : {}),
  };
}

/** Days at least this old may be sealed (see the `seal` block of the config). */
export function sealAfterDays(config: LazarusConfig): number {
  if (config.seal.afterDays !== undefined) return config.seal.afterDays;
  const longestAge = Math.max(...config.services.map((s) => s.archiver.maximumRecordAgeSeconds));
  return Math.max(2, Math.ceil(longestAge / 86_400) + 1);
}

const DAY_MS = 86_400_000;
/**
 * No day younger than this is ever sealed, whatever the config says, so readers can
 * skip looking for a manifest of today and yesterday (the days read most).
 */
export const MIN_SEAL_AGE_DAYS = 2;

/** Whether a day can be sealed at all at `now`: readers of younger days need not look for a manifest. */
export function mayBeSealed(day: CalendarDay, now: Date): boolean {
  return now.getTime() - Date.UTC(day.year, day.month - 1, day.day) >= MIN_SEAL_AGE_DAYS * DAY_MS;
}

/** Whether a day may be sealed at `now`: it began at least `afterDays` days ago (so with 2, a day is sealed from the day after next). */
/** When a day falls due for sealing: `seal.afterDays` after it began. */
export function sealableFrom(config: LazarusConfig, day: CalendarDay): Date {
  return new Date(Date.UTC(day.year, day.month - 1, day.day) + sealAfterDays(config) * DAY_MS);
}

export function isSealableDay(config: LazarusConfig, day: CalendarDay, now: Date): boolean {
  return mayBeSealed(day, now) && now.getTime() >= sealableFrom(config, day).getTime();
}

/**
 * Which of `names` the manifest already holds: one GET per manifest page that could
 * hold one of them. Readers use it to skip per-record objects of a sealed day that are
 * copies of sealed records (a redelivery, or a seal stopped before its deletes).
 */
export async function namesHeldByManifest(s3: S3Client, config: LazarusConfig, manifest: DayManifest, names: Iterable<string>): Promise<Set<string>> {
  const byPage = new Map<number, string[]>();
  for (const name of names) {
    const page = pageCovering(manifest, name);
    if (page >= 0) byPage.set(page, [...(byPage.get(page) ?? []), name]);
  }
  const held = new Set<string>();
  await Promise.all(
    [...byPage].map(async ([index, candidates]) => {
      const rows = new Set((await readManifestPage(s3, config, manifest, index)).rows.map((r) => r.name));
      for (const name of candidates) if (rows.has(name)) held.add(name);
    }),
  );
  return held;
}
