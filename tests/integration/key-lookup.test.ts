import { beforeAll, describe, expect, it } from "vitest";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { createS3Client } from "../../lib/aws/clients";
import { findService, parseConfig } from "../../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { archiverTargetFor, archiveStreamRecord } from "../../lib/archive/archiver";
import type { KeyValue } from "../../lib/archive/attribute-value";
import { encodeKeyValue } from "../../lib/archive/key-codec";
import { ARCHIVE_SCHEMA_VERSION, type IndexEntryBody } from "../../lib/archive/archive-object";
import { indexPartitionPrefix } from "../../lib/archive/layout";
import {
  findDeletionsByKeyPrefix,
  findDeletionsByPartitionKey,
  findDeletionsInAllServices,
  type KeyLookupResult,
} from "../../lib/archive/key-lookup";
import { removeRecord } from "../support/stream-events";
import { uniqueName, motoEnv } from "../support/aws";

let region: string;
let s3: S3Client;

function configFor(bucket: string): LazarusConfig {
  const service = (name: string, partitionKey: { name: string; type: "S" | "N" | "B" }, sortKey?: string) => ({
    name,
    table: { name: `${name}-table`, partitionKey, ...(sortKey ? { sortKey: { name: sortKey, type: "S" } } : {}) },
    archiver: { functionName: `archiver-${name}` },
    onFailure: { type: "sqs", queueName: `${name}-dlq` },
  });
  return parseConfig({
    region,
    archive: { bucket, prefix: "deleted/" },
    services: [
      service("usr-contact-svc", { name: "PK", type: "S" }, "SK"),
      service("sor-service-order-svc", { name: "PK", type: "S" }, "SK"),
      service("blob-svc", { name: "id", type: "B" }),
      service("unt-svc", { name: "unitId", type: "N" }),
    ],
  });
}

async function newArchive(): Promise<LazarusConfig> {
  const bucket = uniqueName("lookup");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return configFor(bucket);
}

/** Archives deletions through the real archiver; returns each deletion's archive key. */
async function archive(config: LazarusConfig, service: ServiceConfig, deletions: Array<{ keys: Record<string, KeyValue>; at: string; ttl?: boolean }>) {
  const target = archiverTargetFor(config, service);
  const limit = pLimit(48);
  return Promise.all(
    deletions.map((d) =>
      limit(async () => {
        const outcome = await archiveStreamRecord(s3, target, removeRecord({ keys: d.keys, at: new Date(d.at), ttl: d.ttl ?? false }));
        if (outcome.status !== "archived") throw new Error(`fixture not archived: ${outcome.status}`);
        return outcome.archiveKey;
      }),
    ),
  );
}

function watchedClient() {
  const client = createS3Client({ region });
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts.set(context.commandName ?? "?", (counts.get(context.commandName ?? "?") ?? 0) + 1);
      return next(args);
    },
    { step: "initialize" },
  );
  return { client, count: (command: string) => counts.get(command) ?? 0, total: () => [...counts.values()].reduce((a, b) => a + b, 0) };
}

const archiveKeysOf = (result: KeyLookupResult) => result.deletions.map((d) => d.archiveKey).sort();

beforeAll(() => {
  ({ region } = motoEnv());
  s3 = createS3Client({ region });
});

describe("looking up deletions by partition key", () => {
  let config: LazarusConfig;
  let contacts: ServiceConfig;
  let orders: ServiceConfig;
  let blobs: ServiceConfig;
  let units: ServiceConfig;
  const LONG_A = "x".repeat(2048);
  const LONG_B = `${"x".repeat(2047)}y`;
  const MEDIUM = `${"x".repeat(170)}z`;
  const BINARY = Buffer.from([0, 1, 2, 255, 254]).toString("base64");
  const written = new Map<string, string[]>();

  beforeAll(async () => {
    config = await newArchive();
    [contacts, orders, blobs, units] = ["usr-contact-svc", "sor-service-order-svc", "blob-svc", "unt-svc"].map((n) => findService(config, n)!) as [
      ServiceConfig,
      ServiceConfig,
      ServiceConfig,
      ServiceConfig,
    ];
    const contactKeys: Array<[string, string, string, boolean?]> = [
      ["USER#1", "PROFILE", "2024-01-05T10:00:00Z"],
      ["USER#1", "PROFILE", "2024-03-05T10:00:00Z", true],
      ["USER#1", "../..", "2024-03-05T10:00:00Z"],
      ["USER#10", "PROFILE", "2024-01-05T11:00:00Z"],
      ["USER#1/ORDER#2", "LINE#1", "2024-02-01T00:00:00Z"],
      ["a#b%c", "_x_", "2024-02-02T00:00:00Z"],
      ["ünïcødé 🚀", "é", "2024-02-03T00:00:00Z"],
      [LONG_A, "PROFILE", "2024-02-04T00:00:00Z"],
      [LONG_A, "x".repeat(1024), "2024-04-04T00:00:00Z", true],
      [LONG_B, "PROFILE", "2024-02-04T00:00:00Z"],
      [MEDIUM, "PROFILE", "2024-02-05T00:00:00Z"],
    ];
    const keys = await archive(
      config,
      contacts,
      contactKeys.map(([pk, sk, at, ttl]) => ({ keys: { PK: { S: pk }, SK: { S: sk } }, at, ttl: ttl ?? false })),
    );
    contactKeys.forEach(([pk], i) => written.set(pk, [...(written.get(pk) ?? []), keys[i]!]));
    written.set("orders:USER#1", await archive(config, orders, [{ keys: { PK: { S: "USER#1" }, SK: { S: "ORDER#9" } }, at: "2024-05-01T00:00:00Z" }]));
    written.set(
      "blob",
      await archive(config, blobs, [
        { keys: { id: { B: BINARY } }, at: "2024-01-01T00:00:00Z" },
        { keys: { id: { B: BINARY } }, at: "2024-01-02T00:00:00Z" },
        { keys: { id: { B: "AAAA" } }, at: "2024-01-02T00:00:00Z" },
      ]),
    );
    written.set(
      "unit",
      await archive(config, units, [
        { keys: { unitId: { N: "12345678901234567890123456789012345678" } }, at: "2024-01-01T00:00:00Z" },
        { keys: { unitId: { N: "1234" } }, at: "2024-01-01T00:00:00Z" },
      ]),
    );
  }, 60_000);

  it("finds every deletion of a key and nothing else, from index names alone", async () => {
    const requests = watchedClient();
    const result = await findDeletionsByPartitionKey(requests.client, config, contacts, { S: "USER#1" });
    expect(archiveKeysOf(result)).toEqual([...written.get("USER#1")!].sort());
    expect(result.deletions.map((d) => `${d.deletedAt.toISOString()} ${d.deletionType}`).sort()).toEqual([
      "2024-01-05T10:00:00.000Z manual",
      "2024-03-05T10:00:00.000Z manual",
      "2024-03-05T10:00:00.000Z ttl",
    ]);
    expect(result.deletions.map((d) => d.sortKey).filter((k) => !k?.hashed && "S" in k!.value && k!.value.S === "../..")).toHaveLength(1);
    expect(result).toMatchObject({ truncated: false, unreadable: [] });
    expect(requests.count("ListObjectsV2Command")).toBe(1);
    expect(requests.count("GetObjectCommand")).toBe(0);
  });

  it("finds keys with '/', '#', '%' and unicode", async () => {
    for (const pk of ["USER#1/ORDER#2", "a#b%c", "ünïcødé 🚀", "USER#10", MEDIUM]) {
      const result = await findDeletionsByPartitionKey(s3, config, contacts, { S: pk });
      expect(archiveKeysOf(result), pk).toEqual(written.get(pk));
      expect(result.deletions[0]?.partitionKey).toEqual({ hashed: false, value: { S: pk } });
    }
  });

  it("finds 2,048-byte keys by their full value, confirmed against the index entries", async () => {
    const requests = watchedClient();
    const result = await findDeletionsByPartitionKey(requests.client, config, contacts, { S: LONG_A });
    expect(archiveKeysOf(result)).toEqual([...written.get(LONG_A)!].sort());
    expect(result.deletions.every((d) => !d.partitionKey.hashed && "S" in d.partitionKey.value && d.partitionKey.value.S === LONG_A)).toBe(true);
    expect(result.deletions.map((d) => d.sortKey)).toContainEqual({ hashed: false, value: { S: "x".repeat(1024) } });
    expect(requests.count("GetObjectCommand")).toBe(2);
    expect(archiveKeysOf(await findDeletionsByPartitionKey(s3, config, contacts, { S: LONG_B }))).toEqual(written.get(LONG_B));
  });

  it("finds binary and 38-digit number keys", async () => {
    const blob = await findDeletionsByPartitionKey(s3, config, blobs, { B: BINARY });
    expect(archiveKeysOf(blob)).toEqual([...written.get("blob")!.slice(0, 2)].sort());
    expect(blob.deletions[0]?.partitionKey).toEqual({ hashed: false, value: { B: BINARY } });
    const unit = await findDeletionsByPartitionKey(s3, config, units, { N: "12345678901234567890123456789012345678" });
    expect(archiveKeysOf(unit)).toEqual([written.get("unit")![0]]);
    expect((await findDeletionsByPartitionKey(s3, config, contacts, { S: "USER#404" })).deletions).toEqual([]);
  });

  it("finds every key that starts with a prefix", async () => {
    const user1 = await findDeletionsByKeyPrefix(s3, config, contacts, "USER#1");
    expect(archiveKeysOf(user1)).toEqual([...written.get("USER#1")!, ...written.get("USER#10")!, ...written.get("USER#1/ORDER#2")!].sort());
    expect(archiveKeysOf(await findDeletionsByKeyPrefix(s3, config, contacts, "USER#1/"))).toEqual(written.get("USER#1/ORDER#2"));
    expect(archiveKeysOf(await findDeletionsByKeyPrefix(s3, config, contacts, "ünï"))).toEqual(written.get("ünïcødé 🚀"));
    expect(archiveKeysOf(await findDeletionsByKeyPrefix(s3, config, units, "1234"))).toEqual([...written.get("unit")!].sort());
  });

  it("confirms prefixes longer than a hashed name shows against the full keys", async () => {
    const all = [...written.get(LONG_A)!, ...written.get(LONG_B)!, ...written.get(MEDIUM)!].sort();
    expect(archiveKeysOf(await findDeletionsByKeyPrefix(s3, config, contacts, "x".repeat(160)))).toEqual(all);
    expect(archiveKeysOf(await findDeletionsByKeyPrefix(s3, config, contacts, "x".repeat(171)))).toEqual([...written.get(LONG_A)!, ...written.get(LONG_B)!].sort());
    expect(archiveKeysOf(await findDeletionsByKeyPrefix(s3, config, contacts, LONG_B))).toEqual(written.get(LONG_B));
    expect(archiveKeysOf(await findDeletionsByKeyPrefix(s3, config, contacts, `${"x".repeat(2000)}z`))).toEqual([]);
  });

  it("stops at the limit and says so", async () => {
    const result = await findDeletionsByKeyPrefix(s3, config, contacts, "USER#1", { limit: 2 });
    expect(result.deletions).toHaveLength(2);
    expect(result.truncated).toBe(true);
  });

  it("looks in every service whose key can match", async () => {
    const result = await findDeletionsInAllServices(s3, config, { partitionKey: { S: "USER#1" } });
    expect(result.services).toEqual(["usr-contact-svc", "sor-service-order-svc"]);
    expect(result.deletions.map((d) => d.service).sort()).toEqual(["sor-service-order-svc", "usr-contact-svc", "usr-contact-svc", "usr-contact-svc"]);
    expect(archiveKeysOf(result)).toEqual([...written.get("USER#1")!, ...written.get("orders:USER#1")!].sort());
    const byPrefix = await findDeletionsInAllServices(s3, config, { keyPrefix: "USER#1/" });
    expect(byPrefix.services).toEqual(["usr-contact-svc", "sor-service-order-svc", "unt-svc"]);
    expect(archiveKeysOf(byPrefix)).toEqual(written.get("USER#1/ORDER#2"));
  });

  it("reads entries that point into a bundle, and reports unreadable entries without failing", async () => {
    const base = indexPartitionPrefix(config.archive.prefix, contacts.name, encodeKeyValue({ S: "USER#3" }));
    const bundled: IndexEntryBody = {
      schemaVersion: ARCHIVE_SCHEMA_VERSION,
      archiveKey: "deleted/usr-contact-svc/2023/06/01/120000Z_manual_USER#3_PROFILE_0123456789abcdef.json",
      bundle: { key: "deleted/usr-contact-svc/2023/06/_sealed/01/part-000001-0123abcd-0000.jsonl.gz", offset: 4096, length: 812 },
      keys: { PK: { S: "USER#3" }, SK: { S: "PROFILE" } },
      deletedAt: "2023-06-01T12:00:00.000Z",
      deletionType: "manual",
    };
    const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: key, Body: body }));
    await put(`${base}2023/06/01/120000Z_manual_USER#3_PROFILE_0123456789abcdef.bundled.json`, JSON.stringify(bundled));
    await put(`${base}2023/06/02/garbage.json`, "not an index entry");
    const result = await findDeletionsByPartitionKey(s3, config, contacts, { S: "USER#3" });
    expect(result.deletions).toEqual([
      expect.objectContaining({ archiveKey: bundled.archiveKey, bundle: bundled.bundle, deletedAt: new Date(bundled.deletedAt), sortKey: { hashed: false, value: { S: "PROFILE" } } }),
    ]);
    expect(result.unreadable).toEqual([expect.objectContaining({ indexKey: `${base}2023/06/02/garbage.json`, reason: expect.stringContaining("not valid JSON") })]);
  });
});

describe("lookup cost", () => {
  // 1,100 is enough: more index entries than one LIST page holds, on every day of the year.
  it("does not grow with the size of the archive (20 vs 1,100 unrelated deletions)", async () => {
    const measure = async (unrelated: number) => {
      const config = await newArchive();
      const contacts = findService(config, "usr-contact-svc")!;
      const target = await archive(config, contacts, [
        { keys: { PK: { S: "CUSTOMER#42" }, SK: { S: "PROFILE" } }, at: "2024-01-01T08:00:00Z" },
        { keys: { PK: { S: "CUSTOMER#42" }, SK: { S: "PROFILE" } }, at: "2024-06-01T08:00:00Z", ttl: true },
        { keys: { PK: { S: "CUSTOMER#42" }, SK: { S: "ADDRESS#1" } }, at: "2024-12-31T23:59:59Z" },
      ]);
      await archive(
        config,
        contacts,
        Array.from({ length: unrelated }, (_, i) => ({
          // Neighbours of the key on both sides, in the index and in the day folders.
          keys: { PK: { S: `CUSTOMER#${i % 2 ? 41 : 43}-${i}` }, SK: { S: `PROFILE#${i}` } },
          at: new Date(Date.UTC(2024, 0, 1) + (i % 366) * 86_400_000 + i * 1000).toISOString(),
        })),
      );
      const requests = watchedClient();
      const exact = await findDeletionsByPartitionKey(requests.client, config, contacts, { S: "CUSTOMER#42" });
      expect(archiveKeysOf(exact)).toEqual([...target].sort());
      const exactRequests = requests.total();
      const prefix = await findDeletionsByKeyPrefix(requests.client, config, contacts, "CUSTOMER#42");
      expect(archiveKeysOf(prefix)).toEqual([...target].sort());
      return { exact: exactRequests, prefix: requests.total() - exactRequests, lists: requests.count("ListObjectsV2Command") };
    };
    const small = await measure(20);
    const large = await measure(1_100);
    expect(small).toEqual({ exact: 1, prefix: 1, lists: 2 });
    expect(large).toEqual(small);
  }, 120_000);
});
