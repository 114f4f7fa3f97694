import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { INDEX_SEGMENT } from "../../lib/archive/layout";
import { logicalIdOf, onlyResource, resourcesOfType, synthStack, testConfig, type Resource } from "./fixtures";

type Rule = {
  Id: string;
  Prefix?: string;
  Status: string;
  ObjectSizeGreaterThan?: number | string;
  Transitions?: Array<{ StorageClass: string; TransitionInDays: number }>;
  ExpirationInDays?: number;
  ExpiredObjectDeleteMarker?: boolean;
  NoncurrentVersionExpiration?: { NoncurrentDays: number };
};

const isArchiveBucket = (r: Resource) => r.Properties.BucketName === "test-archive";

function archiveBucket(config = testConfig()) {
  const { template } = synthStack(config);
  const [id, bucket] = onlyResource(template, "AWS::S3::Bucket", isArchiveBucket);
  const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Rule[] }).Rules;
  return { template, id, bucket, rules };
}

describe("archive bucket", () => {
  it("is versioned, KMS-encrypted with a rotating key, private, retained and logged", () => {
    const { template, bucket } = archiveBucket();
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: { "Fn::GetAtt": [expect.any(String), "Arn"] } },
        },
      ],
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.DeletionPolicy).toBe("Retain");
    expect(bucket.UpdateReplacePolicy).toBe("Retain");

    const logBucketId = logicalIdOf(template, "AWS::S3::Bucket", (r) => r.Properties.LoggingConfiguration === undefined);
    expect(bucket.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logBucketId }, LogFilePrefix: "test-archive/" });
    template.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
  });

  it("refuses every request that is not over TLS", () => {
    const { template, id } = archiveBucket();
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "s3:*",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });

  it("tiers only objects above the configured size, at the configured ages", () => {
    const { rules } = archiveBucket();
    const tiering = rules.filter((r) => r.Transitions);
    expect(tiering.map((r) => r.Prefix).sort()).toEqual(["deleted/contact-svc/2", "deleted/order-svc/2"]);
    for (const rule of tiering) {
      expect(Number(rule.ObjectSizeGreaterThan)).toBe(262144);
      expect(rule.Transitions).toEqual([
        { StorageClass: "STANDARD_IA", TransitionInDays: 60 },
        { StorageClass: "GLACIER", TransitionInDays: 200 },
      ]);
    }
  });

  it("never tiers the by-key index, which lookups read directly", () => {
    const { rules } = archiveBucket(testConfig((raw) => ((raw.archive as Record<string, unknown>).lifecycle = { minimumObjectSizeBytes: 0 })));
    const tiered = rules.filter((r) => r.Transitions);
    expect(tiered.length).toBeGreaterThan(0);
    for (const service of ["contact-svc", "order-svc"]) {
      const indexEntry = `deleted/${service}/${INDEX_SEGMENT}/ab/2024/01/15/x.json`;
      const datedObject = `deleted/${service}/2024/01/15/x.json`;
      expect(tiered.some((r) => indexEntry.startsWith(r.Prefix ?? ""))).toBe(false);
      expect(tiered.some((r) => datedObject.startsWith(r.Prefix ?? ""))).toBe(true);
    }
  });

  it("expires every archived record and index entry, and old versions, per service", () => {
    const { rules } = archiveBucket();
    for (const service of ["contact-svc", "order-svc"]) {
      expect(rules).toContainEqual(
        expect.objectContaining({
          Prefix: `deleted/${service}/`,
          ExpirationInDays: 1000,
          NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          Status: "Enabled",
        }),
      );
    }
    expect(rules.every((r) => r.Prefix === undefined || r.Prefix.startsWith("deleted/"))).toBe(true);
  });

  it("leaves out tiers and expiry that the config turns off", () => {
    const config = testConfig((raw) => {
      (raw.archive as Record<string, unknown>).lifecycle = { infrequentAccessAfterDays: null, glacierAfterDays: 400, expireAfterDays: null };
    });
    const { rules } = archiveBucket(config);
    const tier = rules.find((r) => r.Prefix === "deleted/contact-svc/2");
    expect(tier?.Transitions).toEqual([{ StorageClass: "GLACIER", TransitionInDays: 400 }]);
    const expiry = rules.find((r) => r.Prefix === "deleted/contact-svc/");
    expect(expiry?.ExpirationInDays).toBeUndefined();
    expect(expiry?.ExpiredObjectDeleteMarker).toBe(true);
  });

  it("has no Object Lock unless the config enables it", () => {
    const { bucket } = archiveBucket();
    expect(bucket.Properties.ObjectLockEnabled).toBeUndefined();
    expect(bucket.Properties.ObjectLockConfiguration).toBeUndefined();
  });

  it("locks objects for the configured mode and days when Object Lock is enabled", () => {
    const { bucket } = archiveBucket(
      testConfig((raw) => {
        (raw.archive as Record<string, unknown>).objectLock = { enabled: true, mode: "COMPLIANCE", retentionDays: 2555 };
      }),
    );
    expect(bucket.Properties.ObjectLockEnabled).toBe(true);
    expect(bucket.Properties.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: "Enabled",
      Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 2555 } },
    });
  });

  it("can enable Object Lock with no default retention, so only the audit log's entries (locked one by one) are locked", () => {
    const { bucket } = archiveBucket(
      testConfig((raw) => {
        (raw.archive as Record<string, unknown>).objectLock = { enabled: true, retentionDays: null };
      }),
    );
    expect(bucket.Properties.ObjectLockEnabled).toBe(true);
    const configuration = bucket.Properties.ObjectLockConfiguration as { Rule?: unknown } | undefined;
    expect(configuration?.Rule).toBeUndefined();
  });

  it("keeps failed batches in their own encrypted, private, retained bucket with request metrics", () => {
    const { template } = archiveBucket();
    const [, failures] = onlyResource(template, "AWS::S3::Bucket", (r) => r.Properties.BucketName === "test-failed-batches");
    expect(failures.DeletionPolicy).toBe("Retain");
    expect(failures.Properties.BucketEncryption).toMatchObject({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" } }],
    });
    expect(failures.Properties.MetricsConfigurations).toEqual([{ Id: "failed-batches" }]);
    expect(resourcesOfType(template, "AWS::S3::Bucket")).toHaveLength(3);
  });
});
