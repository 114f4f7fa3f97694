import { afterEach, describe, expect, it } from "vitest";
import { DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { createArchiverHandler } from "../../lib/archive/archiver";
import { createDynamoDBClient, createDynamoDBStreamsClient, createS3Client, createSqsClient } from "../../lib/aws/clients";
import type { LazarusConfig } from "../../lib/config/schema";
import { startLocalStack, type LocalStack, type LocalStackOptions } from "../../scripts/local-stack/local-stack";
import { motoEnv } from "../support/aws";
import {
  FAST_RUNNER,
  countVersions,
  drainQueue,
  listKeys,
  localStackConfig,
  partitionKeyOf,
  readArchive,
  readText,
  removeRecords,
  s3WithInjectedFailures,
  waitFor,
} from "./local-stack-fixtures";

const stacks: LocalStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

async function start(config: LazarusConfig, options: Partial<LocalStackOptions> = {}): Promise<LocalStack> {
  const { endpoint } = motoEnv();
  const stack = await startLocalStack({ config, endpoint, runner: FAST_RUNNER, sweeper: { intervalMs: 3_600_000 }, ...options });
  stacks.push(stack);
  return stack;
}

/** Puts then deletes each item in order; the stream sees PUT, DELETE pairs. */
async function putAndDelete(config: LazarusConfig, pks: string[]): Promise<void> {
  const { region } = motoEnv();
  const dynamodb = createDynamoDBClient({ region });
  const table = config.services[0]!.table.name;
  for (const pk of pks) {
    const key = { PK: { S: pk }, SK: { S: "profile" } };
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: { ...key, payload: { S: `data of ${pk}` } } }));
    await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: key }));
  }
}

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the invocation record's DDBStreamBatchInfo must say about a run of REMOVE records. */
async function expectedBatchInfo(stack: LocalStack, startPk: string, batchSize: number) {
  const { region } = motoEnv();
  const streamArn = stack.provisioned.services[0]!.table.streamArn;
  const removes = await removeRecords(createDynamoDBStreamsClient({ region }), streamArn);
  const start = removes.findIndex((r) => r.pk === startPk);
  const run = removes.slice(start, start + batchSize);
  return {
    shardId: run[0]!.shardId,
    startSequenceNumber: run[0]!.sequenceNumber,
    endSequenceNumber: run.at(-1)!.sequenceNumber,
    approximateArrivalOfFirstRecord: expect.stringMatching(ISO_SECONDS),
    approximateArrivalOfLastRecord: expect.stringMatching(ISO_SECONDS),
    batchSize,
    streamArn,
  };
}

describe("local stack: failures, retries and the on-failure destination", () => {
  it("retries records whose S3 writes fail, loses none, and sends a poison record to the SQS DLQ after the configured retries", async () => {
    const { region } = motoEnv();
    const config = localStackConfig({ batchSize: 5, maximumRetryAttempts: 3 });
    // flaky-*: each write fails once (503 SlowDown past the SDK's retries); poison: every write fails.
    const { s3: failingS3, attempts } = s3WithInjectedFailures(
      region,
      (key, attempt) => key.includes("_poison_") || (key.includes("_flaky-") && attempt === 1),
    );
    const stack = await start(config, { handler: (_service, target) => createArchiverHandler({ s3: failingS3, target }) });
    const s3 = createS3Client({ region });
    const sqs = createSqsClient({ region });
    const dlq = stack.provisioned.services[0]!.onFailure;
    if (dlq.type !== "sqs") throw new Error("expected an SQS DLQ");

    const before = ["good-1", "flaky-1", "good-2", "poison", "good-3", "good-4", "flaky-2", "good-5"];
    await putAndDelete(config, before);
    const [message] = await waitFor("the poison record's DLQ message", async () => {
      const bodies = await drainQueue(sqs, dlq.queueUrl);
      return bodies.length > 0 ? bodies : undefined;
    });
    // Records after the poison's batch still flow.
    const after = ["good-6", "flaky-3", "good-7"];
    await putAndDelete(config, after);
    const expected = [...before, ...after].filter((pk) => pk !== "poison").sort();
    const archive = await waitFor("every other record and its index entry", async () => {
      const a = await readArchive(s3, config);
      return a.deletions.length >= expected.length && a.indexKeys.length >= expected.length ? a : undefined;
    });

    const archived = archive.deletions.map(partitionKeyOf).sort();
    expect(archived).toEqual(expected);
    expect(archive.indexKeys).toHaveLength(archived.length);
    expect(await countVersions(s3, config.archive.bucket, `${config.services[0]!.name}/`)).toBe(2 * archived.length);
    for (const [key, count] of attempts) if (key.includes("_flaky-") && !key.includes("/_by-key/")) expect(count, key).toBeGreaterThanOrEqual(2);
    const poisonArchiveAttempts = [...attempts].find(([key]) => key.includes("_poison_") && !key.includes("/_by-key/"))?.[1];
    expect(poisonArchiveAttempts).toBe(4);

    const record = JSON.parse(message as string) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(["requestContext", "responseContext", "version", "timestamp", "DDBStreamBatchInfo"]);
    const batchSize = (record.DDBStreamBatchInfo as { batchSize: number }).batchSize;
    expect(record).toEqual({
      requestContext: {
        requestId: expect.stringMatching(UUID),
        functionArn: `arn:aws:lambda:us-east-1:${stack.provisioned.accountId}:function:${config.services[0]!.archiver.functionName}`,
        condition: "RetryAttemptsExhausted",
        // MaximumRetryAttempts 3: the first invocation and three retries.
        approximateInvokeCount: 4,
      },
      responseContext: expect.objectContaining({ statusCode: 200, executedVersion: "$LATEST" }),
      version: "1.0",
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      DDBStreamBatchInfo: await expectedBatchInfo(stack, "poison", batchSize),
    });
    expect(await drainQueue(sqs, dlq.queueUrl)).toEqual([]);
  });

  it("writes the whole failed batch to an S3 on-failure destination, under the key layout AWS uses", async () => {
    const { region } = motoEnv();
    const config = localStackConfig({ onFailure: "s3", batchSize: 3, maximumRetryAttempts: 1 });
    const { s3: failingS3 } = s3WithInjectedFailures(region, (key) => key.includes("_poison_"));
    const stack = await start(config, { handler: (_service, target) => createArchiverHandler({ s3: failingS3, target }) });
    const s3 = createS3Client({ region });
    const destination = stack.provisioned.services[0]!.onFailure;
    if (destination.type !== "s3") throw new Error("expected an S3 destination");

    await putAndDelete(config, ["good-1", "poison", "good-2"]);
    const [key] = await waitFor("the failed batch in the failure bucket", async () => {
      const keys = await listKeys(s3, destination.bucket, "aws/lambda/");
      return keys.length > 0 ? keys : undefined;
    });
    const mapping = stack.provisioned.services[0]!.mapping;
    const m = new RegExp(
      `^aws/lambda/${mapping.uuid}/(shardId-[^/]+)/(\\d{4})/(\\d{2})/(\\d{2})/(\\d{4})-(\\d{2})-(\\d{2})T\\d{2}\\.\\d{2}\\.\\d{2}-[0-9a-f-]{36}$`,
    ).exec(key as string);
    expect(m, key).not.toBeNull();
    expect([m![2], m![3], m![4]]).toEqual([m![5], m![6], m![7]]);

    const body = JSON.parse(await readText(s3, destination.bucket, key as string)) as Record<string, unknown> & { payload: string };
    expect(Object.keys(body)).toEqual(["requestContext", "responseContext", "version", "timestamp", "DDBStreamBatchInfo", "payload"]);
    expect(body.requestContext).toMatchObject({ condition: "RetryAttemptsExhausted", approximateInvokeCount: 2 });
    const info = body.DDBStreamBatchInfo as { batchSize: number; shardId: string };
    expect(info).toEqual(await expectedBatchInfo(stack, "poison", info.batchSize));
    expect(info.shardId).toBe(m![1]);

    // The payload is the invocation's event, as an escaped JSON string: the records themselves.
    expect(typeof body.payload).toBe("string");
    const event = JSON.parse(body.payload) as { Records: Array<{ eventName: string; eventSourceARN: string; dynamodb: Record<string, unknown> }> };
    expect(event.Records).toHaveLength(info.batchSize);
    expect(event.Records[0]).toMatchObject({
      eventName: "REMOVE",
      eventSource: "aws:dynamodb",
      eventSourceARN: mapping.eventSourceArn,
      awsRegion: "us-east-1",
      dynamodb: {
        Keys: { PK: { S: "poison" }, SK: { S: "profile" } },
        OldImage: { PK: { S: "poison" }, SK: { S: "profile" }, payload: { S: "data of poison" } },
        SequenceNumber: (body.DDBStreamBatchInfo as { startSequenceNumber: string }).startSequenceNumber,
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
    });
    expect(typeof event.Records[0]!.dynamodb.ApproximateCreationDateTime).toBe("number");
    const archived = await waitFor("good-2 to be archived", async () => {
      const a = await readArchive(s3, config);
      return a.deletions.some((d) => partitionKeyOf(d) === "good-2") ? a : undefined;
    });
    expect(archived.deletions.map(partitionKeyOf).sort()).toEqual(["good-1", "good-2"]);
  });

  it("bisects a batch whose invocation fails as a whole until only the poison record is sent to the DLQ", async () => {
    const { region } = motoEnv();
    const config = localStackConfig({ batchSize: 8, maximumRetryAttempts: 2, bisectBatchOnFunctionError: true });
    const invokedBatchSizes: number[] = [];
    const stack = await start(config, {
      handler: (_service, target) => {
        const archive = createArchiverHandler({ s3: createS3Client({ region }), target });
        // A function that throws for the whole batch (no partial response) when it holds the poison record.
        return async (event, context) => {
          invokedBatchSizes.push(event.Records.length);
          if (event.Records.some((r) => r.dynamodb?.Keys?.PK?.S === "poison")) throw new Error("cannot process this batch");
          return archive(event, context);
        };
      },
    });
    const sqs = createSqsClient({ region });
    const s3 = createS3Client({ region });
    const dlq = stack.provisioned.services[0]!.onFailure;
    if (dlq.type !== "sqs") throw new Error("expected an SQS DLQ");

    const pks = ["good-1", "good-2", "good-3", "poison", "good-4", "good-5", "good-6", "good-7"];
    await putAndDelete(config, pks);
    const [message] = await waitFor("the DLQ message", async () => {
      const bodies = await drainQueue(sqs, dlq.queueUrl);
      return bodies.length > 0 ? bodies : undefined;
    });
    const record = JSON.parse(message as string);
    expect(record.requestContext.condition).toBe("RetryAttemptsExhausted");
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" });
    expect(record.DDBStreamBatchInfo).toEqual(await expectedBatchInfo(stack, "poison", 1));
    // Splits do not consume retries: at least the first try and two retries of the poison alone.
    expect(record.requestContext.approximateInvokeCount).toBeGreaterThanOrEqual(3);
    expect(invokedBatchSizes.filter((n) => n === 1).length).toBeGreaterThanOrEqual(3);

    const archive = await waitFor("every other record to be archived", async () => {
      const a = await readArchive(s3, config);
      return a.deletions.length >= pks.length - 1 ? a : undefined;
    });
    expect(archive.deletions.map(partitionKeyOf).sort()).toEqual(pks.filter((pk) => pk !== "poison").sort());
  });

  it("discards records older than maximumRecordAgeSeconds to the DLQ without invoking the function", async () => {
    const { region } = motoEnv();
    const config = localStackConfig({});
    let invocations = 0;
    const twoDaysLater = () => new Date(Date.now() + 2 * 86_400_000);
    const stack = await start(config, {
      runner: { ...FAST_RUNNER, now: twoDaysLater },
      handler: () => async () => {
        invocations += 1;
      },
    });
    const sqs = createSqsClient({ region });
    const dlq = stack.provisioned.services[0]!.onFailure;
    if (dlq.type !== "sqs") throw new Error("expected an SQS DLQ");

    await putAndDelete(config, ["old-1", "old-2"]);
    type InvocationRecord = { requestContext: unknown; DDBStreamBatchInfo: { batchSize: number } };
    const records: InvocationRecord[] = [];
    const discarded = () => records.reduce((n, r) => n + r.DDBStreamBatchInfo.batchSize, 0);
    await waitFor("both records in the DLQ", async () => {
      records.push(...(await drainQueue(sqs, dlq.queueUrl)).map((b) => JSON.parse(b) as InvocationRecord));
      return discarded() >= 2 ? true : undefined;
    });
    expect(discarded()).toBe(2);
    expect(invocations).toBe(0);
    for (const r of records) {
      expect(r.requestContext).toMatchObject({ condition: "RecordAgeExceeded", approximateInvokeCount: 0 });
      expect(r).not.toHaveProperty("responseContext");
    }
  });
});
