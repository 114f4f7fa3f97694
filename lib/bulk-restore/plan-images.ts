import "server-only";
import type { AttributeMap } from "../archive/attribute-value";
import { itemFingerprint } from "../restore/live-item";

/**
 * The archived images a plan read, kept in this process until its run, so a run
 * started on the instance that planned it writes without reading the archive again.
 * Only a shortcut: job state in S3 never holds images (docs/BULK-RESTORE.md), and a
 * run elsewhere, or resumed after a crash, reads them from the archive. An image is
 * used only while its fingerprint is the one the plan recorded for the item.
 */

/** Images are customer records: bounded in bytes and in time, and dropped when the run ends. */
const MAX_BYTES = 64 * 1024 * 1024;
const KEEP_MS = 30 * 60_000;

interface Kept {
  images: Map<number, AttributeMap>;
  bytes: number;
  expiresAt: number;
}

const kept = new Map<string, Kept>();
let keptBytes = 0;

function drop(jobId: string): void {
  const entry = kept.get(jobId);
  if (!entry) return;
  keptBytes -= entry.bytes;
  kept.delete(jobId);
}

function dropExpired(now: number): void {
  for (const [jobId, entry] of kept) if (entry.expiresAt <= now) drop(jobId);
}

/** Keeps as many of the job's images as fit; the rest are read by the run. */
export function keepPlanImages(jobId: string, images: ReadonlyMap<number, AttributeMap>, now = Date.now()): number {
  dropExpired(now);
  const entry: Kept = { images: new Map(), bytes: 0, expiresAt: now + KEEP_MS };
  for (const [i, image] of images) {
    const bytes = Buffer.byteLength(JSON.stringify(image), "utf8");
    if (keptBytes + entry.bytes + bytes > MAX_BYTES) break;
    entry.images.set(i, image);
    entry.bytes += bytes;
  }
  if (entry.images.size === 0) return 0;
  drop(jobId);
  kept.set(jobId, entry);
  keptBytes += entry.bytes;
  return entry.images.size;
}

/** The plan's image of item `i`, if this process still has it and it is the one the plan fingerprinted. */
export function planImage(jobId: string, i: number, archivedFingerprint: string | undefined, now = Date.now()): AttributeMap | undefined {
  const entry = kept.get(jobId);
  if (!entry || entry.expiresAt <= now || archivedFingerprint === undefined) return undefined;
  const image = entry.images.get(i);
  return image && itemFingerprint(image) === archivedFingerprint ? image : undefined;
}

export function forgetPlanImages(jobId: string): void {
  drop(jobId);
}
