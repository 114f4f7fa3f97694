import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { INDEX_SEGMENT } from "../../lib/archive/layout";
import { logicalIdOf, onlyResource, renderArn, resourcesOfType, synthStack, testConfig, type Resource } from "./fixtures";

type Rule = {
  Id: string;
  Prefix?: string;
  TagFilters?: Array<{ Key: string; Value: string }>;
  Status: string;
  ObjectSizeGreaterThan?: number | string;
  Transitions?: Array<{ StorageClass: string; TransitionInDays: number }>;
  ExpirationInDays?: number;
  ExpiredObjectDeleteMarker?: boolean;
  NoncurrentVersionExpiration?: { NoncurrentDays: number };
};

/** Whether S3 would apply the rule to an object: its prefix, every tag it names, and its size floor. */
function lifecycleMatches(rule: Rule, key: string, tags: Record<string, string>, size: number): boolean {
  if (rule.Prefix !== undefined && !key.startsWith(rule.Prefix)) return false;
  if ((rule.TagFilters ?? []).some((t) => tags[t.Key] !== t.Value)) return false;
  return rule.ObjectSizeGreaterThan === undefined || size > Number(rule.ObjectSizeGreaterThan);
}

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

  it("tiers sealed bundles alone, by their tag, above the configured size, at the configured ages", () => {
    const { rules } = archiveBucket();
    const tiering = rules.filter((r) => r.Transitions);
    expect(tiering).toEqual([
      {
        Id: "sealed-bundles-tier",
        Prefix: "deleted/",
        TagFilters: [{ Key: "lazarus-sealed", Value: "bundle" }],
        ObjectSizeGreaterThan: 262144,
        Status: "Enabled",
        Transitions: [
          { StorageClass: "STANDARD_IA", TransitionInDays: 60 },
          { StorageClass: "GLACIER", TransitionInDays: 200 },
        ],
      },
    ]);
  });

  it("keeps manifests, their pages, month summaries, index entries and per-record objects in Standard, however large", () => {
    const { rules } = archiveBucket(testConfig((raw) => ((raw.archive as Record<string, unknown>).lifecycle = { minimumObjectSizeBytes: 0 })));
    const tiered = rules.filter((r) => r.Transitions);
    const big = 50 * 1024 * 1024;
    // Names as the sealer and the archiver write them (lib/archive/sealed-format.ts, lib/archive/layout.ts).
    const untagged = [
      `deleted/contact-svc/2024/01/_sealed/15/_manifest.json`,
      `deleted/contact-svc/2024/01/_sealed/15/_rows-000001-000000.json`,
      `deleted/contact-svc/2024/01/_sealed/summary.json`,
      `deleted/contact-svc/${INDEX_SEGMENT}/ab/2024/01/15/x.bundled.json`,
      `deleted/contact-svc/2024/01/15/x.json`,
    ];
    for (const key of untagged) expect(tiered.filter((r) => lifecycleMatches(r, key, {}, big)), key).toEqual([]);
    const bundle = "deleted/contact-svc/2024/01/_sealed/15/part-000001-0a1b2c3d-0000.jsonl.gz";
    expect(tiered.filter((r) => lifecycleMatches(r, bundle, { "lazarus-sealed": "bundle" }, big)).map((r) => r.Id)).toEqual(["sealed-bundles-tier"]);
    // A quiet day's small bundle stays in Standard with the default floor (Standard-IA bills 128 KB at least).
    const defaults = archiveBucket(testConfig((raw) => ((raw.archive as Record<string, unknown>).lifecycle = {}))).rules.filter((r) => r.Transitions);
    expect(defaults.filter((r) => lifecycleMatches(r, bundle, { "lazarus-sealed": "bundle" }, 100 * 1024))).toEqual([]);
    expect(defaults.filter((r) => lifecycleMatches(r, bundle, { "lazarus-sealed": "bundle" }, 200 * 1024))).toHaveLength(1);
  });

  it("expires bundles with their service's records, never by the tiering rule", () => {
    const { rules } = archiveBucket();
    const expiring = rules.filter((r) => r.ExpirationInDays !== undefined || r.NoncurrentVersionExpiration !== undefined);
    const bundle = "deleted/order-svc/2024/01/_sealed/15/part-000001-0a1b2c3d-0000.jsonl.gz";
    expect(expiring.filter((r) => lifecycleMatches(r, bundle, { "lazarus-sealed": "bundle" }, 1)).map((r) => r.Id)).toEqual(["order-svc-expire"]);
    expect(rules.find((r) => r.Id === "sealed-bundles-tier")).not.toHaveProperty("ExpirationInDays");
  });

  it("tiers each service's dated records instead where a default Object Lock retention keeps them unsealed", () => {
    const { rules } = archiveBucket(
      testConfig((raw) => ((raw.archive as Record<string, unknown>).objectLock = { enabled: true, mode: "GOVERNANCE", retentionDays: 30 })),
    );
    const tiering = rules.filter((r) => r.Transitions);
    expect(tiering.map((r) => r.Prefix).sort()).toEqual(["deleted/contact-svc/2", "deleted/order-svc/2"]);
    for (const service of ["contact-svc", "order-svc"]) {
      expect(tiering.some((r) => lifecycleMatches(r, `deleted/${service}/${INDEX_SEGMENT}/ab/2024/01/15/x.json`, {}, 1e9))).toBe(false);
      expect(tiering.some((r) => lifecycleMatches(r, `deleted/${service}/2024/01/15/x.json`, {}, 1e9))).toBe(true);
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
    const tier = rules.find((r) => r.Id === "sealed-bundles-tier");
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
