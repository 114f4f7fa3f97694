import { Aws, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { AccountRootPrincipal, AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from "aws-cdk-lib/aws-iam";
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
import { AUDIT_SEGMENT } from "../../lib/audit/audit-layout";
import { INCOMPLETE_UPLOAD_DAYS, archiveLifecycleRules, servicesWithLifecycle } from "./archive-lifecycle";

export interface ArchiveStorageProps {
  archive: LazarusConfig["archive"];
  services: readonly string[];
  /** The day the lifecycle is written for: retired services keep their rules until their records have expired. */
  now: Date;
}

/**
 * What a key administrator may do: manage the key's life, policy, rotation and aliases,
 * never encrypt or decrypt, and never create grants (a grant would be a way to use it).
 */
export const KEY_ADMINISTRATION_ACTIONS = [
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:PutKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:EnableKeyRotation",
  "kms:DisableKeyRotation",
  "kms:RotateKeyOnDemand",
  "kms:ListKeyRotations",
  "kms:ListResourceTags",
  "kms:ListGrants",
  "kms:ListKeyPolicies",
  "kms:RevokeGrant",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateKeyDescription",
  "kms:CreateAlias",
  "kms:UpdateAlias",
  "kms:DeleteAlias",
  "kms:EnableKey",
  "kms:DisableKey",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
] as const;

/** What S3 needs of the key on behalf of a caller allowed by its own IAM policy. */
export const KEY_USE_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:DescribeKey"] as const;

/**
 * The CloudFormation execution role of `cdk bootstrap` must stay a key administrator, or
 * KMS refuses the key policy (it may not lock out the principal that sets it).
 */
const CDK_DEPLOY_ROLE = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-*-cfn-exec-role-${Aws.ACCOUNT_ID}-${Aws.REGION}`;

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
  private readonly noncurrentVersionDays: number;
  private readonly failureBuckets = new Map<string, Bucket>();

  constructor(scope: Construct, id: string, props: ArchiveStorageProps) {
    super(scope, id);
    const { archive } = props;
    this.expireAfterDays = archive.lifecycle.expireAfterDays;
    this.noncurrentVersionDays = archive.lifecycle.noncurrentVersionDays;

    this.key = new Key(this, "Key", {
      description: `Encrypts the Lazarus delete archive (${archive.bucket}) and failed stream batches`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: archiveKeyPolicy(archive.keyAdministrators, Stack.of(this).region),
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
      lifecycleRules: archiveLifecycleRules(archive, servicesWithLifecycle(archive, props.services, props.now)),
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
    this.guardAuditLog(archive.prefix);
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
          noncurrentVersionExpiration: Duration.days(this.noncurrentVersionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(INCOMPLETE_UPLOAD_DAYS),
          // A failed batch holds the same records as the archive and is kept no longer than they are.
          ...(this.expireAfterDays !== null ? { expiration: Duration.days(this.expireAfterDays) } : {}),
        },
      ],
    });
    this.failureBuckets.set(name, bucket);
    return bucket;
  }

  /**
   * The audit log is append-only for every principal, whatever its IAM policies say: an
   * entry is written only where none exists (If-None-Match), and no version of one is
   * ever deleted. Changing that takes a bucket policy change, which CloudTrail records.
   */
  private guardAuditLog(prefix: string): void {
    const entries = this.bucket.arnForObjects(`${prefix}${AUDIT_SEGMENT}/*`);
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: "AuditEntriesAreWrittenOnce",
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ["s3:PutObject"],
        resources: [entries],
        conditions: { Null: { "s3:if-none-match": "true" } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: "AuditEntriesAreNeverDeleted",
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        // A delete marker would hide an entry from every listing as surely as deleting it.
        actions: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
        resources: [entries],
      }),
    );
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

/**
 * Administration and use of the archive key are separate statements. Administrators (the
 * configured principals, else whoever IAM allows) manage the key but cannot use it; use is
 * for principals of this account whose own IAM policy allows it, and only through S3, so
 * no one decrypts archive data keys outside an S3 request that CloudTrail also records.
 */
function archiveKeyPolicy(administrators: readonly string[], region: string): PolicyDocument {
  return new PolicyDocument({
    statements: [
      new PolicyStatement({
        sid: "KeyAdministration",
        principals: [new AccountRootPrincipal()],
        actions: [...KEY_ADMINISTRATION_ACTIONS],
        resources: ["*"],
        ...(administrators.length > 0 ? { conditions: { ArnLike: { "aws:PrincipalArn": [...administrators, CDK_DEPLOY_ROLE] } } } : {}),
      }),
      new PolicyStatement({
        sid: "KeyUseThroughS3Only",
        principals: [new AccountRootPrincipal()],
        actions: [...KEY_USE_ACTIONS],
        resources: ["*"],
        conditions: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com`, "kms:CallerAccount": Aws.ACCOUNT_ID } },
      }),
    ],
  });
}
