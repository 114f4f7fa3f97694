import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { INDEX_SEGMENT } from "../../lib/archive/layout";
import { logicalIdOf, onlyResource, renderArn, resourcesOfType, synthStack, testConfig, type Resource } from "./fixtures";

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

/** The default test config is read by most tests here: synthesized once. */
let defaultSynth: ReturnType<typeof synthStack> | undefined;

function archiveBucket(config?: ReturnType<typeof testConfig>) {
  const { template } = config ? synthStack(config) : (defaultSynth ??= synthStack(testConfig()));
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

describe("tamper resistance", () => {
  const withCopies = testConfig((raw) => {
    const archive = raw.archive as Record<string, unknown>;
    (archive.lifecycle as Record<string, unknown>).noncurrentVersionDays = 10;
    archive.retiredServices = [
      { name: "recent-svc", retiredOn: "2026-11-01" },
      { name: "long-gone-svc", retiredOn: "2020-01-01" },
    ];
    archive.keyAdministrators = ["arn:aws:iam::111122223333:role/key-admins"];
    archive.secondCopy = {
      replication: {
        destinationBucket: "test-archive-replica",
        destinationAccount: "444455556666",
        destinationKmsKeyArn: "arn:aws:kms:eu-west-1:444455556666:key/11111111-2222-3333-4444-555555555555",
      },
      backup: { retentionDays: 30, vaultLock: { mode: "compliance", changeableForDays: 3 } },
    };
  });
  const { template, bucket, rules } = archiveBucket(withCopies);

  it("keeps overwritten and erased versions for the configured days", () => {
    for (const rule of rules.filter((r) => r.Id.endsWith("-expire"))) expect(rule.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 10 });
  });

  it("keeps a retired service's expiry rule until its last records have expired, then drops it", () => {
    const ids = rules.map((r) => r.Id);
    expect(ids).toContain("recent-svc-expire");
    expect(ids).not.toContain("long-gone-svc-expire");
  });

  it("separates key administration from key use: administrators cannot decrypt, and use is only through S3", () => {
    const [, key] = onlyResource(template, "AWS::KMS::Key", (r) => String(r.Properties.Description).includes("delete archive"));
    const statements = (key.Properties.KeyPolicy as { Statement: Array<{ Sid: string; Action: string[]; Condition?: Record<string, Record<string, unknown>> }> }).Statement;
    expect(statements.map((s) => s.Sid)).toEqual(["KeyAdministration", "KeyUseThroughS3Only"]);
    const [admin, use] = statements as [(typeof statements)[0], (typeof statements)[0]];
    for (const action of ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:ReEncryptFrom"]) expect(admin.Action).not.toContain(action);
    expect(admin.Action).toEqual(expect.arrayContaining(["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:EnableKeyRotation"]));
    const principals = admin.Condition?.ArnLike?.["aws:PrincipalArn"] as unknown[];
    expect(principals[0]).toBe("arn:aws:iam::111122223333:role/key-admins");
    expect(renderArn(principals[1])).toMatch(/role\/cdk-\*-cfn-exec-role-/);
    expect(use.Action).toEqual(expect.arrayContaining(["kms:Decrypt", "kms:GenerateDataKey"]));
    expect(use.Action).not.toContain("kms:PutKeyPolicy");
    expect(use.Condition?.StringEquals).toMatchObject({ "kms:ViaService": "s3.eu-west-1.amazonaws.com" });
  });

  it("replicates every new version to another account, and never a delete", () => {
    const replication = bucket.Properties.ReplicationConfiguration as { Rules: Array<Record<string, unknown>>; Role: unknown };
    expect(replication.Rules).toEqual([
      expect.objectContaining({
        Status: "Enabled",
        DeleteMarkerReplication: { Status: "Disabled" },
        SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: "Enabled" } },
        Destination: expect.objectContaining({ Account: "444455556666", AccessControlTranslation: { Owner: "Destination" } }),
      }),
    ]);
    const roleId = (replication.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const actions = resourcesOfType(template, "AWS::IAM::Policy")
      .filter(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }).Statement.flatMap((s) => s.Action));
    expect(actions).toContain("s3:ReplicateObject");
    expect(actions).not.toContain("s3:ReplicateDelete");
  });

  it("backs the bucket up daily into a vault whose lock keeps recovery points for the configured days", () => {
    const [vaultId, vault] = onlyResource(template, "AWS::Backup::BackupVault");
    expect(vault.Properties.LockConfiguration).toEqual({ MinRetentionDays: 30, ChangeableForDays: 3 });
    expect(vault.DeletionPolicy).toBe("Retain");
    template.hasResourceProperties("AWS::Backup::BackupPlan", {
      BackupPlan: { BackupPlanRule: [Match.objectLike({ Lifecycle: { DeleteAfterDays: 30 }, TargetBackupVault: { "Fn::GetAtt": [vaultId, "BackupVaultName"] } })] },
    });
    const [, selection] = onlyResource(template, "AWS::Backup::BackupSelection");
    expect(JSON.stringify(selection.Properties)).toContain(logicalIdOf(template, "AWS::S3::Bucket", isArchiveBucket));
  });
});
