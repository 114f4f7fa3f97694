/**
 * Names sealing shares with infra/: the tag lifecycle rules tier bundles by, and the
 * seal-lag metric the alarm reads. Plain constants, so the CDK app can import them
 * (the sealer's own modules are server-only).
 */
import type { LazarusConfig } from "../config/schema";

/** Every bundle part is written with this tag; manifests, pages and summaries carry none. */
export const BUNDLE_TAG_KEY = "lazarus-sealed";
export const BUNDLE_TAG_VALUE = "bundle";

export const SEAL_METRIC_NAMESPACE = "Lazarus/Sealing";
export const SEAL_LAG_METRIC = "SealLagDays";
/** The dimension naming the archive bucket, so two deployments in one account keep their metrics apart. */
export const SEAL_ARCHIVE_DIMENSION = "Archive";
export const SEAL_SERVICE_DIMENSION = "Service";

/** Object Lock with a default retention keeps per-record objects from being deleted, so sealing would only duplicate them. */
export function isSealingAllowed(archive: Pick<LazarusConfig["archive"], "objectLock">): boolean {
  return !(archive.objectLock.enabled && archive.objectLock.retentionDays !== null);
}
