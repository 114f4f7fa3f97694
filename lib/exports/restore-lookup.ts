import "server-only";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { scanAuditEntries, type AuditEntry } from "../audit/audit-log";
import { jobsPrefix } from "../bulk-restore/job-store";
import type { LazarusConfig } from "../config/schema";

/**
 * Which archived records have been restored, from the audit log: succeeded
 * "restore" and "bulk-restore" entries, keyed by the archive object they name.
 * Built once per export by reading the log from the range's first day to today;
 * it holds one small entry per restored record, not the log.
 */

export interface RestoreFact {
  at: string;
  by: string;
}

export type RestoreLookup = Map<string, RestoreFact>;

const RESTORE_ACTIONS = new Set(["restore", "bulk-restore"]);
const restoredListSchema = z.object({ archiveKeys: z.array(z.string()) });

/**
 * The archive objects a restore entry says were written: a succeeded single restore's
 * archiveKey; a finished bulk job's inline list (entries written before lists moved
 * beside the job), which names only the items it restored, so it counts even when other
 * items of the job failed.
 */
export function restoredArchiveKeys(entry: AuditEntry): string[] {
  if (!RESTORE_ACTIONS.has(entry.action) || entry.outcome === "started") return [];
  const keys = entry.archiveKey && entry.outcome === "succeeded" ? [entry.archiveKey] : [];
  const listed = entry.details?.archiveKeys;
  if (Array.isArray(listed)) for (const k of listed) if (typeof k === "string") keys.push(k);
  return keys;
}

/**
 * A finished bulk job's outcome names its restored list (`details.restoredList`, an
 * s3:// location beside the job). Only lists in the archive bucket under the bulk-restore
 * jobs prefix are read: an entry cannot point the export anywhere else.
 */
async function restoredListKeys(s3: S3Client, config: LazarusConfig, entry: AuditEntry): Promise<string[]> {
  const location = entry.details?.restoredList;
  if (entry.action !== "bulk-restore" || entry.outcome === "started" || typeof location !== "string") return [];
  const prefix = `s3://${config.archive.bucket}/${jobsPrefix(config.archive.prefix)}`;
  if (!location.startsWith(prefix) || !location.endsWith("/restored.json")) return [];
  const response = await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: location.slice(`s3://${config.archive.bucket}/`.length) }));
  return restoredListSchema.parse(JSON.parse(await response.Body!.transformToString("utf8"))).archiveKeys;
}

export function actorText(entry: AuditEntry): string {
  return entry.actor.email ? `${entry.actor.name} <${entry.actor.email}>` : entry.actor.name || entry.actor.id;
}

/** The latest restore of each archive object in [from, to]. */
export async function buildRestoreLookup(s3: S3Client, config: LazarusConfig, range: { from: string; to: string }): Promise<RestoreLookup> {
  const lookup: RestoreLookup = new Map();
  for await (const entry of scanAuditEntries(s3, config, range)) {
    for (const key of [...restoredArchiveKeys(entry), ...(await restoredListKeys(s3, config, entry))]) {
      const seen = lookup.get(key);
      if (!seen || seen.at < entry.at) lookup.set(key, { at: entry.at, by: actorText(entry) });
    }
  }
  return lookup;
}
