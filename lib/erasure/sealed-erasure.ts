import "server-only";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { formatDay, type CalendarDay } from "../archive/archive-input";
import { servicePrefix, splitDatedKey } from "../archive/layout";
import { deleteVersions, listVersionsUnder } from "../archive/object-versions";
import {
  blankMembers,
  buildDayManifest,
  countBundleLines,
  dayManifestKey,
  isEmptyMemberAt,
  memberOf,
  pageCovering,
  readBundleMember,
  sealedDayPrefix,
  SealedFormatError,
  sha256Hex,
  type DayManifest,
  type ManifestRow,
} from "../archive/sealed-format";
import { mayBeSealed, readDayManifest, readManifestPage } from "../archive/sealed-store";
import { BUNDLE_TAG, writeMonthSummary } from "../archive/sealer";
import { putJson } from "../aws/s3-json";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import type { LockState } from "./erasure-request";

/**
 * Erasure in sealed days (docs/ERASURE.md, "Sealed days"). A sealed record lives in a
 * bundle part, described by the day's manifest and counted in the month summary. The
 * subject's members are blanked in place (same length, so every other record keeps its
 * offset and its index entry and manifest row stay right), the part is read back and
 * checked, the manifest is written again without the subject's rows, the summary takes
 * the new counts, and then every replaced version (the part's old bytes, older manifests
 * and pages, which hold the subject's names) is deleted.
 *
 * Each step can be interrupted and run again: a blanked member is recognised and left,
 * a manifest already without the subject is not rewritten, and the summary and the old
 * versions are brought in line on every run. Until the index entries go (last, in
 * erase.ts), a re-run finds the day again through them.
 */

export type SealedErasureStep = "bundle-rewritten" | "manifest-written" | "summary-written" | "bundle-versions-deleted";

export interface PlannedSealedDay {
  service: ServiceConfig;
  day: CalendarDay;
  /** The subject's archive object names that the day's manifest still holds. */
  names: string[];
  /** Bundle parts that hold them. */
  parts: string[];
  lock: LockState;
  /** Why the day cannot be rewritten now. */
  problem?: string;
}

export interface SealedDayErasure {
  recordsRemoved: number;
  partsRewritten: number;
  versionsRemoved: number;
}

/** Where a sealed day is, for audit entries and remaining lists: no key text. */
export function sealedDayLocation(service: ServiceConfig, day: CalendarDay): string {
  return `${service.name}/${formatDay(day).replaceAll("-", "/")} (sealed bundles)`;
}

/** The sealed-day location of a record's day, whether or not the day is sealed. */
export function sealedDayLocationOf(config: LazarusConfig, service: ServiceConfig, archiveKey: string): string | null {
  const dated = dayOf(config, service, archiveKey);
  return dated ? sealedDayLocation(service, dated.day) : null;
}

export function dayOf(config: LazarusConfig, service: ServiceConfig, archiveKey: string): { day: CalendarDay; name: string } | undefined {
  const base = servicePrefix(config.archive.prefix, service.name);
  return archiveKey.startsWith(base) ? splitDatedKey(archiveKey.slice(base.length)) : undefined;
}

/** Versions still to be read by S3 directly: Glacier Flexible Retrieval and Deep Archive need a restore first. */
const COLD_CLASSES = new Set(["GLACIER", "DEEP_ARCHIVE"]);

/**
 * The sealed days of the subject's records: every day of one of its records that has a
 * manifest, whether or not the manifest still holds the record. Cost per day: 1 GET of the
 * manifest, 1 GET per page that can hold one of the names, 1 HEAD per part holding one
 * (its storage class), and with Object Lock the versions and locks of those parts and of
 * the manifest.
 */
export async function planSealedDays(
  s3: S3Client,
  config: LazarusConfig,
  records: readonly { service: ServiceConfig; archiveKey: string }[],
  locksOf: (key: string) => Promise<LockState>,
  strictest: (locks: LockState[]) => LockState,
  now: Date,
): Promise<PlannedSealedDay[]> {
  const groups = new Map<string, { service: ServiceConfig; day: CalendarDay; names: Set<string> }>();
  for (const record of records) {
    const dated = dayOf(config, record.service, record.archiveKey);
    if (!dated || !mayBeSealed(dated.day, now)) continue;
    const id = `${record.service.name}/${formatDay(dated.day)}`;
    const group = groups.get(id) ?? { service: record.service, day: dated.day, names: new Set<string>() };
    group.names.add(dated.name);
    groups.set(id, group);
  }
  const planned: PlannedSealedDay[] = [];
  for (const { service, day, names } of groups.values()) {
    let manifest: DayManifest | null;
    try {
      manifest = await readDayManifest(s3, config, service, day);
    } catch (error) {
      if (!(error instanceof SealedFormatError)) throw error;
      planned.push({ service, day, names: [], parts: [], lock: { state: "none" }, problem: `its manifest cannot be read (${error.message}), so its bundles cannot be rewritten` });
      continue;
    }
    // No manifest: the records are still in their objects. Index entries that already point
    // into a bundle, and the bundle, are a seal that stopped before its commit point; under
    // the day's lease the erasure removes that bundle (removeUncommittedSeal).
    if (!manifest) continue;
    let rows: ManifestRow[];
    try {
      rows = await subjectRows(s3, config, manifest, names);
    } catch (error) {
      if (!(error instanceof SealedFormatError)) throw error;
      planned.push({ service, day, names: [], parts: [], lock: { state: "none" }, problem: error.message });
      continue;
    }
    // Planned even when the manifest no longer holds the names: an erasure stopped after
    // the manifest leaves the summary and the replaced versions to bring in line.
    const parts = [...new Set(rows.map((r) => manifest.parts[r.part]?.key).filter((k): k is string => k !== undefined))];
    const problems: string[] = [];
    for (const key of parts) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: config.archive.bucket, Key: key }));
      if (COLD_CLASSES.has(head.StorageClass ?? "") && !head.Restore?.includes('ongoing-request="false"')) {
        problems.push(`a bundle of ${head.ContentLength ?? 0} bytes is in ${head.StorageClass}: retrieve it first (Glacier retrieval), then erase`);
      }
    }
    const lock = strictest(await Promise.all([...parts, dayManifestKey(config.archive.prefix, service.name, day)].map((key) => locksOf(key))));
    planned.push({ service, day, names: rows.map((r) => r.name), parts, lock, ...(problems.length > 0 ? { problem: problems.join("; ") } : {}) });
  }
  return planned;
}

/** The manifest's rows for these names: one GET per page that can hold one. */
async function subjectRows(s3: S3Client, config: LazarusConfig, manifest: DayManifest, names: ReadonlySet<string>): Promise<ManifestRow[]> {
  const pages = new Set<number>();
  for (const name of names) {
    const page = pageCovering(manifest, name);
    if (page >= 0) pages.add(page);
  }
  const rows: ManifestRow[] = [];
  for (const index of pages) rows.push(...(await readManifestPage(s3, config, manifest, index)).rows.filter((r) => names.has(r.name)));
  return rows;
}

async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
}

/**
 * Takes the subject's records out of one sealed day. Cost: 1 GET of the manifest and 1
 * per page; per part that holds the subject, 1 GET, 1 PUT and 1 GET to read it back;
 * then the pages and the manifest (⌈records / 1,000⌉ + 1 PUTs), the summary (1 GET + 1
 * PUT), ⌈versions in the day's sealed folder / 1,000⌉ ListObjectVersions and one
 * DeleteObjects per 1,000 replaced versions.
 */
export async function eraseFromSealedDay(
  s3: S3Client,
  config: LazarusConfig,
  planned: Pick<PlannedSealedDay, "service" | "day" | "names">,
  onStep: (step: SealedErasureStep) => Promise<void> | void = () => {},
): Promise<SealedDayErasure> {
  const { service, day } = planned;
  const bucket = config.archive.bucket;
  const folder = sealedDayPrefix(config.archive.prefix, service.name, day);
  const result: SealedDayErasure = { recordsRemoved: 0, partsRewritten: 0, versionsRemoved: 0 };
  let manifest = await readDayManifest(s3, config, service, day);
  if (!manifest) return result;
  const names = new Set(planned.names);
  const rows: ManifestRow[] = [];
  for (let i = 0; i < manifest.pages.length; i++) rows.push(...(await readManifestPage(s3, config, manifest, i)).rows);
  const subject = rows.filter((r) => names.has(r.name));

  if (subject.length > 0) {
    const parts = [...manifest.parts];
    for (const index of new Set(subject.map((r) => r.part))) {
      const part = parts[index];
      if (!part) throw new SealedFormatError(`the manifest of ${service.name} on ${formatDay(day)} points at a part it does not list`);
      const kept = rows.filter((r) => r.part === index && !names.has(r.name));
      const blanked = subject.filter((r) => r.part === index);
      const body = await getBytes(s3, bucket, part.key);
      const keptHashes = kept.map((r) => sha256Hex(readBundleMember(memberOf(body, r), r.size)));
      const next = blankMembers(body, blanked);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: part.key, Body: next, ContentType: "application/gzip", Tagging: BUNDLE_TAG }));
      // Read back: the whole part's hash, every other record's bytes, and the count of records left.
      const back = await getBytes(s3, bucket, part.key);
      const sha256 = sha256Hex(next);
      if (sha256Hex(back) !== sha256) throw new SealedFormatError(`a rewritten part of ${service.name} on ${formatDay(day)} read back with another SHA-256 than was written`);
      kept.forEach((r, i) => {
        if (sha256Hex(readBundleMember(memberOf(back, r), r.size)) !== keptHashes[i]) throw new SealedFormatError(`a rewritten part of ${service.name} on ${formatDay(day)} changed another record`);
      });
      if (!blanked.every((r) => isEmptyMemberAt(back, r.offset))) throw new SealedFormatError(`a rewritten part of ${service.name} on ${formatDay(day)} still holds an erased record`);
      const lines = countBundleLines(back);
      if (lines !== kept.length) throw new SealedFormatError(`a rewritten part of ${service.name} on ${formatDay(day)} holds ${lines} records, its manifest rows ${kept.length}`);
      parts[index] = { ...part, sha256, records: kept.length };
      result.partsRewritten += 1;
    }
    await onStep("bundle-rewritten");

    const built = buildDayManifest({
      service: service.name,
      day,
      dayPrefix: folder,
      generation: manifest.generation + 1,
      // An erasure is not a seal: the day keeps the date it was sealed.
      sealedAt: new Date(manifest.sealedAt),
      parts,
      rows: rows.filter((r) => !names.has(r.name)),
    });
    for (const page of built.pages) await putJson(s3, bucket, page.key, page.page);
    await putJson(s3, bucket, dayManifestKey(config.archive.prefix, service.name, day), built.manifest);
    manifest = built.manifest;
    result.recordsRemoved = subject.length;
    await onStep("manifest-written");
  }

  await writeMonthSummary(s3, config, service, day, manifest);
  await onStep("summary-written");
  result.versionsRemoved = await removeReplacedVersions(s3, config, service, day, manifest);
  await onStep("bundle-versions-deleted");
  return result;
}

/**
 * Every version in the day's sealed folder that the current manifest does not reference as
 * current: older versions of its parts and of the manifest, other generations' pages (their
 * rows and the manifest's first/last hold names, and names hold keys), and parts of a seal
 * that stopped before its manifest (they hold whole records). The erasure holds the day's
 * lease, so no sealer is writing any of them.
 */
async function replacedVersions(s3: S3Client, config: LazarusConfig, service: ServiceConfig, day: CalendarDay, manifest: DayManifest | null) {
  const folder = sealedDayPrefix(config.archive.prefix, service.name, day);
  const current = new Set(manifest ? [dayManifestKey(config.archive.prefix, service.name, day), ...manifest.pages.map((p) => p.key), ...manifest.parts.map((p) => p.key)] : []);
  const targets = [];
  for await (const version of listVersionsUnder(s3, config.archive.bucket, folder)) {
    if (!current.has(version.key) || !version.isLatest || version.isDeleteMarker) targets.push(version);
  }
  return targets;
}

/**
 * A day of the subject with no manifest: whatever its sealed folder holds is a seal that
 * stopped before its commit point (its records are still objects, and readers fall back to
 * them), and may hold the subject's records. Only for a day the erasure found without a
 * manifest while holding its lease. Cost: 1 ListObjectVersions, + 1 DeleteObjects per
 * 1,000 versions found.
 */
export async function removeUncommittedSeal(s3: S3Client, config: LazarusConfig, service: ServiceConfig, day: CalendarDay): Promise<number> {
  return removeReplacedVersions(s3, config, service, day, null);
}

async function removeReplacedVersions(s3: S3Client, config: LazarusConfig, service: ServiceConfig, day: CalendarDay, manifest: DayManifest | null): Promise<number> {
  const targets = await replacedVersions(s3, config, service, day, manifest);
  return targets.length === 0 ? 0 : deleteVersions(s3, config.archive.bucket, targets);
}

/**
 * What a verification finds of the subject in a sealed day: names the manifest still
 * holds, and replaced versions still in the folder. Empty when the day is clean.
 */
export async function sealedLeftovers(s3: S3Client, config: LazarusConfig, planned: Pick<PlannedSealedDay, "service" | "day" | "names">): Promise<string[]> {
  const manifest = await readDayManifest(s3, config, planned.service, planned.day);
  if (!manifest) return [];
  const found: string[] = [];
  const still = await subjectRows(s3, config, manifest, new Set(planned.names));
  if (still.length > 0) found.push(`${still.length} of the subject's record(s) still in the day's manifest`);
  const replaced = await replacedVersions(s3, config, planned.service, planned.day, manifest);
  if (replaced.length > 0) found.push(`${replaced.length} replaced version(s) of bundles, pages or the manifest still present`);
  return found;
}
