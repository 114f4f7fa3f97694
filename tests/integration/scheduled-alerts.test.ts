import { PutItemCommand, UpdateContinuousBackupsCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { archiverTargetFor, archiveStreamRecord } from "@/lib/archive/archiver";
import { dayManifestKey } from "@/lib/archive/sealed-format";
import { alertStateKey } from "@/lib/alerts/alerts";
import { listAuditEntries } from "@/lib/audit/audit-log";
import { createDynamoDBClient, createSnsClient, createSqsClient } from "@/lib/aws/clients";
import type { LazarusConfig, ServiceConfig } from "@/lib/config/schema";
import { createPkSkTable, motoEnv, uniqueName } from "../support/aws";
import { archiveAll, deletionsOfDay, sealingFixture } from "../support/sealing";
import { removeRecord } from "../support/stream-events";

/**
 * The scheduled functions' alerts against moto: the sealing and drill handlers, with
 * `alerts.snsTopicArn` in their bundled config, publish a failed run to the topic (read
 * back from a subscribed SQS queue) once per change of state, as the console does.
 */

let s3: S3Client;
let sqs: SQSClient;
let dynamodb: DynamoDBClient;
let config: LazarusConfig;
let service: ServiceConfig;
let queueUrl: string;
let sealingHandler: typeof import("../../infra/sealing/handler").handler;
let drillHandler: typeof import("../../infra/drills/handler").handler;
const older = { year: 2024, month: 5, day: 9 };
const lambdaContext = { getRemainingTimeInMillis: () => 900_000 };

/** Alert messages that reached the queue since the last call. */
async function received(): Promise<{ Subject?: string; Message: string; MessageAttributes?: Record<string, { Value: string }> }[]> {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (out.Messages ?? []).map((m) => JSON.parse(m.Body!) as { Subject?: string; Message: string; MessageAttributes?: Record<string, { Value: string }> });
}

async function alertsAudited(event: string): Promise<number> {
  const now = new Date();
  const { entries } = await listAuditEntries(s3, config, { day: { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() }, limit: 1000 });
  return entries.filter((e) => e.action === "alert" && e.details?.event === event).length;
}

async function storedState(subject: string): Promise<Record<string, unknown>> {
  const object = await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: alertStateKey(config.archive.prefix, subject) }));
  return JSON.parse(await object.Body!.transformToString()) as Record<string, unknown>;
}

beforeAll(async () => {
  const { region } = motoEnv();
  sqs = createSqsClient({ region });
  dynamodb = createDynamoDBClient({ region });
  const sns = await createSnsClient({ region });
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: uniqueName("lazarus-scheduled-alerts") }))).TopicArn!;
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("scheduled-alerts-inbox") }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queueArn }));

  const fixture = await sealingFixture("scheduled-alerts");
  s3 = fixture.s3;
  const table = uniqueName("scheduled-alerts-sessions");
  await createPkSkTable(dynamodb, table);
  await dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  for (let i = 0; i < 3; i++) await dynamodb.send(new PutItemCommand({ TableName: table, Item: { PK: { S: `LIVE#${i}` }, SK: { S: "SESSION" } } }));
  service = { ...fixture.service, table: { ...fixture.service.table, name: table } };
  config = {
    ...fixture.config,
    services: [service],
    alerts: { ...fixture.config.alerts, snsTopicArn: topicArn, consoleUrl: "https://lazarus.example.com" },
    drills: { scratchTablePrefix: "lazarus-drill-", functionName: "lazarus-drills", services: [{ service: service.name, schedule: "rate(7 days)", sampleSize: 1, sampleDays: 7, itemCountTolerancePercent: 0, maxRtoMinutes: 1 }] },
  };
  await archiveAll(s3, config, service, deletionsOfDay(older, 5, "OLD"));
  // Both bundles carry the config this way (infra/lib/sealing-schedule.ts, drill-schedule.ts).
  (globalThis as { LAZARUS_CONFIG_JSON?: string }).LAZARUS_CONFIG_JSON = JSON.stringify(config);
  ({ handler: sealingHandler } = await import("../../infra/sealing/handler"));
  ({ handler: drillHandler } = await import("../../infra/drills/handler"));
  await received();
});

describe("the sealing function's alerts", () => {
  it("publishes a failed run once, nothing while it keeps failing, nothing when it recovers", async () => {
    // A damaged manifest is left for a person to look at: the day fails, and the run with it.
    const manifest = dayManifestKey(config.archive.prefix, service.name, older);
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: manifest, Body: "not a manifest" }));
    await expect(sealingHandler({}, lambdaContext)).rejects.toThrow(/sealing left 1 day/);
    const first = await received();
    expect(first).toHaveLength(1);
    expect(first[0]!.Subject).toBe("Lazarus: Sealing left 1 day and 0 services unsealed");
    expect(first[0]!.Message).toContain(`${service.name} 2024-05-09`);
    expect(first[0]!.Message).toContain("https://lazarus.example.com/protection");
    expect(first[0]!.MessageAttributes?.event?.Value).toBe("seal-failed");

    await expect(sealingHandler({}, lambdaContext)).rejects.toThrow(/sealing left 1 day/);
    expect(await received()).toEqual([]);
    expect(await alertsAudited("seal-failed")).toBe(1);

    await s3.send(new DeleteObjectCommand({ Bucket: config.archive.bucket, Key: manifest }));
    await expect(sealingHandler({}, lambdaContext)).resolves.toMatchObject({ daysSealed: 1, failedDays: 0 });
    expect(await received()).toEqual([]);
    expect(await storedState("sealing")).toMatchObject({ outcome: "sealed" });
  });
});

describe("the drill function's alerts", () => {
  it("publishes a failed drill once, and again only after a drill passed in between", async () => {
    // Nothing archived in the last sampleDays: a drill that checked nothing fails.
    await expect(drillHandler({ service: service.name }, lambdaContext)).rejects.toThrow(/restore drill of .* failed: .*no archived records/);
    const first = await received();
    expect(first.map((m) => m.Subject)).toEqual([`Lazarus: The restore drill of ${service.name} failed`]);
    expect(first[0]!.Message).toContain(`https://lazarus.example.com/drills#drills-${service.name}`);
    expect(first[0]!.MessageAttributes?.event?.Value).toBe("drill-failed");

    await expect(drillHandler({ service: service.name }, lambdaContext)).rejects.toThrow(/failed/);
    expect(await received()).toEqual([]);

    const keys = { PK: { S: "RECENT#1" }, SK: { S: "SESSION" } };
    const archived = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys, oldImage: { ...keys, n: { N: "1" } }, at: new Date(Date.now() - 60_000) }));
    if (archived.status !== "archived") throw new Error(`fixture not archived: ${archived.status}`);
    await expect(drillHandler({ service: service.name }, lambdaContext)).resolves.toMatchObject({ passed: true });
    expect(await received()).toEqual([]);
    expect(await storedState(`drills/${service.name}`)).toMatchObject({ outcome: "passed" });

    await s3.send(new DeleteObjectCommand({ Bucket: config.archive.bucket, Key: archived.archiveKey }));
    await expect(drillHandler({ service: service.name }, lambdaContext)).rejects.toThrow(/failed/);
    expect((await received()).map((m) => m.Subject)).toEqual([`Lazarus: The restore drill of ${service.name} failed`]);
    expect(await alertsAudited("drill-failed")).toBe(2);
  });
});
