import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import { scanAuditEntries, type AuditEntry } from "../audit/audit-log";
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

/**
 * The archive objects a restore entry says were written: a succeeded single restore's
 * archiveKey, or a finished bulk job's list (which names only the items it restored,
 * so it counts even when other items of the job failed).
 */
export function restoredArchiveKeys(entry: AuditEntry): string[] {
  if (!RESTORE_ACTIONS.has(entry.action) || entry.outcome === "started") return [];
  const keys = entry.archiveKey && entry.outcome === "succeeded" ? [entry.archiveKey] : [];
  const listed = entry.details?.archiveKeys;
  if (Array.isArray(listed)) for (const k of listed) if (typeof k === "string") keys.push(k);
  return keys;
}

export function actorText(entry: AuditEntry): string {
  return entry.actor.email ? `${entry.actor.name} <${entry.actor.email}>` : entry.actor.name || entry.actor.id;
}

/** The latest restore of each archive object in [from, to]. */
export async function buildRestoreLookup(s3: S3Client, config: LazarusConfig, range: { from: string; to: string }): Promise<RestoreLookup> {
  const lookup: RestoreLookup = new Map();
  for await (const entry of scanAuditEntries(s3, config, range)) {
    for (const key of restoredArchiveKeys(entry)) {
      const seen = lookup.get(key);
      if (!seen || seen.at < entry.at) lookup.set(key, { at: entry.at, by: actorText(entry) });
    }
  }
  return lookup;
}
