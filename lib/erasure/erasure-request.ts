import { z } from "zod";

/**
 * What the erasure API accepts and returns. Isomorphic: the erasure page builds
 * its requests and renders its results from these.
 */

export const ERASURE_MODES = ["erase", "redact"] as const;
export type ErasureMode = (typeof ERASURE_MODES)[number];

/** What a redacted attribute's value becomes: a string, whatever the attribute's type was. */
export const REDACTION_MARKER = { S: "[redacted]" } as const;

const MAX_KEY_BYTES = 2048;

export const erasureQuerySchema = z.strictObject({
  match: z.enum(["exact", "prefix"]),
  key: z
    .string()
    .min(1, "must not be empty")
    .refine((k) => new TextEncoder().encode(k).byteLength <= MAX_KEY_BYTES, `must be at most ${MAX_KEY_BYTES} bytes`),
  /** Service names; all services when absent or empty. */
  services: z.array(z.string().min(1).max(63)).max(100).optional(),
});
export type ErasureQuery = z.infer<typeof erasureQuerySchema>;

/**
 * Keys handed to the erasure page at once (from content search's matches). Each is still
 * planned, confirmed and audited as its own erasure: the page lists them and plans one at a time.
 */
export const MAX_HANDED_OVER_KEYS = 20;

export function erasureHandoffHref(keys: readonly string[]): string {
  const params = new URLSearchParams();
  for (const key of keys.slice(0, MAX_HANDED_OVER_KEYS)) params.append("key", key);
  return `/erasure?${params.toString()}`;
}

/** The keys handed over in the URL (`?key=…&key=…`): at most MAX_HANDED_OVER_KEYS, each a key the form accepts, no repeats. */
export function handedOverKeys(param: string | string[] | undefined): string[] {
  const all = typeof param === "string" ? [param] : (param ?? []);
  const ok = all.filter((k) => erasureQuerySchema.shape.key.safeParse(k).success);
  return [...new Set(ok)].slice(0, MAX_HANDED_OVER_KEYS);
}

export const erasureRequestSchema = erasureQuerySchema.extend({
  mode: z.enum(ERASURE_MODES),
  /** Top-level attribute names of the archived items; redact mode only. */
  attributes: z.array(z.string().min(1).max(255)).max(500).optional(),
  confirmation: z.string().max(MAX_KEY_BYTES + 16),
});
export type ErasureRequestBody = z.infer<typeof erasureRequestSchema>;

/** The text a person must type to confirm: the mode in capitals and the key, e.g. "ERASE CONTACT#c-1005". */
export function confirmationText(mode: ErasureMode, key: string): string {
  return `${mode === "erase" ? "ERASE" : "REDACT"} ${key}`;
}

export type LockState =
  | { state: "none" }
  | { state: "retention"; mode: "GOVERNANCE" | "COMPLIANCE"; until: string; legalHold: boolean }
  | { state: "legal-hold" };

export interface ErasureFinding {
  service: string;
  archiveKey: string;
  deletedAt: string;
  deletionType: "ttl" | "manual";
  /** Display text of the partition and sort key; null when the name shows them hashed and the object could not be read. */
  partitionKey: string | null;
  sortKey: string | null;
  /** Versions of the archive object, delete markers included. */
  versions: number;
  /** Versions of its by-key index entry. */
  indexEntries: number;
  /** The strictest lock on any version of the object or its index entry. */
  lock: LockState;
  /** Top-level attribute names of the archived item; empty when the object cannot be read (e.g. in Glacier). */
  attributeNames: string[];
  /** Why the object could not be read, if it could not. */
  unreadable?: string;
}

export interface FailureCopyFinding {
  service: string;
  bucket: string;
  objectKey: string;
  /** Records in the failed batch that belong to the subject, and the others it holds. */
  subjectRecords: number;
  otherRecords: number;
  versions: number;
  lock: LockState;
}

export interface ErasurePlanResponse {
  services: string[];
  findings: ErasureFinding[];
  failureCopies: FailureCopyFinding[];
  /** Attribute names that are keys in some matched service: these cannot be redacted. */
  keyAttributes: string[];
  /** Bulk-restore and PITR compare files under `_jobs/` that hold the subject (as an erasure would clean them). */
  jobFiles: number;
  /** Attribution records (who made the delete calls) that name the subject's key. */
  attributionRecords: number;
  /** Reasons the erasure would be refused as things stand (locks, unreadable index entries, too many matches). */
  blockers: string[];
}

export interface ErasureSummary {
  mode: ErasureMode;
  records: number;
  /** Keys erased, as erasureKeyHash values (erase mode). */
  keyHashes: string[];
  objectVersionsRemoved: number;
  indexEntriesRemoved: number;
  objectsRedacted: number;
  failureCopiesRewritten: number;
  failureCopiesDeleted: number;
  failureCopyVersionsRemoved: number;
  /** Bulk-restore and PITR compare objects under `_jobs/` rewritten without the subject (erase) or with its values replaced (redact). */
  jobStateObjectsRewritten: number;
  /** Their older versions, which still held the subject, deleted. */
  jobStateVersionsRemoved: number;
  /** Records taken out of sealed days' bundles (their manifests and month summaries updated). */
  sealedRecordsRemoved: number;
  /** Bundle parts rewritten without the subject. */
  bundlesRewritten: number;
  /** Replaced versions of bundles, manifests and manifest pages deleted. */
  sealedVersionsRemoved: number;
  /** Attribution records (who made the delete calls, docs/ATTRIBUTION.md) naming the subject's key, and their versions. */
  attributionRecordsRemoved: number;
  attributionVersionsRemoved: number;
  /** What could not be removed, by location (no key text). */
  remaining: { location: string; reason: string }[];
}

export type ErasureResponse =
  | { outcome: "succeeded"; auditId: string; message: string; summary: ErasureSummary }
  | { outcome: "failed"; auditId: string; message: string; summary: ErasureSummary };
