import { afterEach, describe, expect, it } from "vitest";
import { DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand } from "@aws-sdk/client-dynamodb-streams";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { archiverTargetFor, archiveStreamRecord, createArchiverHandler } from "../../lib/archive/archiver";
import { listAuditEntries } from "../../lib/audit/audit-log";
import type { SessionUser } from "../../lib/auth/roles";
import { createDynamoDBClient, createDynamoDBStreamsClient, createS3Client, createSqsClient } from "../../lib/aws/clients";
import type { LazarusConfig } from "../../lib/config/schema";
import type { DlqClients } from "../../lib/dlq/clients";
import type { DlqFailure, FailureEntry } from "../../lib/dlq/failure-record";
import { FailureNotFoundError, listServiceFailures, locateFailure } from "../../lib/dlq/failure-source";
import { replayFailure } from "../../lib/dlq/replay";
import { writeErasure } from "../../lib/erasure/erasure-ledger";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack/local-stack";
import type { StreamHandler } from "../../scripts/local-stack/stream-mapping-runner";
import { motoEnv } from "../support/aws";
import { FAST_RUNNER, countVersions, listKeys, localStackConfig, partitionKeyOf, readArchive, waitFor } from "./local-stack-fixtures";

const ADMIN: SessionUser = { id: "admin-1", email: "admin@example.com", name: "Ada Admin", role: "admin" };

const stacks: LocalStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

function clients(): DlqClients {
  const { region } = motoEnv();
  return { s3: createS3Client({ region }), sqs: createSqsClient({ region }), streams: createDynamoDBStreamsClient({ region }) };
}

/**
 * The deployed archiver before "the fix": it throws for any batch holding the poison
 * key (a bad deployment), so that batch ends in the on-failure destination.
 */
function brokenHandler(region: string) {
  return (_service: unknown, target: Parameters<typeof createArchiverHandler>[0]["target"]): StreamHandler => {
    const archive = createArchiverHandler({ s3: createS3Client({ region }), target });
    return async (event, context) => {
      if (event.Records.some((r) => r.dynamodb?.Keys?.PK?.S === "poison")) throw new Error("cannot process this batch");
      return archive(event, context);
    };
  };
}

async function start(config: LazarusConfig): Promise<LocalStack> {
  const { endpoint, region } = motoEnv();
  const stack = await startLocalStack({ config, endpoint, runner: FAST_RUNNER, sweeper: { intervalMs: 3_600_000 }, handler: brokenHandler(region) });
  stacks.push(stack);
  return stack;
}

async function putAndDelete(config: LazarusConfig, pks: string[]): Promise<void> {
  const { region } = motoEnv();
  const dynamodb = createDynamoDBClient({ region });
  const table = config.services[0]!.table.name;
  for (const pk of pks) {
    const key = { PK: { S: pk }, SK: { S: "profile" } };
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: { ...key, payload: { S: `secret data of ${pk}` } } }));
    await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: key }));
  }
}

function batches(entries: FailureEntry[]): DlqFailure[] {
  return entries.filter((e): e is DlqFailure => e.kind === "batch");
}

/** Waits until the poison batch is in the destination and every other batch is archived. */
async function poisonFailure(config: LazarusConfig, pks: string[]): Promise<DlqFailure> {
  const service = config.services[0]!;
  const failure = await waitFor("the poison batch in the on-failure destination", async () => {
    const listed = await listServiceFailures(clients(), config, service);
    return batches(listed.failures)[0];
  });
  await waitFor("the other batches to be archived", async () => {
    const { deletions } = await readArchive(clients().s3, config);
    return deletions.length + failure.batchSize >= pks.length ? true : undefined;
  });
  return failure;
}

/** Every key archived exactly once: one archive object and one index entry each. */
async function expectArchivedOnce(config: LazarusConfig, pks: string[]) {
  const { deletions, indexKeys } = await readArchive(clients().s3, config);
  expect(deletions.map(partitionKeyOf).sort()).toEqual([...pks].sort());
  expect(indexKeys).toHaveLength(pks.length);
  expect(await countVersions(clients().s3, config.archive.bucket, `${config.services[0]!.name}/`)).toBe(2 * pks.length);
}

async function auditEntriesOf(config: LazarusConfig, operationId: string) {
  const now = new Date();
  const day = { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() };
  const page = await listAuditEntries(clients().s3, config, { day, limit: 1000 });
  return page.entries.filter((e) => e.operationId === operationId);
}

const PKS = ["good-1", "good-2", "poison", "good-3", "good-4"];

describe("DLQ replay against the local stack", () => {
  it("SQS: lists the poison batch without consuming it, replays it from the stream after the fix, archives every record once and deletes the message", async () => {
    const config = localStackConfig({ batchSize: 10, maximumRetryAttempts: 1, bisectBatchOnFunctionError: false });
    await start(config);
    const service = config.services[0]!;
    await putAndDelete(config, PKS);
    const failure = await poisonFailure(config, PKS);

    expect(failure).toMatchObject({ source: "sqs", condition: "RetryAttemptsExhausted", invokeCount: 2, retention: { state: "in-stream" } });
    expect(failure.reason).toContain("function error: Unhandled");
    expect(failure.shardId).toMatch(/^shardId-/);
    expect(BigInt(failure.endSequenceNumber)).toBeGreaterThanOrEqual(BigInt(failure.startSequenceNumber));
    // Peeking twice sees the same message: listing consumes nothing.
    const again = await listServiceFailures(clients(), config, service);
    expect(batches(again.failures).map((f) => f.id)).toEqual([failure.id]);
    // Two days on, the same message is past the stream's retention and says what would be lost.
    const later = await listServiceFailures(clients(), config, service, { now: new Date(Date.now() + 2 * 86_400_000) });
    const laterFailure = batches(later.failures)[0]!;
    expect(laterFailure.retention.state).toBe("past-retention");
    expect(laterFailure.retention).toMatchObject({ message: expect.stringContaining(`${failure.batchSize} record`) });
    expect(laterFailure.retention).toMatchObject({ message: expect.stringContaining(failure.shardId) });

    // The fix: replay runs the real archiver.
    const result = await replayFailure(clients(), config, service, failure.id, ADMIN);
    expect(result.counts).toEqual({ total: failure.batchSize, archived: failure.batchSize, alreadyArchived: 0, erased: 0, failed: 0, lost: 0, ignored: 0 });
    expect(result.deleted).toBe(true);
    expect(batches((await listServiceFailures(clients(), config, service)).failures)).toEqual([]);
    await expectArchivedOnce(config, PKS);

    const audit = await auditEntriesOf(config, result.operationId);
    expect(audit.map((e) => e.outcome)).toEqual(["started", "succeeded"]);
    expect(audit[1]).toMatchObject({ action: "dlq-replay", service: service.name, actor: { id: ADMIN.id }, details: { counts: result.counts, deleted: true } });
    expect(JSON.stringify(audit)).not.toContain("secret data");

    // Gone: a second replay finds nothing, and archives nothing twice.
    await expect(replayFailure(clients(), config, service, failure.id, ADMIN)).rejects.toBeInstanceOf(FailureNotFoundError);
  });

  it("S3: replays the records held in the failure object, archives each once and deletes every version of the object", async () => {
    const config = localStackConfig({ onFailure: "s3", batchSize: 10, maximumRetryAttempts: 1, bisectBatchOnFunctionError: false });
    const stack = await start(config);
    const service = config.services[0]!;
    const destination = stack.provisioned.services[0]!.onFailure;
    if (destination.type !== "s3") throw new Error("expected an S3 destination");
    await putAndDelete(config, PKS);
    const failure = await poisonFailure(config, PKS);
    expect(failure).toMatchObject({ source: "s3", retention: { state: "records-kept" }, recordsInObject: failure.batchSize });
    expect(failure.id).toMatch(/^aws\/lambda\//);

    const result = await replayFailure(clients(), config, service, failure.id, ADMIN);
    expect(result.counts).toMatchObject({ total: failure.batchSize, archived: failure.batchSize, failed: 0, lost: 0 });
    expect(result.deleted).toBe(true);
    expect(await listKeys(clients().s3, destination.bucket, "aws/lambda/")).toEqual([]);
    expect(await countVersions(clients().s3, destination.bucket, "aws/lambda/")).toBe(0);
    await expectArchivedOnce(config, PKS);
  });

  it("S3: a record archived already counts as archived, an erased key is skipped and reported, and the batch is settled", async () => {
    const config = localStackConfig({ onFailure: "s3", batchSize: 10, maximumRetryAttempts: 1, bisectBatchOnFunctionError: false });
    // A batching window, so the three deletions reach the function as one batch.
    config.services[0]!.archiver.maximumBatchingWindowSeconds = 2;
    await start(config);
    const service = config.services[0]!;
    const pks = ["erased-1", "poison", "good-9"];
    await putAndDelete(config, pks);
    const failure = await poisonFailure(config, pks);
    expect(failure.batchSize).toBe(3);

    // An earlier, interrupted replay archived good-9 already.
    const located = await locateFailure(clients(), config, service, failure.id);
    if (located.source !== "s3") throw new Error("expected an S3 failure");
    const good9 = located.records.find((r) => (r as { dynamodb: { Keys: { PK: { S: string } } } }).dynamodb.Keys.PK.S === "good-9");
    expect((await archiveStreamRecord(clients().s3, archiverTargetFor(config, service), good9)).status).toBe("archived");

    // The subject of erased-1 asked to be forgotten after the deletion.
    const erasedAt = new Date(Date.now() + 1_000);
    await writeErasure(clients().s3, config, service, { S: "erased-1" }, { erasedAt, auditId: "erasure-op-1", records: 0 });
    const result = await replayFailure(clients(), config, service, failure.id, ADMIN);
    expect(result.counts).toEqual({ total: 3, archived: 1, alreadyArchived: 1, erased: 1, failed: 0, lost: 0, ignored: 0 });
    expect(result.erasures).toEqual([{ erasedOn: erasedAt.toISOString().slice(0, 10), count: 1 }]);
    expect(result.message).toContain("1 skipped (erased)");
    expect(result.deleted).toBe(true);
    const { deletions } = await readArchive(clients().s3, config);
    expect(deletions.map(partitionKeyOf).sort()).toEqual(["good-9", "poison"]);
    const audit = await auditEntriesOf(config, result.operationId);
    // Refused because erased, and audited with the erasure's date, never the key.
    expect(audit[1]).toMatchObject({ outcome: "succeeded", details: { counts: { erased: 1 }, erasures: [{ erasedOn: erasedAt.toISOString().slice(0, 10), count: 1 }] } });
    // Exactly the day and the count: no key, no key hash, per refused record.
    expect(audit[1]!.details!.erasures).toEqual([{ erasedOn: erasedAt.toISOString().slice(0, 10), count: 1 }]);
    expect(JSON.stringify(audit)).not.toContain("erased-1");
  });

  it("SQS: a failure whose range the stream no longer has is reported as lost, exactly, and is not deleted", async () => {
    const config = localStackConfig({});
    const stack = await start(config);
    const service = config.services[0]!;
    const queue = stack.provisioned.services[0]!.onFailure;
    if (queue.type !== "sqs") throw new Error("expected an SQS DLQ");
    const streamArn = stack.provisioned.services[0]!.table.streamArn;
    await putAndDelete(config, ["present-1"]);
    const shardId = await waitFor("the stream's shard", async () => {
      const { StreamDescription } = await clients().streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      return StreamDescription?.Shards?.[0]?.ShardId;
    });
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
    const seconds = `${threeDaysAgo.toISOString().slice(0, 19)}Z`;
    // Sequence numbers far past anything the stream holds: the records are gone.
    const message = {
      requestContext: { requestId: "0b1c7f1e-0000-4000-8000-000000000001", functionArn: "arn:aws:lambda:us-east-1:123456789012:function:x", condition: "RetryAttemptsExhausted", approximateInvokeCount: 6 },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      version: "1.0",
      timestamp: threeDaysAgo.toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: "900000000000000000000000000",
        endSequenceNumber: "900000000000000000000000004",
        approximateArrivalOfFirstRecord: seconds,
        approximateArrivalOfLastRecord: seconds,
        batchSize: 5,
        streamArn,
      },
    };
    await clients().sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: JSON.stringify(message) }));
    await clients().sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: "not an invocation record" }));

    const listed = await listServiceFailures(clients(), config, service);
    const malformed = listed.failures.filter((f) => f.kind === "malformed");
    expect(malformed).toHaveLength(1);
    expect(malformed[0]!.reason).toContain("not JSON");
    const failure = batches(listed.failures)[0]!;
    expect(failure.retention).toEqual({
      state: "past-retention",
      since: expect.any(String),
      message: `past the stream's 24-hour retention: 5 records of shard ${shardId}, sequence numbers 900000000000000000000000000 to 900000000000000000000000004 are lost unless found in the stream`,
    });

    const result = await replayFailure(clients(), config, service, failure.id, ADMIN);
    expect(result.counts).toEqual({ total: 5, archived: 0, alreadyArchived: 0, erased: 0, failed: 0, lost: 5, ignored: 0 });
    expect(result.deleted).toBe(false);
    expect(result.lost).toMatchObject({ shardId, startSequenceNumber: "900000000000000000000000000", endSequenceNumber: "900000000000000000000000004", count: 5 });
    expect(result.lost!.reason).toContain("24-hour retention");
    expect(result.message).toContain("5 records of shard");
    // Kept: it is the record of what was lost.
    const after = await listServiceFailures(clients(), config, service);
    expect(batches(after.failures).map((f) => f.id)).toEqual([failure.id]);
    const audit = await auditEntriesOf(config, result.operationId);
    expect(audit.map((e) => e.outcome)).toEqual(["started", "failed"]);
    expect(audit[1]).toMatchObject({ details: { counts: { lost: 5 }, deleted: false } });
  });
});
