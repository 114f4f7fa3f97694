import { randomBytes } from "node:crypto";
import { BatchWriteItemCommand, CreateTableCommand, DeleteItemCommand, PutItemCommand, RestoreTableToPointInTimeCommand, UpdateContinuousBackupsCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { createDynamoDBClient, createS3Client } from "../lib/aws/clients";
import { parseConfig } from "../lib/config/load";
import { startCompare } from "../lib/pitr/pitr-compare";
import type { PitrJob } from "../lib/pitr/pitr-types";
import { table, timed, withMoto } from "./harness";

/**
 * Compare restored vs live for a 50,000-item table: parallel scan (4 and 8
 * segments) against a single-segment scan, through the console's own compare
 * (fingerprints of live, streamed restored side, chunks to S3). moto_server is one
 * single-threaded Python process, so parallel segments there only overlap client
 * work with server work; against DynamoDB each segment is served by other partitions.
 */
const REGION = "us-east-1";
const ITEMS = Number(process.env.PITR_BENCH_ITEMS ?? 50_000);
const CHANGES = Math.round(ITEMS / 100);

export async function benchPitrCompare(): Promise<string> {
  return withMoto(async (moto) => {
    const s3 = createS3Client({ region: REGION, endpoint: moto.endpoint });
    const dynamodb = createDynamoDBClient({ region: REGION, endpoint: moto.endpoint });
    const suffix = randomBytes(3).toString("hex");
    const bucket = `bench-pitr-${suffix}`;
    const live = `bench-orders-${suffix}`;
    const restored = `${live}-restored`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await dynamodb.send(
      new CreateTableCommand({
        TableName: live,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "PK", AttributeType: "S" }, { AttributeName: "SK", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "PK", KeyType: "HASH" }, { AttributeName: "SK", KeyType: "RANGE" }],
      }),
    );
    await dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: live, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    const item = (n: number, status = "open") => ({
      PK: { S: `ORDER#${String(n).padStart(6, "0")}` },
      SK: { S: "ORDER" },
      status: { S: status },
      total: { N: `${n}.25` },
      customer: { M: { id: { S: `CUST#${n % 997}` }, tier: { S: n % 3 ? "basic" : "gold" } } },
      lines: { L: [{ S: "sku-1" }, { S: "sku-2" }] },
    });
    const load = pLimit(8);
    const batches = Array.from({ length: Math.ceil(ITEMS / 25) }, (_, b) => Array.from({ length: Math.min(25, ITEMS - b * 25) }, (_, i) => b * 25 + i));
    const loaded = await timed(() =>
      Promise.all(batches.map((batch) => load(() => dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [live]: batch.map((n) => ({ PutRequest: { Item: item(n) } })) } }))))),
    );
    // moto copies the table as it is now; the changes below make restored and live differ.
    await dynamodb.send(new RestoreTableToPointInTimeCommand({ SourceTableName: live, TargetTableName: restored, UseLatestRestorableTime: true }));
    await Promise.all(
      Array.from({ length: CHANGES }, (_, i) =>
        load(async () => {
          await dynamodb.send(new DeleteItemCommand({ TableName: live, Key: { PK: item(i).PK, SK: item(i).SK } }));
          await dynamodb.send(new PutItemCommand({ TableName: live, Item: item(CHANGES + i, "corrupted") }));
          await dynamodb.send(new PutItemCommand({ TableName: live, Item: item(ITEMS + i) }));
        }),
      ),
    );

    const config = parseConfig({
      region: REGION,
      archive: { bucket },
      services: [{ name: "bench-orders", table: { name: live, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } }, archiver: { functionName: "bench-archiver" }, onFailure: { type: "sqs", queueName: "bench-dlq" } }],
    });
    const service = config.services[0]!;
    const rows: Array<Record<string, string | number>> = [];
    for (const segments of [1, 4, 8]) {
      const job: PitrJob = {
        schemaVersion: 1, id: `bench-${segments}`, service: service.name, sourceTable: live, targetTable: restored, requestedTime: null,
        requestedBy: { id: "bench", email: "bench@example.com", name: "bench" }, startedAt: new Date().toISOString(), auditId: "bench", status: "ACTIVE",
      };
      global.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      let peak = heapBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 50);
      const { result, ms } = await timed(async () => (await (await startCompare({ s3, dynamodb }, config, service, job, { segments, latestEtag: null })).done));
      clearInterval(sampler);
      if (result.status !== "done") throw new Error(`compare failed: ${result.error}`);
      rows.push({
        segments,
        "items (live / restored)": `${result.scanned.live} / ${result.scanned.restored}`,
        "only-in-restored / only-in-live / changed": `${result.counts["only-in-restored"]} / ${result.counts["only-in-live"]} / ${result.counts.changed}`,
        "time (s)": (ms / 1000).toFixed(1),
        "items/s (both tables)": Math.round((result.scanned.live + result.scanned.restored) / (ms / 1000)),
        "peak heap growth (MB)": ((peak - heapBefore) / 1e6).toFixed(0),
      });
    }
    return [
      `Compare restored vs live, ${ITEMS.toLocaleString("en")} items, ${CHANGES} deleted + ${CHANGES} changed + ${CHANGES} created since the restore (table loaded in ${(loaded.ms / 1000).toFixed(0)} s). moto_server is single-threaded: segments overlap client and server work, they do not add server capacity.`,
      "",
      table(rows),
    ].join("\n");
  });
}
