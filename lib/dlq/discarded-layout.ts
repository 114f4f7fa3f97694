import { compactTime } from "../audit/audit-layout";

/**
 * Where discarded failed batches are kept, in the archive bucket:
 *
 *   {prefix}_discarded/{service}/{yyyymmddThhmmss.mmmZ}-{12 hex}.json
 *
 * Service names never start with "_", so the folder never meets an archive. Isomorphic
 * and free of server-only imports: the erasure planner and infra read it too.
 */
export const DISCARDED_SEGMENT = "_discarded";

export function discardedPrefix(archivePrefix: string, service: string): string {
  return `${archivePrefix}${DISCARDED_SEGMENT}/${service}/`;
}

export function discardedKey(archivePrefix: string, service: string, at: Date, random: string): string {
  return `${discardedPrefix(archivePrefix, service)}${compactTime(at)}-${random}.json`;
}
