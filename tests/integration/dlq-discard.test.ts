import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { POST as discardRoute } from "@/app/api/dlq/discard/route";
import { GET as dlqRoute } from "@/app/api/dlq/route";
import { GET as protectionRoute } from "@/app/api/protection/route";
import { approveRequest } from "@/lib/approvals/approvals";
import type { ApprovalRequestedResponse } from "@/lib/approvals/approval-types";
import { listAuditEntries } from "@/lib/audit/audit-log";
import type { SessionUser } from "@/lib/auth/roles";
import { getSessionUser } from "@/lib/auth/session";
import { createS3Client, createSqsClient } from "@/lib/aws/clients";
import { loadConfig } from "@/lib/config/load";
import type { DiscardResult, DlqListResponse } from "@/lib/dlq/failure-record";
import { discardedPrefix } from "@/lib/dlq/discarded-layout";
import { eraseSubject } from "@/lib/erasure/erase";
import { consoleClients } from "@/lib/http/clients";
import type { ProtectionReport } from "@/lib/protection/protection-types";
import { motoEnv, uniqueName } from "../support/aws";
import { callRoute } from "../support/route-request";
import { removeRecord } from "../support/stream-events";

/**
 * Discarding a failed batch that can never be archived, against moto: the reason is
 * required, a copy is kept under `_discarded/` before the S3 object (every version) or
 * the SQS message is deleted, both steps are audited with the reason, the approvals
 * flow gates it when configured, and an erasure reaches the copy.
 */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
const session = vi.mocked(getSessionUser);
const adminA: SessionUser = { id: "u-admin-a", email: "ada@example.com", name: "Ada Admin", role: "admin" };
const adminB: SessionUser = { id: "u-admin-b", email: "bob@example.com", name: "Bob Admin", role: "admin" };
const compliance: SessionUser = { id: "u-comp", email: "cora@example.com", name: "Cora Compliance", role: "compliance" };
const as = (user: SessionUser) => session.mockResolvedValue(user);

let s3: S3Client;
let sqs: SQSClient;
let archiveBucket: string;
let failuresBucket: string;
let queueUrl: string;
let withoutApprovals: string;
let withApprovals: string;
const orders = "orders-svc";
const units = "units-svc";
const ordersTable = uniqueName("discard-orders");
const unitsTable = uniqueName("discard-units");
const REASON = "poison record without OldImage, replayed twice";

function useConfig(path: string) {
  process.env.LAZARUS_CONFIG = path;
}

/** A failed batch as an S3 destination keeps it: the first record has no OldImage, so the archiver refuses it forever. */
async function putPoisonObject(pks: [string, string]): Promise<string> {
  const { region } = motoEnv();
  const at = new Date("2024-03-05T10:00:00Z");
  const streamArn = invocationRecord(region, ordersTable, "0", "0", 0).DDBStreamBatchInfo.streamArn;
  const keysOnly = { ...removeRecord({ keys: { PK: { S: pks[0] }, SK: { S: "DETAILS" } }, oldImage: null, at, ttl: false }), eventSourceARN: streamArn };
  const fine = {
    ...removeRecord({ keys: { PK: { S: pks[1] }, SK: { S: "DETAILS" } }, oldImage: { PK: { S: pks[1] }, SK: { S: "DETAILS" }, total: { N: "1" } }, at: new Date(at.getTime() + 1000), ttl: false }),
    eventSourceARN: streamArn,
  };
  const body = invocationRecord(region, ordersTable, keysOnly.dynamodb!.SequenceNumber!, fine.dynamodb!.SequenceNumber!, 2, JSON.stringify({ Records: [keysOnly, fine] }));
  const key = `aws/lambda/00000000-0000-5000-8000-000000000000/shardId-00000001709632800000-abcdef12/2024/03/05/2024-03-05T10.05.00-${uniqueName("x")}`;
  // Two versions: a delete marker alone would keep the batch readable.
  await s3.send(new PutObjectCommand({ Bucket: failuresBucket, Key: key, Body: JSON.stringify(body) }));
  await s3.send(new PutObjectCommand({ Bucket: failuresBucket, Key: key, Body: JSON.stringify(body) }));
  return key;
}

function invocationRecord(region: string, table: string, start: string, end: string, batchSize: number, payload?: string) {
  return {
    requestContext: { requestId: "c7d7b8a2-0000-4000-8000-000000000009", functionArn: `arn:aws:lambda:${region}:123456789012:function:archiver`, condition: "RetryAttemptsExhausted", approximateInvokeCount: 6 },
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    version: "1.0",
    timestamp: "2024-03-05T10:05:00.000Z",
    DDBStreamBatchInfo: {
      shardId: "shardId-00000001709632800000-abcdef12",
      startSequenceNumber: start,
      endSequenceNumber: end,
      approximateArrivalOfFirstRecord: "2024-03-05T10:00:00Z",
      approximateArrivalOfLastRecord: "2024-03-05T10:00:01Z",
      batchSize,
      streamArn: `arn:aws:dynamodb:${region}:123456789012:table/${table}/stream/2024-01-01T00:00:00.000`,
    },
    ...(payload ? { payload } : {}),
  };
}

async function versionsOf(bucket: string, key: string): Promise<number> {
  const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].filter((v) => v.Key === key).length;
}

async function readCopy(key: string): Promise<Record<string, unknown>> {
  const out = await s3.send(new GetObjectCommand({ Bucket: archiveBucket, Key: key }));
  return JSON.parse(await out.Body!.transformToString()) as Record<string, unknown>;
}

async function discard(failureId: string, service = orders, reason = REASON) {
  return callRoute(discardRoute, "/api/dlq/discard", { method: "POST", body: { service, failureId, reason } });
}

beforeAll(async () => {
  const { region } = motoEnv();
  s3 = createS3Client({ region });
  sqs = createSqsClient({ region });
  archiveBucket = uniqueName("discard-archive");
  failuresBucket = uniqueName("discard-failures");
  for (const bucket of [archiveBucket, failuresBucket]) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  }
  const queueName = uniqueName("discard-dlq");
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl!;
  const raw = {
    region,
    archive: { bucket: archiveBucket, prefix: "" },
    services: [
      { name: orders, table: { name: ordersTable, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } }, archiver: { functionName: "archiver-orders" }, onFailure: { type: "s3", bucket: failuresBucket } },
      { name: units, table: { name: unitsTable, partitionKey: { name: "unitId", type: "S" } }, archiver: { functionName: "archiver-units" }, onFailure: { type: "sqs", queueName } },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), "lazarus-discard-"));
  withoutApprovals = join(dir, "without.json");
  withApprovals = join(dir, "with.json");
  writeFileSync(withoutApprovals, JSON.stringify(raw));
  writeFileSync(withApprovals, JSON.stringify({ ...raw, approvals: { dlqDiscard: true, services: [orders] } }));
});

describe("discarding a failed batch", () => {
  it("refuses without a real reason, and keeps the batch", async () => {
    useConfig(withoutApprovals);
    as(adminA);
    const key = await putPoisonObject(["ORDER#r1", "ORDER#r2"]);
    for (const reason of ["", "   ", "bad"]) {
      const { status, body } = await discard(key, orders, reason);
      expect(status).toBe(400);
      expect((body.error as { message: string }).message).toMatch(/reason/);
    }
    expect(await versionsOf(failuresBucket, key)).toBe(2);
    as(compliance);
    expect((await discard(key)).status).toBe(403);
  });

  it("keeps a copy of the S3 batch, removes every version of the object, and audits the reason", async () => {
    useConfig(withoutApprovals);
    as(adminA);
    const key = await putPoisonObject(["ORDER#s1", "ORDER#s2"]);
    const { status, body } = await discard(key);
    expect(status).toBe(200);
    const result = body as unknown as DiscardResult;
    expect(result).toMatchObject({ deleted: true, source: "s3", failureId: key });
    expect(result.copyKey.startsWith(discardedPrefix("", orders))).toBe(true);
    expect(await versionsOf(failuresBucket, key)).toBe(0);

    const copy = await readCopy(result.copyKey);
    expect(copy.discarded).toMatchObject({ reason: REASON, failureId: key, source: "s3", by: { email: adminA.email }, operationId: result.operationId });
    const records = (JSON.parse(copy.payload as string) as { Records: { dynamodb: { Keys: { PK: { S: string } } } }[] }).Records;
    expect(records.map((r) => r.dynamodb.Keys.PK.S)).toEqual(["ORDER#s1", "ORDER#s2"]);

    const now = new Date();
    const day = { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() };
    const audit = (await listAuditEntries(s3, loadConfig(), { day, limit: 1000 })).entries.filter((e) => e.operationId === result.operationId);
    expect(audit.map((e) => [e.action, e.outcome])).toEqual(expect.arrayContaining([["dlq-discard", "started"], ["dlq-discard", "succeeded"]]));
    expect(audit.every((e) => e.details?.reason === REASON && e.actor.email === adminA.email)).toBe(true);

    // Discarded already: a second discard finds nothing.
    expect((await discard(key)).status).toBe(404);
  });

  it("deletes an SQS failure message after keeping its invocation record", async () => {
    useConfig(withoutApprovals);
    as(adminA);
    const { region } = motoEnv();
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(invocationRecord(region, "other", "100", "105", 3)) }));
    const { status, body } = await discard(sent.MessageId!, units);
    expect(status).toBe(200);
    const result = body as unknown as DiscardResult;
    expect(result).toMatchObject({ deleted: true, source: "sqs" });
    const left = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    expect(left.Messages ?? []).toHaveLength(0);
    const copy = await readCopy(result.copyKey);
    expect(copy).toMatchObject({ DDBStreamBatchInfo: { startSequenceNumber: "100", endSequenceNumber: "105", batchSize: 3 }, discarded: { reason: REASON, source: "sqs" } });
  });

  it("lists the batch the protection check just counted, discards it, and the DLQ check turns green", async () => {
    useConfig(withoutApprovals);
    as(adminA);
    const { region } = motoEnv();
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(invocationRecord(region, unitsTable, "200", "200", 1)) }));
    const dlqCheck = async () => {
      const { status, body } = await callRoute(protectionRoute, "/api/protection");
      expect(status).toBe(200);
      return (body as unknown as ProtectionReport).services.find((s) => s.service === units)!.checks.find((c) => c.id === "dlq")!;
    };
    const listed = async () => {
      const { status, body } = await callRoute(dlqRoute, `/api/dlq?service=${units}`);
      expect(status).toBe(200);
      return (body as unknown as DlqListResponse).services[0]!.failures.map((f) => f.id);
    };
    // The check peeks at the queue to date its failures; the page opened right after must still see the batch.
    expect(await dlqCheck()).toMatchObject({ status: "red" });
    expect(await listed()).toEqual([sent.MessageId]);
    expect(await listed()).toEqual([sent.MessageId]);

    const { status, body } = await discard(sent.MessageId!, units);
    expect(status).toBe(200);
    expect(body).toMatchObject({ deleted: true });
    expect(await listed()).toEqual([]);
    expect(await dlqCheck()).toMatchObject({ status: "green", summary: "Empty" });
  });

  it("under approvals becomes a request that a second admin approves, and only then runs", async () => {
    useConfig(withApprovals);
    as(adminA);
    const key = await putPoisonObject(["ORDER#a1", "ORDER#a2"]);
    const { status, body } = await discard(key);
    expect(status).toBe(202);
    const requested = body as unknown as ApprovalRequestedResponse;
    expect(requested.request.kind).toBe("dlq-discard");
    expect(await versionsOf(failuresBucket, key)).toBe(2);

    const config = loadConfig();
    await expect(approveRequest(consoleClients(config), config, adminA, requested.request.id)).rejects.toMatchObject({ code: "self-approval" });
    const { request, response } = await approveRequest(consoleClients(config), config, adminB, requested.request.id);
    expect(request.status).toBe("executed");
    expect(response).toMatchObject({ deleted: true });
    expect(await versionsOf(failuresBucket, key)).toBe(0);
    // The discard runs as its requester; the approval names both.
    const copy = await readCopy((response as DiscardResult).copyKey);
    expect(copy.discarded).toMatchObject({ by: { email: adminA.email } });
  });

  it("an erasure reaches the discarded copy: the subject's record is taken out, every older version removed", async () => {
    useConfig(withoutApprovals);
    as(adminA);
    const key = await putPoisonObject(["ORDER#e1", "ORDER#e2"]);
    const result = (await discard(key)).body as unknown as DiscardResult;
    expect(result.deleted).toBe(true);

    const config = loadConfig();
    const erased = await eraseSubject(s3, config, { query: { match: "exact", key: "ORDER#e1", services: [orders] }, mode: "erase", confirmation: "ERASE ORDER#e1", actor: compliance });
    expect(erased.outcome).toBe("succeeded");
    const copy = await readCopy(result.copyKey);
    const records = (JSON.parse(copy.payload as string) as { Records: { dynamodb: { Keys: { PK: { S: string } } } }[] }).Records;
    expect(records.map((r) => r.dynamodb.Keys.PK.S)).toEqual(["ORDER#e2"]);
    expect(copy).toMatchObject({ DDBStreamBatchInfo: { batchSize: 1 }, discarded: { reason: REASON } });
    expect(await versionsOf(archiveBucket, result.copyKey)).toBe(1);
  });
});
