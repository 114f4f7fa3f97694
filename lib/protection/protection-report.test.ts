import { beforeEach, describe, expect, it, vi } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeContinuousBackupsCommand, DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient, ListEventSourceMappingsCommand } from "@aws-sdk/client-lambda";
import { ChangeMessageVisibilityBatchCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { buildProtectionReport, failureArrival, forgetAnswers, forgetDlqAnswers } from "./protection-report";
import { TtlCache } from "./ttl-cache";
import { protectionTestConfig } from "./test-config";

const config = protectionTestConfig();
const now = new Date("2025-06-01T12:00:00Z");
// maxAttempts 1: the SDK's own retries are not what these tests are about.
const clients = {
  dynamodb: new DynamoDBClient({ region: "us-east-1", maxAttempts: 1 }),
  lambda: new LambdaClient({ region: "us-east-1", maxAttempts: 1 }),
  sqs: new SQSClient({ region: "us-east-1", maxAttempts: 1 }),
  cloudwatch: new CloudWatchClient({ region: "us-east-1", maxAttempts: 1 }),
  s3: new S3Client({ region: "us-east-1", maxAttempts: 1 }),
};
const ddb = mockClient(clients.dynamodb);
const lambda = mockClient(clients.lambda);
const sqs = mockClient(clients.sqs);
const cw = mockClient(clients.cloudwatch);
const s3 = mockClient(clients.s3);

function throttling() {
  return Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
}

beforeEach(() => {
  for (const m of [ddb, lambda, sqs, cw, s3]) m.reset();
  ddb.on(DescribeTableCommand).callsFake((input: { TableName: string }) => ({
    Table: {
      TableName: input.TableName,
      DeletionProtectionEnabled: true,
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
      LatestStreamArn: `arn:aws:dynamodb:us-east-1:123456789012:table/${input.TableName}/stream/2025-01-01T00:00:00.000`,
    },
  }));
  ddb.on(DescribeContinuousBackupsCommand).resolves({
    ContinuousBackupsDescription: {
      ContinuousBackupsStatus: "ENABLED",
      PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "ENABLED", EarliestRestorableDateTime: new Date(now.getTime() - 35 * 86_400_000), LatestRestorableDateTime: now },
    },
  });
  ddb.on(DescribeTimeToLiveCommand).resolves({ TimeToLiveDescription: { TimeToLiveStatus: "ENABLED", AttributeName: "expiresAt" } });
  lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
  sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: "https://sqs/q" });
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "0" } });
  cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
  cw.on(GetMetricStatisticsCommand).resolves({ Datapoints: [] });
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
});

describe("buildProtectionReport", () => {
  it("grades each service and reuses describe answers within the TTL", async () => {
    const cache = new TtlCache(30_000);
    const first = await buildProtectionReport(clients, config, { now, cache });
    expect(first.services.map((s) => s.service)).toEqual(["usr-contact-svc", "sor-service-order-svc"]);
    const pitr = first.services[0]!.checks.find((c) => c.id === "pitr")!;
    expect(pitr.status).toBe("green");
    expect(first.services[0]!.checks.find((c) => c.id === "mapping")!.status).toBe("red");
    const calls = ddb.commandCalls(DescribeContinuousBackupsCommand).length;
    expect(calls).toBe(2);
    await buildProtectionReport(clients, config, { now, cache });
    expect(ddb.commandCalls(DescribeContinuousBackupsCommand).length).toBe(2);
    expect(cw.commandCalls(DescribeAlarmsCommand).length).toBe(1);
  });

  it("Check again: one service's answers are asked afresh and the other's stay cached, or the whole fleet's", async () => {
    const cache = new TtlCache(30_000);
    await buildProtectionReport(clients, config, { now, cache });
    const [contact, orders] = config.services;
    const describedTables = () => ddb.commandCalls(DescribeTableCommand).map((c) => c.args[0].input.TableName);
    expect(describedTables()).toEqual([contact!.table.name, orders!.table.name]);
    // Deletion protection turned off behind the console's back.
    ddb.on(DescribeTableCommand, { TableName: contact!.table.name }).resolves({ Table: { TableName: contact!.table.name, DeletionProtectionEnabled: false } });
    const protectionOf = (report: Awaited<ReturnType<typeof buildProtectionReport>>) => report.services[0]!.checks.find((c) => c.id === "deletion-protection")!.status;
    expect(protectionOf(await buildProtectionReport(clients, config, { now, cache }))).toBe("green");

    forgetAnswers({ service: contact! }, cache);
    expect(protectionOf(await buildProtectionReport(clients, config, { now, cache }))).toBe("red");
    expect(describedTables()).toEqual([contact!.table.name, orders!.table.name, contact!.table.name]);
    expect(ddb.commandCalls(DescribeContinuousBackupsCommand)).toHaveLength(3);
    expect(cw.commandCalls(DescribeAlarmsCommand)).toHaveLength(2);

    forgetAnswers("fleet", cache);
    await buildProtectionReport(clients, config, { now, cache });
    expect(describedTables()).toEqual([contact!.table.name, orders!.table.name, contact!.table.name, contact!.table.name, orders!.table.name]);
  });

  it("concurrent reports share one request per describe", async () => {
    const cache = new TtlCache(30_000);
    await Promise.all([1, 2, 3].map(() => buildProtectionReport(clients, config, { now, cache })));
    expect(ddb.commandCalls(DescribeContinuousBackupsCommand).length).toBe(2);
    expect(ddb.commandCalls(DescribeTableCommand).length).toBe(2);
  });

  it("a throttled describe makes that check unknown, not the report fail, and is asked again next time", async () => {
    ddb.on(DescribeContinuousBackupsCommand).rejects(throttling());
    const cache = new TtlCache(30_000);
    const report = await buildProtectionReport(clients, config, { now, cache });
    const pitr = report.services[0]!.checks.find((c) => c.id === "pitr")!;
    expect(pitr.status).toBe("unknown");
    expect(pitr.error).toMatch(/throttling/i);
    expect(report.services[0]!.checks.find((c) => c.id === "deletion-protection")!.status).toBe("green");
    await buildProtectionReport(clients, config, { now, cache });
    expect(ddb.commandCalls(DescribeContinuousBackupsCommand).length).toBe(4);
  });

  it("an AccessDenied on one API shows as unknown with the message", async () => {
    cw.on(DescribeAlarmsCommand).rejects(Object.assign(new Error("not authorized to perform cloudwatch:DescribeAlarms"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }));
    const report = await buildProtectionReport(clients, config, { now, cache: new TtlCache(30_000) });
    const alarms = report.services[1]!.checks.find((c) => c.id === "alarms")!;
    expect(alarms.status).toBe("unknown");
    expect(alarms.error).toBeTruthy();
  });

  it("uses the mapping on the table's current stream, and the fallback only when Lambda has none", async () => {
    lambda.on(ListEventSourceMappingsCommand).resolves({
      EventSourceMappings: [
        {
          UUID: "u-1",
          State: "Enabled",
          EventSourceArn: "arn:aws:dynamodb:us-east-1:123456789012:table/usr-contact/stream/2025-01-01T00:00:00.000",
          MaximumRetryAttempts: 5,
          MaximumRecordAgeInSeconds: 3600,
          FunctionResponseTypes: ["ReportBatchItemFailures"],
          DestinationConfig: { OnFailure: { Destination: "arn:aws:s3:::f" } },
        },
      ],
    });
    const report = await buildProtectionReport(clients, config, {
      now,
      cache: new TtlCache(30_000),
      fallbackMappings: () => ({ UUID: "fallback" }),
    });
    const usr = report.services[0]!.checks.find((c) => c.id === "mapping")!;
    expect(usr.status).toBe("green");
    expect(usr.facts).toContainEqual({ label: "UUID", value: "u-1" });
    const sor = report.services[1]!.checks.find((c) => c.id === "mapping")!;
    expect(sor.facts).toContainEqual({ label: "UUID", value: "fallback" });
  });
});

describe("the describe cache after a DLQ change", () => {
  it("is one per process, though a built server loads the module once for route handlers and once for pages", async () => {
    vi.resetModules();
    const forRoutes = await import("./protection-report");
    vi.resetModules();
    const forPages = await import("./protection-report");
    expect(forPages).not.toBe(forRoutes);
    // A discard (a route handler) forgets what the Protection page (a server component) would show.
    expect(forPages.protectionCache()).toBe(forRoutes.protectionCache());
  });

  it("answers again from the queue once a discard or replay forgot the service's DLQ answers", async () => {
    const cache = new TtlCache(30_000);
    const dlqOf = async () => (await buildProtectionReport(clients, config, { now, cache, alerts: false })).services[0]!.checks.find((c) => c.id === "dlq")!;
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: "1", ApproximateNumberOfMessagesNotVisible: "0" } });
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    expect((await dlqOf()).summary).toBe("1 message(s)");

    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "0" } });
    expect((await dlqOf()).summary).toBe("1 message(s)");
    forgetDlqAnswers(config.services[0]!, cache);
    expect(await dlqOf()).toMatchObject({ status: "green", summary: "Empty" });
  });
});

describe("TtlCache", () => {
  it("expires after the TTL and drops failures", async () => {
    let t = 0;
    const cache = new TtlCache(1_000, () => t);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get("k", load)).toBe(1);
    expect(await cache.get("k", load)).toBe(1);
    t = 1_001;
    expect(await cache.get("k", load)).toBe(2);
    await expect(cache.get("e", () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(await cache.get("e", load)).toBe(3);
    cache.invalidate("k");
    expect(await cache.get("k", load)).toBe(4);
  });
});

describe("failureArrival", () => {
  it("reads the invocation record's first arrival, else SentTimestamp", () => {
    const record = {
      requestContext: { condition: "RetryAttemptsExhausted", approximateInvokeCount: 3 },
      timestamp: "2025-05-30T10:05:00Z",
      DDBStreamBatchInfo: {
        shardId: "shardId-1",
        startSequenceNumber: "100",
        endSequenceNumber: "200",
        approximateArrivalOfFirstRecord: "2025-05-30T10:00:00Z",
        batchSize: 2,
        streamArn: "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/2025",
      },
    };
    expect(failureArrival(JSON.stringify(record), "1").toISOString()).toBe("2025-05-30T10:00:00.000Z");
    // Not the failed-batch envelope (the DLQ page's schema says so): SQS's own time.
    expect(failureArrival(JSON.stringify({ DDBStreamBatchInfo: { approximateArrivalOfFirstRecord: "2025-05-30T10:00:00Z" } }), "1748772000000").getTime()).toBe(1748772000000);
    expect(failureArrival("not json", "1748772000000").getTime()).toBe(1748772000000);
  });
});
