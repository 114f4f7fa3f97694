import { beforeAll, describe, expect, it } from "vitest";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { createS3Client } from "../../lib/aws/clients";
import { findService, parseConfig } from "../../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { archiverTargetFor, archiveStreamRecord } from "../../lib/archive/archiver";
import { deletionStats } from "../../lib/archive/deletion-stats";
import { removeRecord } from "../support/stream-events";
import { uniqueName, motoEnv } from "../support/aws";

let s3: S3Client;
let config: LazarusConfig;
let service: ServiceConfig;
const NOW = new Date("2024-03-05T10:00:00Z");

function counted() {
  const client = createS3Client({ region: config.region });
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts.set(context.commandName ?? "?", (counts.get(context.commandName ?? "?") ?? 0) + 1);
      return next(args);
    },
    { step: "initialize" },
  );
  return { client, count: (name: string) => counts.get(name) ?? 0 };
}

beforeAll(async () => {
  const { region } = motoEnv();
  s3 = createS3Client({ region });
  const bucket = uniqueName("stats");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  config = parseConfig({
    region,
    archive: { bucket },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" } },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
    ],
  });
  service = findService(config, "usr-contact-svc")!;
  const deletions: Array<[string, boolean]> = [
    ["2024-03-05T09:59:00Z", true], // today
    ["2024-03-05T00:00:00Z", false],
    ["2024-02-28T23:59:59Z", true], // 6 days ago: inside last 7
    ["2024-02-27T12:00:00Z", false], // 7 days ago: last 30 only
    ["2024-02-29T08:00:00Z", false],
    ["2024-02-05T00:00:00Z", true], // 29 days ago: the oldest day counted
    ["2024-02-04T23:59:59Z", true], // 30 days ago: outside
    ["2024-01-31T00:00:00Z", false], // another month, outside
  ];
  const limit = pLimit(8);
  await Promise.all(
    deletions.map(([at, ttl], i) =>
      limit(() => archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys: { PK: { S: `USER#${i}` } }, at: new Date(at), ttl }))),
    ),
  );
  // The seed's layout: its type is only known by reading it.
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "usr-contact-svc/2024/03/01/USER#9_PROFILE.json", Body: "{}" }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "usr-contact-svc/2024/03/01/notes.txt", Body: "not a deletion" }));
});

describe("deletion stats", () => {
  it("counts the last 7 and 30 UTC days from names, one LIST and one sealed-days summary per month touched", async () => {
    const requests = counted();
    const stats = await deletionStats(requests.client, config, service, NOW);

    expect(stats.service).toBe("usr-contact-svc");
    expect(stats.perDay).toHaveLength(30);
    expect(stats.perDay[0]?.date).toBe("2024-02-05");
    expect(stats.perDay.at(-1)).toEqual({ date: "2024-03-05", ttl: 1, manual: 1, unknown: 0 });
    expect(stats.perDay.find((d) => d.date === "2024-03-01")).toEqual({ date: "2024-03-01", ttl: 0, manual: 0, unknown: 1 });
    expect(stats.last7).toEqual({ ttl: 2, manual: 2, unknown: 1, total: 5 });
    expect(stats.last30).toEqual({ ttl: 3, manual: 3, unknown: 1, total: 7 });
    expect(stats.approximate).toBe(true);
    expect(requests.count("ListObjectsV2Command")).toBe(2);
    expect(requests.count("GetObjectCommand")).toBe(2);
  });

  it("is exact and zero-filled where there is nothing to guess", async () => {
    const stats = await deletionStats(s3, config, service, new Date("2023-06-15T00:00:00Z"));
    expect(stats.last30).toEqual({ ttl: 0, manual: 0, unknown: 0, total: 0 });
    expect(stats.perDay.every((d) => d.ttl + d.manual + d.unknown === 0)).toBe(true);
    expect(stats.approximate).toBe(false);
  });
});
