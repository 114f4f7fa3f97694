import "server-only";
import { HeadObjectCommand, RestoreObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { ArchiveInputError, assertConfiguredService, type CalendarDay } from "./archive-reader";
import { DomainError } from "../errors/domain-error";
import { isMissingObject } from "../aws/aws-errors";
import { indexEntryKeyForArchiveKey } from "./layout";
import { checkArchiveKey } from "./listed-key";
import { isBundleKeyOfDay } from "./sealed-format";
import { readDayManifest, readIndexEntry } from "./sealed-store";

/**
 * Archive objects that lifecycle rules moved to Glacier Flexible Retrieval or Deep
 * Archive cannot be read until S3 restores a temporary copy. This module asks S3
 * for that copy and reports its progress from the object's `Restore` header.
 * Glacier Instant Retrieval objects are readable as they are.
 */
export const RETRIEVAL_TIERS = ["Expedited", "Standard", "Bulk"] as const;
export type RetrievalTier = (typeof RETRIEVAL_TIERS)[number];

/** A sealed record is retrieved with its whole bundle part: what that brings back. */
export interface RetrievedBundle {
  key: string;
  records: number;
  bytes: number;
}

export type RetrievalStatus = (
  | { state: "readable"; storageClass: string }
  | { state: "not-requested"; storageClass: string }
  | { state: "in-progress"; storageClass: string }
  | { state: "available"; storageClass: string; expiresAt: string | null }
) & { bundle?: RetrievedBundle };

export const STORAGE_CLASSES_NEEDING_RETRIEVAL = ["GLACIER", "DEEP_ARCHIVE"] as const;

export const MIN_RETRIEVAL_DAYS = 1;
export const MAX_RETRIEVAL_DAYS = 30;

export const retrievalOptionsSchema = z
  .object({
    tier: z.enum(RETRIEVAL_TIERS),
    days: z.number().int().min(MIN_RETRIEVAL_DAYS).max(MAX_RETRIEVAL_DAYS),
  })
  .strict();

export type RetrievalOptions = z.infer<typeof retrievalOptionsSchema>;

/** The archive object asked about does not exist. */
export class ArchiveObjectNotFoundError extends DomainError {
  override name = "ArchiveObjectNotFoundError";
  constructor(message = "That archived record does not exist.") {
    super(404, "archive-not-found", message);
  }
}

export function needsRetrieval(storageClass: string): boolean {
  return (STORAGE_CLASSES_NEEDING_RETRIEVAL as readonly string[]).includes(storageClass);
}

/**
 * Reads S3's `Restore` header: `ongoing-request="true"` while S3 works, then
 * `ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"`.
 */
export function parseRestoreHeader(header: string | undefined): { ongoing: boolean; expiresAt: string | null } | undefined {
  if (!header) return undefined;
  const ongoing = /ongoing-request\s*=\s*"(true|false)"/i.exec(header)?.[1];
  if (ongoing === undefined) return undefined;
  const expiry = /expiry-date\s*=\s*"([^"]*)"/i.exec(header)?.[1];
  const time = expiry === undefined ? Number.NaN : Date.parse(expiry);
  return { ongoing: ongoing.toLowerCase() === "true", expiresAt: Number.isNaN(time) ? null : new Date(time).toISOString() };
}

export function retrievalStatusOf(storageClass: string, restoreHeader: string | undefined): RetrievalStatus {
  if (!needsRetrieval(storageClass)) return { state: "readable", storageClass };
  const restore = parseRestoreHeader(restoreHeader);
  if (!restore) return { state: "not-requested", storageClass };
  if (restore.ongoing) return { state: "in-progress", storageClass };
  return { state: "available", storageClass, expiresAt: restore.expiresAt };
}

async function headArchiveObject(s3: S3Client, config: LazarusConfig, service: ServiceConfig, archiveKey: string, day: CalendarDay): Promise<RetrievalStatus & { key: string }> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: config.archive.bucket, Key: archiveKey }));
    return { ...retrievalStatusOf(head.StorageClass ?? "STANDARD", head.Restore), key: archiveKey };
  } catch (error) {
    if (!isMissingObject(error)) throw error;
  }
  const bundle = await sealedBundleOf(s3, config, service, archiveKey, day);
  if (!bundle) throw new ArchiveObjectNotFoundError(`no archive object ${archiveKey}`);
  const head = await s3.send(new HeadObjectCommand({ Bucket: config.archive.bucket, Key: bundle.key }));
  return { ...retrievalStatusOf(head.StorageClass ?? "STANDARD", head.Restore), key: bundle.key, bundle: { ...bundle, bytes: head.ContentLength ?? bundle.bytes } };
}

/** The bundle part holding a sealed record, from its index entry and its day's manifest (2 GETs). */
async function sealedBundleOf(s3: S3Client, config: LazarusConfig, service: ServiceConfig, archiveKey: string, day: CalendarDay): Promise<RetrievedBundle | undefined> {
  const entryKey = indexEntryKeyForArchiveKey(config.archive.prefix, service.name, archiveKey);
  if (!entryKey) return undefined;
  const entry = await readIndexEntry(s3, config.archive.bucket, entryKey);
  if (!entry?.bundle || entry.archiveKey !== archiveKey || !isBundleKeyOfDay(config.archive.prefix, service.name, day, entry.bundle.key)) return undefined;
  const part = (await readDayManifest(s3, config, service, day))?.parts.find((p) => p.key === entry.bundle?.key);
  return part ? { key: part.key, records: part.records, bytes: part.bytes } : undefined;
}

/** One HEAD; for a sealed record, 1 HEAD (absent object), 2 GETs (index entry, manifest) and 1 HEAD of its bundle. */
export async function getRetrievalStatus(s3: S3Client, config: LazarusConfig, service: ServiceConfig, archiveKey: string): Promise<RetrievalStatus> {
  assertConfiguredService(config, service);
  const { day } = await checkArchiveKey(s3, config, service, archiveKey);
  const { key: _key, ...status } = await headArchiveObject(s3, config, service, archiveKey, day);
  return status;
}

/**
 * Asks S3 for a temporary readable copy for `days` days, then reports the status
 * S3 now shows. A request for an object already being retrieved is not an error.
 * Objects that need no retrieval are left alone. A sealed record is retrieved with its
 * whole bundle part, and the status says how many records and bytes that brings back.
 */
export async function requestRetrieval(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  archiveKey: string,
  options: RetrievalOptions,
): Promise<RetrievalStatus> {
  assertConfiguredService(config, service);
  const { day } = await checkArchiveKey(s3, config, service, archiveKey);
  const parsed = retrievalOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ArchiveInputError(`invalid retrieval: ${parsed.error.issues.map((i) => `${i.path.join(".") || "options"} ${i.message}`).join("; ")}`);
  }
  const { tier, days } = parsed.data;
  const { key, ...before } = await headArchiveObject(s3, config, service, archiveKey, day);
  if (before.state === "readable" || before.state === "in-progress") return before;
  if (tier === "Expedited" && before.storageClass === "DEEP_ARCHIVE") {
    throw new ArchiveInputError("invalid retrieval: Deep Archive objects cannot be retrieved with the Expedited tier; choose Standard or Bulk");
  }
  try {
    await s3.send(
      new RestoreObjectCommand({
        Bucket: config.archive.bucket,
        Key: key,
        RestoreRequest: { Days: days, GlacierJobParameters: { Tier: tier } },
      }),
    );
  } catch (error) {
    if (error instanceof Error && error.name === "RestoreAlreadyInProgress") {
      return { state: "in-progress", storageClass: before.storageClass, ...(before.bundle ? { bundle: before.bundle } : {}) };
    }
    throw error;
  }
  const { key: _after, ...after } = await headArchiveObject(s3, config, service, archiveKey, day);
  return after;
}
