import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { Key } from "aws-cdk-lib/aws-kms";
import {
  BlockPublicAccess,
  Bucket,
  type BucketProps,
  BucketEncryption,
  ObjectLockRetention,
  ObjectOwnership,
  type BucketMetrics,
} from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { LazarusConfig } from "../../lib/config/schema";
import { INCOMPLETE_UPLOAD_DAYS, NONCURRENT_VERSION_DAYS, archiveLifecycleRules } from "./archive-lifecycle";

export interface ArchiveStorageProps {
  archive: LazarusConfig["archive"];
  services: readonly string[];
}

/** Server access logs are kept this long: long enough to answer "who read this record" for a year. */
export const ACCESS_LOG_RETENTION_DAYS = 365;

/**
 * The archive bucket, its encryption key and the bucket its access logs go to.
 *
 * Encryption is SSE-KMS with a customer managed key (and S3 Bucket Keys, which cut
 * KMS requests to about one per bucket-key lifetime instead of one per object):
 * the archive holds whole deleted customer records, and a key makes reading them a
 * separate grant (a broad `s3:GetObject` elsewhere in the account is not enough),
 * logs every decryption in CloudTrail, and lets the whole archive be made unreadable
 * by disabling one key.
 */
export class ArchiveStorage extends Construct {
  readonly key: Key;
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;
  private readonly expireAfterDays: number | null;
  private readonly failureBuckets = new Map<string, Bucket>();

  constructor(scope: Construct, id: string, props: ArchiveStorageProps) {
    super(scope, id);
    const { archive } = props;
    this.expireAfterDays = archive.lifecycle.expireAfterDays;

    this.key = new Key(this, "Key", {
      description: `Encrypts the Lazarus delete archive (${archive.bucket}) and failed stream batches`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Server access logs can only be delivered to an SSE-S3 bucket, never SSE-KMS.
    this.accessLogs = new Bucket(this, "AccessLogs", {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: "expire-access-logs", expiration: Duration.days(ACCESS_LOG_RETENTION_DAYS) }],
    });
    Validations.of(this.accessLogs).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This is the server access log bucket itself; logging its own access would log into itself without end.",
    });

    const lock = archive.objectLock;
    this.bucket = new Bucket(this, "Bucket", {
      ...this.dataBucketProps(archive.bucket),
      lifecycleRules: archiveLifecycleRules(archive, props.services),
      ...(lock.enabled
        ? {
            objectLockEnabled: true,
            ...(lock.retentionDays !== null
              ? {
                  objectLockDefaultRetention:
                    lock.mode === "COMPLIANCE"
                      ? ObjectLockRetention.compliance(Duration.days(lock.retentionDays))
                      : ObjectLockRetention.governance(Duration.days(lock.retentionDays)),
                }
              : {}),
          }
        : {}),
    });
    Validations.of(this.bucket).acknowledge({
      id: "CloudFormation-Validate::W9003",
      reason:
        "aws-cdk-lib's Bucket writes the lifecycle ObjectSizeGreaterThan as a number; CloudFormation reads it as the string its schema declares, with the same value.",
    });
  }

  /**
   * The bucket a stream mapping writes failed batches to (config onFailure.type "s3").
   * Services naming the same bucket share it. Failed batches carry whole old images,
   * so they get the archive's key and protections. Request metrics make a write
   * visible to an alarm within minutes.
   */
  failureBucket(name: string): Bucket {
    const existing = this.failureBuckets.get(name);
    if (existing) return existing;
    const metrics: BucketMetrics[] = [{ id: FAILURE_BUCKET_METRICS_ID }];
    const bucket = new Bucket(this, `FailedBatches-${name}`, {
      ...this.dataBucketProps(name),
      metrics,
      lifecycleRules: [
        {
          id: "expire-failed-batches",
          noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(INCOMPLETE_UPLOAD_DAYS),
          // A failed batch holds the same records as the archive and is kept no longer than they are.
          ...(this.expireAfterDays !== null ? { expiration: Duration.days(this.expireAfterDays) } : {}),
        },
      ],
    });
    this.failureBuckets.set(name, bucket);
    return bucket;
  }

  /** Customer records live in both the archive and failed batches: same protection for each. */
  private dataBucketProps(name: string): BucketProps {
    return {
      bucketName: name,
      versioned: true,
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: `${name}/`,
    };
  }
}

export const FAILURE_BUCKET_METRICS_ID = "failed-batches";
