import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { streamArnContextKey } from "../lib/app-context";
import { archiverSize } from "../lib/archiver-sizing";
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
  testConfig,
  type Resource,
} from "./fixtures";

const byFunctionName = (name: string) => (r: Resource) => r.Properties.FunctionName === name;

/** One synth of the test config for every test that only reads it. */
const main = synthStack(
  testConfig((raw) => {
    (serviceAt(raw, 1).archiver as Record<string, unknown>).batchSize = 10_000;
    (serviceAt(raw, 1).archiver as Record<string, unknown>).reservedConcurrency = 4;
  }),
);

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
    const template = main.services;
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
    const template = main.services;
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
    const template = main.services;
    const failureBucket = "arn:aws:s3:::test-failed-batches";
    const destination = (mappingFor(template, "archiver-order").Properties.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure.Destination;
    expect(renderArn(destination)).toBe(failureBucket);
    const [, fn] = onlyResource(template, "AWS::Lambda::Function", byFunctionName("archiver-order"));
    expect(fn.Properties.DeadLetterConfig).toBeUndefined();
    expect(resourcesOfType(template, "AWS::SQS::Queue").map(([, q]) => q.Properties.QueueName)).toEqual(["contact-dlq"]);

    const { statements } = archiverPolicy(template, "archiver-order");
    const allowed = statements.filter((s) => s.Effect === "Allow" && resourcesOf(s).some((r) => renderArn(r).startsWith(failureBucket)));
    expect(allowed.flatMap(actionsOf).sort()).toEqual(["s3:ListBucket", "s3:PutObject"]);
  });
});

describe("archiver function", () => {
  it("runs on arm64 Node 20+ with its own log group, and gets exactly the contract's environment", () => {
    const template = main.services;
    const [, fn] = onlyResource(template, "AWS::Lambda::Function", byFunctionName("archiver-contact"));
    expect(Number(/^nodejs(\d+)\.x$/.exec(String(fn.Properties.Runtime))?.[1])).toBeGreaterThanOrEqual(20);
    expect(fn.Properties.Architectures).toEqual(["arm64"]);
    expect(fn.Properties.Environment).toEqual({
      Variables: {
        ARCHIVE_BUCKET: "test-archive",
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
});

describe("archiver permissions", () => {
  it("can put objects only under its own service's dated archive prefix and by-key index", () => {
    const template = main.services;
    const { statements, managed } = archiverPolicy(template, "archiver-contact");
    expect(managed).toBeUndefined();
    const s3Writes = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("s3:Put")));
    expect(s3Writes.flatMap(actionsOf)).toEqual(["s3:PutObject"]);
    expect(s3Writes.flatMap(resourcesOf).map(renderArn).sort()).toEqual([
      "arn:aws:s3:::test-archive/deleted/contact-svc/????/??/??/*",
      "arn:aws:s3:::test-archive/deleted/contact-svc/_by-key/*",
    ]);
    // Records are only ever added: S3 refuses the write unless it carries If-None-Match.
    expect(s3Writes[0]!.Condition).toEqual({ Null: { "s3:if-none-match": "false" } });
    for (const action of statements.flatMap(actionsOf)) expect(action).not.toContain("*");
  });

  it("lists and reads its own service's erasure ledger, and no other object", () => {
    const { statements } = archiverPolicy(main.services, "archiver-contact");
    const reads = statements.filter((s) => actionsOf(s).some((a) => a === "s3:GetObject" || a === "s3:ListBucket"));
    expect(reads.map((s) => [actionsOf(s), resourcesOf(s).map(renderArn), s.Condition ?? null])).toEqual([
      [["s3:ListBucket"], ["arn:aws:s3:::test-archive"], { StringLike: { "s3:prefix": ["deleted/_erasures/contact-svc/*"] } }],
      [["s3:GetObject"], ["arn:aws:s3:::test-archive/deleted/_erasures/contact-svc/*"], null],
    ]);
  });

  it("reads its table's stream and nothing else of DynamoDB", () => {
    const template = main.services;
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
    const template = main.services;
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
    const template = synthStack(importContact, { context: { [streamArnContextKey("contact-svc")]: importedStream } }).services;
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

describe("sizing", () => {
  it("gives a large batch more memory and a timeout that a full batch fits three times over", () => {
    const template = main.services;
    const [, small] = onlyResource(template, "AWS::Lambda::Function", byFunctionName("archiver-contact"));
    const [, large] = onlyResource(template, "AWS::Lambda::Function", byFunctionName("archiver-order"));
    expect(small.Properties).toMatchObject({ MemorySize: 256, Timeout: 60 });
    const size = archiverSize(10_000);
    expect(large.Properties).toMatchObject({ MemorySize: size.memoryMb, Timeout: size.timeoutSeconds });
    expect(size.memoryMb).toBeGreaterThan(1_024);
    expect(size.timeoutSeconds).toBeGreaterThanOrEqual(size.expectedSeconds * 3);
    expect(size.timeoutSeconds).toBeLessThanOrEqual(900);
  });

  it("reserves concurrency only for the services that ask for it", () => {
    const template = main.services;
    const [, contact] = onlyResource(template, "AWS::Lambda::Function", byFunctionName("archiver-contact"));
    const [, order] = onlyResource(template, "AWS::Lambda::Function", byFunctionName("archiver-order"));
    expect(contact.Properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(order.Properties.ReservedConcurrentExecutions).toBe(4);
  });
});

describe("shared failure bucket", () => {
  it("confines each archiver's writes to its own mapping's failed batches once the mapping exists", () => {
    const template = main.services;
    const fnId = logicalIdOf(template, "AWS::Lambda::Function", byFunctionName("archiver-order"));
    const mappingId = logicalIdOf(template, "AWS::Lambda::EventSourceMapping", (r) => (r.Properties.FunctionName as { Ref: string }).Ref === fnId);
    const { statements } = archiverPolicy(template, "archiver-order");
    const guard = statements.find((s) => s.Sid === "WritesOnlyOwnObjects");
    expect(guard).toMatchObject({ Effect: "Deny", Action: "s3:PutObject" });
    const allowedOnly = ((guard as unknown as { NotResource: unknown[] }).NotResource ?? []).map(renderArn).sort();
    expect(allowedOnly).toEqual([
      `arn:aws:s3:::test-archive/deleted/order-svc/????/??/??/*`,
      `arn:aws:s3:::test-archive/deleted/order-svc/_by-key/*`,
      `arn:aws:s3:::test-failed-batches/aws/lambda/\${${mappingId}}/*`,
    ]);
  });
});
