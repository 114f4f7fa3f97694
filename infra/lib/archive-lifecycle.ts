import { Duration } from "aws-cdk-lib";
import { StorageClass, type LifecycleRule, type Transition } from "aws-cdk-lib/aws-s3";
import { ConfigError } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import { BUNDLE_TAG_KEY, BUNDLE_TAG_VALUE, isSealingAllowed } from "../../lib/archive/seal-labels";

type ArchiveConfig = LazarusConfig["archive"];

export const INCOMPLETE_UPLOAD_DAYS = 7;
export const SEALED_BUNDLES_RULE = "sealed-bundles-tier";
/** S3 accepts at most this many rules in a bucket's lifecycle configuration. */
export const MAX_LIFECYCLE_RULES = 1_000;
const DAY_MS = 86_400_000;

/**
 * Archive objects sit under `{prefix}{service}/{yyyy}/...`, the by-key index under
 * `{prefix}{service}/_by-key/...`. Lifecycle filters cannot exclude a prefix, so the
 * tiering rule matches the dated part only: years 2000-2999 all start with "2",
 * and "_by-key/" never does. Index entries must stay in Standard because key
 * lookups read them directly; a Glacier object cannot be read without a restore.
 */
export function datedArchivePrefix(prefix: string, service: string): string {
  return `${prefix}${service}/2`;
}

/**
 * The services whose archive the lifecycle still expires: the configured ones, and each
 * retired one until its last record (written on the day it retired) has expired and its
 * last noncurrent version is gone. Dropping a retired service's rule earlier would keep
 * its records forever; an archive that never expires keeps retired services' rules too.
 */
export function servicesWithLifecycle(archive: ArchiveConfig, services: readonly string[], now: Date): string[] {
  const { expireAfterDays, noncurrentVersionDays } = archive.lifecycle;
  const retired = archive.retiredServices.filter((r) => {
    if (expireAfterDays === null) return true;
    const done = Date.parse(`${r.retiredOn}T00:00:00Z`) + (expireAfterDays + noncurrentVersionDays + 1) * DAY_MS;
    return now.getTime() < done;
  });
  return [...services, ...retired.map((r) => r.name)];
}

/**
 * One expiry rule per service, and tiering. Sealing moves every closed day into gzip
 * bundles, so what tiers is the bundles: one rule for all services, by the tag the sealer
 * writes them with, so manifests, their pages, month summaries and index entries (which
 * readers fetch directly, and a Glacier object cannot be read without a restore) stay in
 * Standard. Per-record objects live only until their day is sealed and are not tiered.
 * Where sealing is off (a default Object Lock retention keeps records in their objects),
 * each service's dated records tier instead, as they did before sealing.
 *
 * Tiering applies only above `minimumObjectSizeBytes`: Standard-IA bills every object as
 * at least 128 KB and Glacier adds ~40 KB of overhead plus a per-object transition fee, so
 * a small bundle (a quiet day) costs more tiered than left in Standard. Ages count from
 * when an object was written: a bundle's from its day's seal. Objects outside the
 * services' prefixes (the audit log) are never expired here.
 */
export function archiveLifecycleRules(archive: ArchiveConfig, services: readonly string[]): LifecycleRule[] {
  const { infrequentAccessAfterDays, glacierAfterDays, expireAfterDays, minimumObjectSizeBytes } = archive.lifecycle;
  const sealing = isSealingAllowed(archive);
  const transitions: Transition[] = [];
  if (infrequentAccessAfterDays !== null) {
    transitions.push({ storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(infrequentAccessAfterDays) });
  }
  if (glacierAfterDays !== null) {
    transitions.push({ storageClass: StorageClass.GLACIER, transitionAfter: Duration.days(glacierAfterDays) });
  }

  const rules: LifecycleRule[] = [
    { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(INCOMPLETE_UPLOAD_DAYS) },
  ];
  for (const service of services) {
    rules.push({
      id: `${service}-expire`,
      prefix: `${archive.prefix}${service}/`,
      noncurrentVersionExpiration: Duration.days(archive.lifecycle.noncurrentVersionDays),
      // With an expiry in days S3 removes expired delete markers itself; the flag is only allowed without one.
      ...(expireAfterDays !== null ? { expiration: Duration.days(expireAfterDays) } : { expiredObjectDeleteMarker: true }),
    });
    if (transitions.length > 0 && !sealing) {
      rules.push({
        id: `${service}-tier`,
        prefix: datedArchivePrefix(archive.prefix, service),
        objectSizeGreaterThan: minimumObjectSizeBytes,
        transitions,
      });
    }
  }
  if (transitions.length > 0 && sealing) {
    rules.push({
      id: SEALED_BUNDLES_RULE,
      prefix: archive.prefix,
      tagFilters: { [BUNDLE_TAG_KEY]: BUNDLE_TAG_VALUE },
      objectSizeGreaterThan: minimumObjectSizeBytes,
      transitions,
    });
  }
  if (rules.length > MAX_LIFECYCLE_RULES) {
    throw new ConfigError(
      `The archive bucket would need ${rules.length} lifecycle rules (an expiry rule per configured or retired service, and tiering); ` +
        `S3 allows ${MAX_LIFECYCLE_RULES}. Archive some services into another bucket (a config of their own).`,
    );
  }
  return rules;
}
