import { describe, expect, it } from "vitest";
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { GetFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { createDynamoDBClient, createIamClient, createLambdaClient, createS3Client, createSqsClient } from "../../lib/aws/clients";
import { parseConfig } from "../../lib/config/load";
import { archiveLifecycle, provisionLocalStack, ProvisionError } from "../../scripts/local-stack/provision";
import { uniqueName, motoEnv } from "../support/aws";
import { localStackConfig } from "./local-stack-fixtures";

function clients(region: string) {
  return {
    s3: createS3Client({ region }),
    dynamodb: createDynamoDBClient({ region }),
    sqs: createSqsClient({ region }),
    lambda: createLambdaClient({ region }),
    iam: createIamClient({ region }),
  };
}

describe("local stack provisioning", () => {
  it("creates what the config names, and running it again changes nothing and fails nothing", async () => {
    const { region } = motoEnv();
    const config = localStackConfig({ objectLock: true });
    const c = clients(region);
    const first = await provisionLocalStack(config, c);
    const second = await provisionLocalStack(config, c);
    expect(second).toEqual(first);

    const service = config.services[0]!;
    const bucket = config.archive.bucket;
    expect((await c.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    expect((await c.s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }))).ObjectLockConfiguration).toMatchObject({
      ObjectLockEnabled: "Enabled",
      Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1 } },
    });
    expect((await c.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const encryption = await c.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("AES256");
    const rules = (await c.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
    const tier = rules.find((r) => r.ID === `${service.name}-tier`);
    const expire = rules.find((r) => r.ID === `${service.name}-expire`);
    // moto keeps the And filter's prefix but drops its ObjectSizeGreaterThan; the rule builder is checked below.
    expect(tier?.Filter?.And?.Prefix ?? tier?.Filter?.Prefix).toBe(`${service.name}/2`);
    expect(tier?.Transitions).toEqual([
      { Days: 90, StorageClass: "STANDARD_IA" },
      { Days: 365, StorageClass: "GLACIER" },
    ]);
    expect(expire).toMatchObject({ Filter: { Prefix: `${service.name}/` }, Expiration: { Days: 2_555 }, NoncurrentVersionExpiration: { NoncurrentDays: 30 } });

    const table = (await c.dynamodb.send(new DescribeTableCommand({ TableName: service.table.name }))).Table;
    expect(table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
    expect(table?.DeletionProtectionEnabled).toBe(true);
    expect(table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(table?.KeySchema).toEqual([
      { AttributeName: "PK", KeyType: "HASH" },
      { AttributeName: "SK", KeyType: "RANGE" },
    ]);
    expect(first.services[0]?.table.streamArn).toBe(table?.LatestStreamArn);
    expect((await c.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: service.table.name }))).TimeToLiveDescription).toEqual({
      TimeToLiveStatus: "ENABLED",
      AttributeName: "expiresAt",
    });
    const backups = await c.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: service.table.name }));
    expect(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe("ENABLED");
    // Deletion protection is on: the table refuses to be dropped.
    await expect(c.dynamodb.send(new DeleteTableCommand({ TableName: service.table.name }))).rejects.toThrow(/DeletionProtectionEnabled/);

    const dlq = first.services[0]!.onFailure;
    if (dlq.type !== "sqs") throw new Error("expected an SQS DLQ");
    const attributes = await c.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.queueUrl, AttributeNames: ["All"] }));
    expect(attributes.Attributes?.QueueArn).toBe(dlq.queueArn);
    expect(attributes.Attributes?.MessageRetentionPeriod).toBe("1209600");

    const fn = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: service.archiver.functionName }));
    expect(fn.Environment?.Variables).toEqual({
      ARCHIVE_BUCKET: bucket,
      ARCHIVE_PREFIX: config.archive.prefix,
      SERVICE_NAME: service.name,
      TABLE_NAME: service.table.name,
      PARTITION_KEY: "PK",
      SORT_KEY: "SK",
    });

    expect(first.services[0]?.mapping).toMatchObject({
      eventSourceArn: table?.LatestStreamArn,
      batchSize: 10,
      maximumRetryAttempts: 3,
      bisectBatchOnFunctionError: true,
      functionResponseTypes: ["ReportBatchItemFailures"],
      startingPosition: "TRIM_HORIZON",
      eventNames: ["REMOVE"],
      uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
    });
  });

  it("refuses an existing table whose key differs from the config, naming both", async () => {
    const { region } = motoEnv();
    const config = localStackConfig({});
    const c = clients(region);
    await c.dynamodb.send(
      new CreateTableCommand({
        TableName: config.services[0]!.table.name,
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    const attempt = provisionLocalStack(config, c);
    await expect(attempt).rejects.toThrow(ProvisionError);
    await expect(attempt).rejects.toThrow(/exists with key id \(S\), but the config .* says PK \(S\) \+ SK \(S\)/);
  });

  it("tiers only dated archive objects above the minimum size, never the by-key index, and expires both", () => {
    const config = parseConfig({
      region: "us-east-1",
      archive: { bucket: uniqueName("lz-archive"), prefix: "lazarus/", lifecycle: { minimumObjectSizeBytes: 1_000 } },
      services: ["svc-a", "svc-b"].map((name) => ({
        name,
        table: { name: `table-${name}`, partitionKey: { name: "PK", type: "S" } },
        archiver: { functionName: `fn-${name}` },
        onFailure: { type: "sqs", queueName: `dlq-${name}` },
      })),
    });
    const { rules, transitionDefaultMinimumObjectSize } = archiveLifecycle(config);
    const appliesTo = (rule: (typeof rules)[number], key: string) => key.startsWith(rule.Filter?.And?.Prefix ?? rule.Filter?.Prefix ?? "");
    const tiering = rules.filter((r) => r.Transitions?.length);
    const expiring = rules.filter((r) => r.Expiration?.Days);

    expect(tiering.map((r) => r.Filter)).toEqual([
      { And: { Prefix: "lazarus/svc-a/2", ObjectSizeGreaterThan: 1_000 } },
      { And: { Prefix: "lazarus/svc-b/2", ObjectSizeGreaterThan: 1_000 } },
    ]);
    // Under S3's 128 KB default the rule's own size filter has to decide.
    expect(transitionDefaultMinimumObjectSize).toBe("varies_by_storage_class");
    const archiveObject = "lazarus/svc-a/2024/01/15/101500Z_manual_PK1_0123456789abcdef.json";
    const indexEntry = "lazarus/svc-a/_by-key/PK1/2024/01/15/101500Z_manual_PK1_0123456789abcdef.json";
    expect(tiering.some((r) => appliesTo(r, archiveObject))).toBe(true);
    expect(tiering.some((r) => appliesTo(r, indexEntry))).toBe(false);
    expect(expiring.some((r) => appliesTo(r, archiveObject))).toBe(true);
    expect(expiring.some((r) => appliesTo(r, indexEntry))).toBe(true);
    expect(expiring.some((r) => appliesTo(r, "lazarus/_audit/2024/01/15/entry.json"))).toBe(false);
  });
});
