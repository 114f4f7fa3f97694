import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { streamArnContextKey } from "../lib/app-context";
import {
  actionsOf,
  logicalIdOf,
  onlyResource,
  renderArn,
  resourcesOf,
  resourcesOfType,
  serviceAt,
  statementsOf,
  synthStack,
  tempOutdir,
  testConfig,
  type Resource,
} from "./fixtures";

const byFunctionName = (name: string) => (r: Resource) => r.Properties.FunctionName === name;

function mappingFor(template: ReturnType<typeof synthStack>["template"], functionName: string): Resource {
  const fnId = logicalIdOf(template, "AWS::Lambda::Function", byFunctionName(functionName));
  return onlyResource(template, "AWS::Lambda::EventSourceMapping", (r) => (r.Properties.FunctionName as { Ref: string }).Ref === fnId)[1];
}

function archiverPolicy(template: ReturnType<typeof synthStack>["template"], functionName: string) {
  const [, fn] = onlyResource(template, "AWS::Lambda::Function", byFunctionName(functionName));
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const policies = resourcesOfType(template, "AWS::IAM::Policy").filter(([, p]) =>
    (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId),
  );
  const managed = resourcesOfType(template, "AWS::IAM::Role").find(([id]) => id === roleId)?.[1].Properties.ManagedPolicyArns;
  return { statements: policies.flatMap(([, p]) => statementsOf(p)), managed };
}

describe("stream mapping", () => {
  it("feeds the archiver only REMOVE records, with bounded retries, bisect and partial batch responses from config", () => {
    const { template } = synthStack(testConfig());
    expect(mappingFor(template, "archiver-contact").Properties).toMatchObject({
      StartingPosition: "TRIM_HORIZON",
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ["REMOVE"] }) }] },
      BatchSize: 250,
      MaximumBatchingWindowInSeconds: 5,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      ParallelizationFactor: 2,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });

  it("sends a failed batch to an encrypted SQS queue kept 14 days, configured on the mapping", () => {
    const { template } = synthStack(testConfig());
    const [queueId, queue] = onlyResource(template, "AWS::SQS::Queue", (r) => r.Properties.QueueName === "contact-dlq");
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    expect(mappingFor(template, "archiver-contact").Properties.DestinationConfig).toEqual({
      OnFailure: { Destination: { "Fn::GetAtt": [queueId, "Arn"] } },
    });
    const [, fn] = onlyResource(template, "AWS::Lambda::Function", byFunctionName("archiver-contact"));
    expect(fn.Properties.DeadLetterConfig).toBeUndefined();
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: queueId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]) },
    });
  });

  it("sends a failed batch to the S3 failure bucket when the config says so, configured on the mapping", () => {
    const { template } = synthStack(testConfig());
    const bucketId = logicalIdOf(template, "AWS::S3::Bucket", (r) => r.Properties.BucketName === "test-failed-batches");
    expect(mappingFor(template, "archiver-order").Properties.DestinationConfig).toEqual({
      OnFailure: { Destination: { "Fn::GetAtt": [bucketId, "Arn"] } },
    });
    const [, fn] = onlyResource(template, "AWS::Lambda::Function", byFunctionName("archiver-order"));
    expect(fn.Properties.DeadLetterConfig).toBeUndefined();
    expect(resourcesOfType(template, "AWS::SQS::Queue").map(([, q]) => q.Properties.QueueName)).toEqual(["contact-dlq"]);

    const { statements } = archiverPolicy(template, "archiver-order");
    const onFailureBucket = statements.filter((s) => resourcesOf(s).some((r) => renderArn(r).startsWith(`\${${bucketId}.Arn}`)));
    expect(onFailureBucket.flatMap(actionsOf).sort()).toEqual(["s3:ListBucket", "s3:PutObject"]);
  });
});

describe("archiver function", () => {
  it("runs on arm64 Node 20+ with its own log group, and gets exactly the contract's environment", () => {
    const { template } = synthStack(testConfig());
    const [, fn] = onlyResource(template, "AWS::Lambda::Function", byFunctionName("archiver-contact"));
    const bucketId = logicalIdOf(template, "AWS::S3::Bucket", (r) => r.Properties.BucketName === "test-archive");
    expect(Number(/^nodejs(\d+)\.x$/.exec(String(fn.Properties.Runtime))?.[1])).toBeGreaterThanOrEqual(20);
    expect(fn.Properties.Architectures).toEqual(["arm64"]);
    expect(fn.Properties.Environment).toEqual({
      Variables: {
        ARCHIVE_BUCKET: { Ref: bucketId },
        ARCHIVE_PREFIX: "deleted/",
        SERVICE_NAME: "contact-svc",
        TABLE_NAME: "contact",
        PARTITION_KEY: "PK",
        SORT_KEY: "SK",
      },
    });
    const [, order] = onlyResource(template, "AWS::Lambda::Function", byFunctionName("archiver-order"));
    expect((order.Properties.Environment as { Variables: Record<string, unknown> }).Variables.SORT_KEY).toBeUndefined();

    const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    const [, logGroup] = onlyResource(template, "AWS::Logs::LogGroup", (r) => r.Properties.LogGroupName === "/aws/lambda/archiver-contact");
    expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
    expect(logicalIdOf(template, "AWS::Logs::LogGroup", (r) => r.Properties.LogGroupName === "/aws/lambda/archiver-contact")).toBe(logGroupId);
  });

  it("is bundled with the local esbuild from infra/archiver/handler.ts into a code asset", () => {
    const outdir = tempOutdir();
    const { template } = synthStack(testConfig(), { bundle: true, outdir });
    const [, fn] = onlyResource(template, "AWS::Lambda::Function", byFunctionName("archiver-contact"));
    const code = fn.Properties.Code as { S3Key: string };
    expect(code.S3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
    const assetDir = join(outdir, `asset.${code.S3Key.replace(/\.zip$/, "")}`);
    expect(readdirSync(assetDir).sort()).toEqual(["index.js", "index.js.map"]);
    const map = JSON.parse(readFileSync(join(assetDir, "index.js.map"), "utf8")) as { sources: string[] };
    expect(map.sources.some((s) => s.endsWith("infra/archiver/handler.ts"))).toBe(true);
    expect(map.sources.some((s) => s.endsWith("lib/archive/archiver.ts"))).toBe(true);
    expect(readFileSync(join(assetDir, "index.js"), "utf8")).toMatch(/^process\.setSourceMapsEnabled\(true\);/);
  }, 120_000);
});

describe("archiver permissions", () => {
  it("can put objects only under its own service's dated archive prefix and by-key index", () => {
    const { template } = synthStack(testConfig());
    const bucketId = logicalIdOf(template, "AWS::S3::Bucket", (r) => r.Properties.BucketName === "test-archive");
    const { statements, managed } = archiverPolicy(template, "archiver-contact");
    expect(managed).toBeUndefined();
    const s3Writes = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("s3:Put")));
    expect(s3Writes.flatMap(actionsOf)).toEqual(["s3:PutObject"]);
    expect(s3Writes.flatMap(resourcesOf).map(renderArn).sort()).toEqual([
      `\${${bucketId}.Arn}/deleted/contact-svc/????/??/??/*`,
      `\${${bucketId}.Arn}/deleted/contact-svc/_by-key/*`,
    ]);
    for (const action of statements.flatMap(actionsOf)) expect(action).not.toContain("*");
  });

  it("lists and reads its own service's erasure ledger, and no other object", () => {
    const { template } = synthStack(testConfig());
    const bucketId = logicalIdOf(template, "AWS::S3::Bucket", (r) => r.Properties.BucketName === "test-archive");
    const { statements } = archiverPolicy(template, "archiver-contact");
    const reads = statements.filter((s) => actionsOf(s).some((a) => a === "s3:GetObject" || a === "s3:ListBucket"));
    expect(reads.map((s) => [actionsOf(s), resourcesOf(s).map(renderArn), s.Condition ?? null])).toEqual([
      [["s3:ListBucket"], [`\${${bucketId}.Arn}`], { StringLike: { "s3:prefix": ["deleted/_erasures/contact-svc/*"] } }],
      [["s3:GetObject"], [`\${${bucketId}.Arn}/deleted/_erasures/contact-svc/*`], null],
    ]);
  });

  it("reads its table's stream and nothing else of DynamoDB", () => {
    const { template } = synthStack(testConfig());
    const tableId = logicalIdOf(template, "AWS::DynamoDB::Table", (r) => r.Properties.TableName === "contact");
    const { statements } = archiverPolicy(template, "archiver-contact");
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("dynamodb:")));
    expect(dynamo.flatMap(actionsOf).sort()).toEqual(["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]);
    const streamRead = dynamo.find((s) => actionsOf(s).includes("dynamodb:GetRecords"));
    expect(streamRead?.Resource).toEqual({ "Fn::GetAtt": [tableId, "StreamArn"] });
  });
});

describe("service table", () => {
  it("is created with PITR, deletion protection, an old-image stream and TTL, and retained", () => {
    const { template } = synthStack(testConfig());
    const [, table] = onlyResource(template, "AWS::DynamoDB::Table", (r) => r.Properties.TableName === "contact");
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: "PK", KeyType: "HASH" },
        { AttributeName: "SK", KeyType: "RANGE" },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" },
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
    });
    expect(table.DeletionPolicy).toBe("Retain");
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      TableName: "order",
      AttributeDefinitions: [{ AttributeName: "orderId", AttributeType: "N" }],
    });
  });

  const importedStream = "arn:aws:dynamodb:eu-west-1:111122223333:table/contact/stream/2024-01-15T00:00:00.000";
  const importContact = testConfig((raw) => ((serviceAt(raw, 0).table as Record<string, unknown>).managed = false));

  it("is imported by its stream ARN when the stack does not own it", () => {
    const { template } = synthStack(importContact, { context: { [streamArnContextKey("contact-svc")]: importedStream } });
    expect(resourcesOfType(template, "AWS::DynamoDB::Table").map(([, t]) => t.Properties.TableName)).toEqual(["order"]);
    expect(mappingFor(template, "archiver-contact").Properties.EventSourceArn).toBe(importedStream);
    const { statements } = archiverPolicy(template, "archiver-contact");
    expect(statements.find((s) => actionsOf(s).includes("dynamodb:GetRecords"))?.Resource).toBe(importedStream);
  });

  it("refuses to synthesize an imported table without its stream ARN, saying how to pass it", () => {
    expect(() => synthStack(importContact)).toThrow(
      /Service "contact-svc" imports the existing table "contact".*stream ARN is required.*-c lazarus:streamArn:contact-svc=arn:aws:dynamodb:/s,
    );
  });

  it("refuses a stream ARN that is malformed or belongs to another table", () => {
    const key = streamArnContextKey("contact-svc");
    expect(() => synthStack(importContact, { context: { [key]: "contact" } })).toThrow(/must be a DynamoDB stream ARN/);
    expect(() =>
      synthStack(importContact, { context: { [key]: "arn:aws:dynamodb:eu-west-1:111122223333:table/other/stream/2024-01-15T00:00:00.000" } }),
    ).toThrow(/is the stream of table "other"/);
  });
});

describe("alarms", () => {
  it("watch DLQ depth, iterator age and function errors with the configured thresholds", () => {
    const { template } = synthStack(testConfig());
    const queueId = logicalIdOf(template, "AWS::SQS::Queue", (r) => r.Properties.QueueName === "contact-dlq");
    const fnId = logicalIdOf(template, "AWS::Lambda::Function", byFunctionName("archiver-contact"));
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queueId, "QueueName"] } }],
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 0,
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/Lambda",
      MetricName: "IteratorAge",
      Dimensions: [{ Name: "FunctionName", Value: { Ref: fnId } }],
      Statistic: "Maximum",
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 900_000,
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [{ Name: "FunctionName", Value: { Ref: fnId } }],
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Threshold: 3,
    });
  });

  it("watch writes to the S3 failure bucket, once per bucket", () => {
    const config = testConfig((raw) => {
      const services = raw.services as Array<Record<string, unknown>>;
      services.push({ ...services[1], name: "extra-svc", table: { name: "extra", partitionKey: { name: "id", type: "S" }, managed: true }, archiver: { functionName: "archiver-extra" } });
    });
    const { template } = synthStack(config);
    const alarms = resourcesOfType(template, "AWS::CloudWatch::Alarm").filter(([, a]) => a.Properties.MetricName === "PutRequests");
    expect(alarms).toHaveLength(1);
    expect(alarms[0]![1].Properties).toMatchObject({
      Namespace: "AWS/S3",
      Dimensions: expect.arrayContaining([{ Name: "FilterId", Value: "failed-batches" }]),
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 0,
    });
  });

  it("notify an encrypted SNS topic only when an alarm email is given", () => {
    const quiet = synthStack(testConfig()).template;
    quiet.resourceCountIs("AWS::SNS::Topic", 0);
    for (const [, alarm] of resourcesOfType(quiet, "AWS::CloudWatch::Alarm")) expect(alarm.Properties.AlarmActions).toBeUndefined();

    const { template } = synthStack(testConfig(), { context: { "lazarus:alarmEmail": "ops@example.com" } });
    const [topicId, topic] = onlyResource(template, "AWS::SNS::Topic");
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    template.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "ops@example.com", TopicArn: { Ref: topicId } });
    const alarms = resourcesOfType(template, "AWS::CloudWatch::Alarm");
    expect(alarms.length).toBe(6);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(() => synthStack(testConfig(), { context: { "lazarus:alarmEmail": "not-an-email" } })).toThrow(/must be an email address/);
  });
});
