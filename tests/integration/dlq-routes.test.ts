import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { GET as listDlq } from "@/app/api/dlq/route";
import { POST as replayDlq } from "@/app/api/dlq/replay/route";
import type { Role } from "@/lib/auth/roles";
import { getSessionUser } from "@/lib/auth/session";
import { createS3Client } from "@/lib/aws/clients";
import type { DlqListResponse, ReplayResult } from "@/lib/dlq/failure-record";
import { uniqueName, motoEnv } from "../support/aws";
import { removeRecord } from "../support/stream-events";
import { callRoute } from "../support/route-request";

/** The DLQ routes through the one wrapper, against moto: permissions, input checks, listing and replay. */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
const session = vi.mocked(getSessionUser);
const as = (role: Role) => session.mockResolvedValue({ id: `test:${role}`, email: `${role}@example.com`, name: `Test ${role}`, role });

type Handler = (request: NextRequest, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function call(handler: Handler, path: string, init: { method?: string; body?: unknown } = {}) {
  return callRoute(handler, path, init);
}

let s3: S3Client;
let failureKey: string;
let poisonKey: string;
let failuresBucket: string;
const table = uniqueName("dlq-orders");

beforeAll(async () => {
  const { region } = motoEnv();
  s3 = createS3Client({ region });
  const bucket = uniqueName("dlq-archive");
  const failures = uniqueName("dlq-failures");
  for (const b of [bucket, failures]) await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: failures, VersioningConfiguration: { Status: "Enabled" } }));
  const raw = {
    region,
    archive: { bucket, prefix: "" },
    services: [
      {
        name: "orders-svc",
        table: { name: table, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-orders" },
        onFailure: { type: "s3", bucket: failures },
      },
      {
        name: "contacts-svc",
        table: { name: uniqueName("dlq-contacts"), partitionKey: { name: "PK", type: "S" } },
        archiver: { functionName: "archiver-contacts" },
        // Never created: its row reports the error, the other service still lists.
        onFailure: { type: "sqs", queueName: uniqueName("missing-dlq") },
      },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), "lazarus-dlq-"));
  writeFileSync(join(dir, "lazarus.config.json"), JSON.stringify(raw));
  process.env.LAZARUS_CONFIG = join(dir, "lazarus.config.json");

  const at = new Date("2024-03-05T10:00:00Z");
  const records = ["ORDER#1", "ORDER#2"].map((pk, i) =>
    removeRecord({ keys: { PK: { S: pk }, SK: { S: "DETAILS" } }, oldImage: { PK: { S: pk }, SK: { S: "DETAILS" }, total: { N: "12.50" } }, at: new Date(at.getTime() + i * 1000), ttl: false }),
  );
  const streamArn = `arn:aws:dynamodb:${region}:123456789012:table/${table}/stream/2024-01-01T00:00:00.000`;
  const body = {
    requestContext: { requestId: "c7d7b8a2-0000-4000-8000-000000000002", functionArn: "arn:aws:lambda:us-east-1:123456789012:function:archiver-orders", condition: "RetryAttemptsExhausted", approximateInvokeCount: 3 },
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    version: "1.0",
    timestamp: "2024-03-05T10:05:00.000Z",
    DDBStreamBatchInfo: {
      shardId: "shardId-00000001709632800000-abcdef12",
      startSequenceNumber: records[0]!.dynamodb!.SequenceNumber!,
      endSequenceNumber: records[1]!.dynamodb!.SequenceNumber!,
      approximateArrivalOfFirstRecord: "2024-03-05T10:00:00Z",
      approximateArrivalOfLastRecord: "2024-03-05T10:00:01Z",
      batchSize: 2,
      streamArn,
    },
    payload: JSON.stringify({ Records: records }),
  };
  failureKey = "aws/lambda/00000000-0000-5000-8000-000000000000/shardId-00000001709632800000-abcdef12/2024/03/05/2024-03-05T10.05.00-1b2c3d4e-0000-4000-8000-000000000003";
  await s3.send(new PutObjectCommand({ Bucket: failures, Key: failureKey, Body: JSON.stringify(body), ContentType: "application/json" }));

  // A batch starting with a record the archiver refuses however often it runs: no OldImage (a KEYS_ONLY stream).
  const keysOnly = removeRecord({ keys: { PK: { S: "ORDER#3" }, SK: { S: "DETAILS" } }, at, ttl: false });
  delete (keysOnly.dynamodb as { OldImage?: unknown }).OldImage;
  const fine = removeRecord({ keys: { PK: { S: "ORDER#4" }, SK: { S: "DETAILS" } }, oldImage: { PK: { S: "ORDER#4" }, SK: { S: "DETAILS" } }, at, ttl: false });
  poisonKey = failureKey.replace(/0003$/, "0004");
  failuresBucket = failures;
  const poisonBody = {
    ...body,
    DDBStreamBatchInfo: { ...body.DDBStreamBatchInfo, startSequenceNumber: keysOnly.dynamodb!.SequenceNumber!, endSequenceNumber: fine.dynamodb!.SequenceNumber!, batchSize: 2 },
    payload: JSON.stringify({ Records: [keysOnly, fine] }),
  };
  await s3.send(new PutObjectCommand({ Bucket: failures, Key: poisonKey, Body: JSON.stringify(poisonBody), ContentType: "application/json" }));
});

describe("DLQ routes", () => {
  it("keeps a failure whose records the archiver still refuses, and says which and why", async () => {
    as("admin");
    const { status, body } = await call(replayDlq as Handler, "/api/dlq/replay", { method: "POST", body: { service: "orders-svc", failureId: poisonKey } });
    expect(status).toBe(200);
    const result = body as unknown as ReplayResult;
    expect(result).toMatchObject({ deleted: false, counts: { total: 2, archived: 1, failed: 1, lost: 0 } });
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]!.message).toMatch(/OldImage|old image/i);
    expect(result.keptBecause).toContain("1 record could not be archived");
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: failuresBucket, Key: poisonKey }));
    expect(Body).toBeDefined();
  });

  it("are for admins only", async () => {
    for (const role of ["viewer", "support", "compliance"] as const) {
      as(role);
      expect((await call(listDlq as Handler, "/api/dlq")).status).toBe(403);
      expect((await call(replayDlq as Handler, "/api/dlq/replay", { method: "POST", body: { service: "orders-svc", failureId: failureKey } })).status).toBe(403);
    }
  });

  it("lists each service's failures, with an unreadable destination reported on its own row", async () => {
    as("admin");
    const { status, body } = await call(listDlq as Handler, "/api/dlq");
    expect(status).toBe(200);
    const list = body as unknown as DlqListResponse;
    const orders = list.services.find((s) => s.service === "orders-svc")!;
    expect(orders.failures).toEqual([
      expect.objectContaining({ kind: "batch", id: failureKey, source: "s3", batchSize: 2, recordsInObject: 2, failedAt: "2024-03-05T10:05:00.000Z", retention: { state: "records-kept" } }),
      expect.objectContaining({ kind: "batch", id: poisonKey }),
    ]);
    const contacts = list.services.find((s) => s.service === "contacts-svc")!;
    expect(contacts.failures).toEqual([]);
    expect(contacts.error).toMatchObject({ code: "queue-not-found", message: expect.stringContaining("does not exist") });

    const one = await call(listDlq as Handler, "/api/dlq?service=orders-svc");
    expect((one.body as unknown as DlqListResponse).services.map((s) => s.service)).toEqual(["orders-svc"]);
    expect((await call(listDlq as Handler, "/api/dlq?service=nope")).status).toBe(404);
  });

  it("refuses bad input before touching anything", async () => {
    as("admin");
    const bad = await call(replayDlq as Handler, "/api/dlq/replay", { method: "POST", body: { service: "orders-svc", failureId: "../../etc/passwd" } });
    expect(bad.status).toBe(400);
    const unknown = await call(replayDlq as Handler, "/api/dlq/replay", { method: "POST", body: { service: "nope", failureId: failureKey } });
    expect(unknown.status).toBe(404);
  });

  it("replays a failure, then answers 404 for it", async () => {
    as("admin");
    const { status, body } = await call(replayDlq as Handler, "/api/dlq/replay", { method: "POST", body: { service: "orders-svc", failureId: failureKey } });
    expect(status).toBe(200);
    const result = body as unknown as ReplayResult;
    expect(result).toMatchObject({ deleted: true, counts: { total: 2, archived: 2, failed: 0, lost: 0 } });
    const again = await call(replayDlq as Handler, "/api/dlq/replay", { method: "POST", body: { service: "orders-svc", failureId: failureKey } });
    expect(again.status).toBe(404);
    expect((again.body as { error: { code: string } }).error.code).toBe("failure-not-found");
  });
});
