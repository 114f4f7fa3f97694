import { beforeAll, describe, expect, it } from "vitest";
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { createS3Client } from "../../lib/aws/clients";
import { findService, parseConfig } from "../../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { archiverTargetFor, archiveStreamRecord, type ArchiverTarget } from "../../lib/archive/archiver";
import {
  ArchiveInputError,
  getArchivedRecord,
  listDayRecords,
  listDays,
  listMonths,
  listServices,
  listYears,
  type DayEntry,
} from "../../lib/archive/archive-reader";
import type { AttributeMap, KeyValue } from "../../lib/archive/attribute-value";
import { archiveObjectKey, dayPrefix } from "../../lib/archive/layout";
import { removeRecord } from "../support/stream-events";
import { uniqueName, motoEnv } from "../support/aws";

const PREFIX = "archive/";
let s3: S3Client;
let config: LazarusConfig;
let contacts: ServiceConfig;
let orders: ServiceConfig;

/** A client of its own that counts what the reader sends, and the page sizes it asks for. */
function watchedClient() {
  const client = createS3Client({ region: config.region });
  const counts = new Map<string, number>();
  const maxKeys: number[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? "?";
      counts.set(name, (counts.get(name) ?? 0) + 1);
      if (name === "ListObjectsV2Command") maxKeys.push((args.input as { MaxKeys?: number }).MaxKeys ?? Infinity);
      return next(args);
    },
    { step: "initialize" },
  );
  return { client, count: (command: string) => counts.get(command) ?? 0, maxKeys };
}

function targetOf(service: ServiceConfig): ArchiverTarget {
  return archiverTargetFor(config, service);
}

async function archive(service: ServiceConfig, deletions: Array<{ keys: Record<string, KeyValue>; at: Date; ttl?: boolean; extra?: AttributeMap }>) {
  const limit = pLimit(32);
  return Promise.all(
    deletions.map((d) =>
      limit(async () => {
        const outcome = await archiveStreamRecord(s3, targetOf(service), removeRecord({ keys: d.keys, at: d.at, ttl: d.ttl ?? false, oldImage: { ...d.keys, ...d.extra } }));
        if (outcome.status !== "archived") throw new Error(`fixture not archived: ${outcome.status}`);
        return outcome.archiveKey;
      }),
    ),
  );
}

async function put(key: string, body: string, extra: { StorageClass?: "GLACIER" | "DEEP_ARCHIVE" } = {}) {
  await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: key, Body: body, ...extra }));
}

async function readWholeDay(client: S3Client, service: ServiceConfig, day: { year: number; month: number; day: number }, limit: number) {
  const pages: DayEntry[][] = [];
  let cursor: string | undefined;
  do {
    const page = await listDayRecords(client, config, service, day, { limit, ...(cursor ? { cursor } : {}) });
    pages.push(page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

beforeAll(async () => {
  const { region } = motoEnv();
  s3 = createS3Client({ region });
  const bucket = uniqueName("reader");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  config = parseConfig({
    region,
    archive: { bucket, prefix: PREFIX },
    services: [
      {
        name: "usr-contact-svc",
        description: "Customer contacts",
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" }, ttlAttribute: "expiresAt" },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
      {
        name: "sor-service-order-svc",
        table: { name: "sor-service-order", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-order" },
        onFailure: { type: "s3", bucket: "order-failures" },
      },
    ],
  });
  contacts = findService(config, "usr-contact-svc")!;
  orders = findService(config, "sor-service-order-svc")!;
});

describe("services", () => {
  it("lists the configured services with their tables and keys", () => {
    expect(listServices(config)).toEqual([
      {
        name: "usr-contact-svc",
        table: "usr-contact",
        description: "Customer contacts",
        partitionKey: { name: "PK", type: "S" },
        sortKey: { name: "SK", type: "S" },
      },
      { name: "sor-service-order-svc", table: "sor-service-order", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
    ]);
  });
});

describe("years, months and days", () => {
  beforeAll(async () => {
    await archive(contacts, [
      { keys: { PK: { S: "USER#1" }, SK: { S: "PROFILE" } }, at: new Date("2023-12-31T12:00:00Z") },
      { keys: { PK: { S: "USER#2" }, SK: { S: "PROFILE" } }, at: new Date("2024-01-31T00:00:00Z"), ttl: true },
      { keys: { PK: { S: "USER#3" }, SK: { S: "PROFILE" } }, at: new Date("2024-01-31T23:59:59Z") },
      { keys: { PK: { S: "USER#3" }, SK: { S: "PROFILE" } }, at: new Date("2024-01-31T23:59:59Z") },
      { keys: { PK: { S: "USER#4" }, SK: { S: "SESSION#1" } }, at: new Date("2024-02-01T00:00:00Z"), ttl: true },
      { keys: { PK: { S: "USER#4" }, SK: { S: "SESSION#2" } }, at: new Date("2024-02-01T00:00:01Z"), ttl: true },
      { keys: { PK: { S: "USER#5" }, SK: { S: "PROFILE" } }, at: new Date("2024-02-29T08:00:00Z") },
    ]);
    const raw = removeRecord({ keys: { PK: { S: "USER#9" }, SK: { S: "PROFILE" } }, at: new Date("2024-01-31T10:00:00Z") });
    await put(`${PREFIX}usr-contact-svc/2024/01/31/USER#9_PROFILE.json`, JSON.stringify(raw));
    await put(`${PREFIX}usr-contact-svc/2024/02/01/notes.txt`, "not an archive object");
    await put(`${PREFIX}usr-contact-svc/2024/02/stray.json`, "{}");
  });

  it("finds years and months with one delimited LIST each, skipping the index", async () => {
    const requests = watchedClient();
    expect(await listYears(requests.client, config, contacts)).toEqual([2023, 2024]);
    expect(await listMonths(requests.client, config, contacts, 2024)).toEqual([
      { year: 2024, month: 1 },
      { year: 2024, month: 2 },
    ]);
    expect(requests.count("ListObjectsV2Command")).toBe(2);
    await expect(listMonths(requests.client, config, contacts, 24)).rejects.toThrow(ArchiveInputError);
  });

  it("counts each day's deletions by type on both sides of a month boundary, from names and one sealed-days summary per month", async () => {
    const requests = watchedClient();
    const january = await listDays(requests.client, config, contacts, { year: 2024, month: 1 });
    const february = await listDays(requests.client, config, contacts, { year: 2024, month: 2 });
    expect(january.days).toEqual([
      { date: "2024-01-31", day: { year: 2024, month: 1, day: 31 }, objects: 4, records: 3, ttl: 1, manual: 2, legacy: 1, unknown: 0 },
    ]);
    expect(february.days).toEqual([
      { date: "2024-02-01", day: { year: 2024, month: 2, day: 1 }, objects: 3, records: 2, ttl: 2, manual: 0, legacy: 0, unknown: 1 },
      { date: "2024-02-29", day: { year: 2024, month: 2, day: 29 }, objects: 1, records: 1, ttl: 0, manual: 1, legacy: 0, unknown: 0 },
    ]);
    expect(february.outsideDays).toBe(1);
    expect((await listDays(requests.client, config, contacts, { year: 2023, month: 12 })).days.map((d) => [d.date, d.records])).toEqual([["2023-12-31", 1]]);
    expect(requests.count("ListObjectsV2Command")).toBe(3);
    expect(requests.count("GetObjectCommand")).toBe(3);
    await expect(listDays(requests.client, config, contacts, { year: 2024, month: 13 })).rejects.toThrow(ArchiveInputError);
  });
});

describe("a day's records", () => {
  const bigDay = { year: 2024, month: 3, day: 10 };
  const RECORDS = 1_500;
  let written: string[];

  beforeAll(async () => {
    written = await archive(
      orders,
      Array.from({ length: RECORDS }, (_, i) => ({
        keys: { PK: { S: `ORDER#${i % 700}` }, SK: { S: `LINE#${i}` } },
        at: new Date(Date.UTC(2024, 2, 10, 0, 0, 0) + i * 30_000),
        ttl: i % 3 === 0,
      })),
    );
    // Neighbouring days must not leak into the listing.
    await archive(orders, [
      { keys: { PK: { S: "ORDER#1" }, SK: { S: "LINE#x" } }, at: new Date("2024-03-09T23:59:59Z") },
      { keys: { PK: { S: "ORDER#1" }, SK: { S: "LINE#y" } }, at: new Date("2024-03-11T00:00:00Z") },
    ]);
  }, 120_000);

  it("pages through more than 1,000 records, each exactly once, one LIST per page of at most 1,000 and one GET for the day's manifest", async () => {
    const requests = watchedClient();
    const pages = await readWholeDay(requests.client, orders, bigDay, 1000);
    expect(pages.map((p) => p.length)).toEqual([1000, 500]);
    expect(requests.count("ListObjectsV2Command")).toBe(2);
    // The day is old enough to be sealed, so each page asks for its manifest (absent here).
    expect(requests.count("GetObjectCommand")).toBe(2);
    const keys = pages.flat().map((e) => e.archiveKey);
    expect(new Set(keys).size).toBe(RECORDS);
    expect([...keys].sort()).toEqual([...written].sort());
    expect(pages.flat().every((e) => e.kind === "record")).toBe(true);
    expect(requests.maxKeys.every((n) => n <= 1000)).toBe(true);
  });

  it("honours smaller page sizes without losing or repeating a record", async () => {
    const requests = watchedClient();
    const pages = await readWholeDay(requests.client, orders, bigDay, 333);
    expect(pages.length).toBe(Math.ceil(RECORDS / 333));
    expect(pages.every((p) => p.length <= 333)).toBe(true);
    expect(new Set(pages.flat().map((e) => e.archiveKey)).size).toBe(RECORDS);
    expect(requests.maxKeys.every((n) => n === 333)).toBe(true);
  });

  it("shows key, time and type of each record from its name", async () => {
    const [first] = (await listDayRecords(s3, config, orders, bigDay, { limit: 1 })).entries;
    expect(first).toMatchObject({
      kind: "record",
      deletedAt: new Date("2024-03-10T00:00:00Z"),
      deletionType: "ttl",
      partitionKey: { hashed: false, value: { S: "ORDER#0" } },
      sortKey: { hashed: false, value: { S: "LINE#0" } },
      storageClass: "STANDARD",
    });
    expect(first?.size).toBeGreaterThan(0);
    expect(first?.lastModified).toBeInstanceOf(Date);
  });

  it("refuses page sizes over 1,000 and cursors of another day or service", async () => {
    await expect(listDayRecords(s3, config, orders, bigDay, { limit: 1001 })).rejects.toThrow(/from 1 to 1000/);
    const { nextCursor } = await listDayRecords(s3, config, orders, bigDay, { limit: 10 });
    expect(nextCursor).toBeDefined();
    await expect(listDayRecords(s3, config, orders, { ...bigDay, day: 11 }, { cursor: nextCursor! })).rejects.toThrow(ArchiveInputError);
    await expect(listDayRecords(s3, config, contacts, bigDay, { cursor: nextCursor! })).rejects.toThrow(ArchiveInputError);
    await expect(listDayRecords(s3, config, orders, { year: 2024, month: 2, day: 30 })).rejects.toThrow(/calendar date/);
  });
});

describe("legacy, corrupt and foreign objects", () => {
  const day = { year: 2024, month: 5, day: 2 };
  const at = new Date("2024-05-02T09:15:00Z");
  const base = dayPrefix(PREFIX, "usr-contact-svc", day);
  const legacyKeys = { PK: { S: "USER#77" }, SK: { S: "PROFILE" } };
  const corruptKey = archiveObjectKey({ prefix: PREFIX, service: "usr-contact-svc", deletedAt: at, deletionType: "manual", partitionKey: { S: "USER#8" }, sortKey: { S: "P" }, eventId: "x" });
  let archivedKey: string;

  beforeAll(async () => {
    [archivedKey] = (await archive(contacts, [
      {
        keys: { PK: { S: "USER#5" }, SK: { S: "PROFILE" } },
        at,
        ttl: true,
        extra: { balance: { N: "12345678901234567890123456789012345678" }, avatar: { B: "AAEC/w==" }, tags: { SS: ["a", "b"] }, expiresAt: { N: "1714641300" } },
      },
    ])) as [string];
    // The seed's layout: the raw stream record, named {PK}_{SK}.json, TTL identity in the Lambda shape.
    const raw = removeRecord({ keys: legacyKeys, at, ttl: true, oldImage: { ...legacyKeys, email: { S: "old@example.com" } } });
    await put(`${base}USER#77_PROFILE.json`, JSON.stringify(raw));
    await put(corruptKey, '{"schemaVersion":1,"service":"usr-contact-svc","tab');
    await put(`${base}USER#88_PROFILE.json`, JSON.stringify({ invoice: 17, total: "9.99" }));
    await put(`${base}export.csv`, "a,b,c\n");
    await put(`${base}USER#99_PROFILE.json`, JSON.stringify(removeRecord({ keys: { PK: { S: "USER#99" }, SK: { S: "PROFILE" } }, at })), { StorageClass: "GLACIER" });
  });

  it("lists every object of the day with what its name tells", async () => {
    const { entries, nextCursor } = await listDayRecords(s3, config, contacts, day, { limit: 100 });
    expect(nextCursor).toBeUndefined();
    const byKey = new Map(entries.map((e) => [e.archiveKey, e]));
    expect(byKey.get(archivedKey)).toMatchObject({ kind: "record", deletionType: "ttl" });
    expect(byKey.get(`${base}USER#77_PROFILE.json`)).toMatchObject({ kind: "legacy", name: "USER#77_PROFILE.json" });
    expect(byKey.get(`${base}export.csv`)).toMatchObject({ kind: "unknown", reason: "not a .json object" });
    expect(byKey.get(`${base}USER#99_PROFILE.json`)).toMatchObject({ kind: "legacy", storageClass: "GLACIER" });
    expect(entries).toHaveLength(6);
  });

  it("reads an archived record back exactly, with its storage facts", async () => {
    const result = await getArchivedRecord(s3, config, contacts, archivedKey);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.deletion).toMatchObject({ format: "lazarus-v1", service: "usr-contact-svc", table: "usr-contact", deletionType: "ttl", deletedAt: at });
    expect(result.deletion.oldImage).toEqual({
      PK: { S: "USER#5" },
      SK: { S: "PROFILE" },
      balance: { N: "12345678901234567890123456789012345678" },
      avatar: { B: "AAEC/w==" },
      tags: { SS: ["a", "b"] },
      expiresAt: { N: "1714641300" },
    });
    expect(result.storageClass).toBe("STANDARD");
    expect(result.size).toBeGreaterThan(100);
    expect(result.versionId).toBeTruthy();
  });

  it("previews the seed's {PK}_{SK}.json objects", async () => {
    const result = await getArchivedRecord(s3, config, contacts, `${base}USER#77_PROFILE.json`);
    expect(result).toMatchObject({
      ok: true,
      deletion: { format: "legacy", service: "usr-contact-svc", deletionType: "ttl", keys: legacyKeys, oldImage: { ...legacyKeys, email: { S: "old@example.com" } } },
    });
  });

  it("returns damaged, foreign, missing and Glacier objects as errors, not exceptions", async () => {
    expect(await getArchivedRecord(s3, config, contacts, corruptKey)).toMatchObject({ ok: false, error: { kind: "corrupt" } });
    expect(await getArchivedRecord(s3, config, contacts, `${base}USER#88_PROFILE.json`)).toMatchObject({ ok: false, error: { kind: "foreign" } });
    expect(await getArchivedRecord(s3, config, contacts, `${base}export.csv`)).toMatchObject({ ok: false, error: { kind: "foreign" } });
    expect(await getArchivedRecord(s3, config, contacts, `${base}gone.json`)).toMatchObject({ ok: false, error: { kind: "not-found" } });
    expect(await getArchivedRecord(s3, config, contacts, `${base}USER#99_PROFILE.json`)).toMatchObject({
      ok: false,
      error: { kind: "archived-in-glacier", storageClass: "GLACIER", message: expect.stringContaining("restored") },
    });
  });

  it("reads only keys inside the service's day folders", async () => {
    const indexKey = archivedKey.replace(`${PREFIX}usr-contact-svc/`, `${PREFIX}usr-contact-svc/_by-key/USER#5/`);
    await expect(getArchivedRecord(s3, config, contacts, indexKey)).rejects.toThrow(ArchiveInputError);
    await expect(getArchivedRecord(s3, config, orders, archivedKey)).rejects.toThrow(/not under/);
    await expect(getArchivedRecord(s3, config, contacts, `${base}../../../../sor-service-order-svc/2024/03/10/x.json`)).rejects.toThrow(ArchiveInputError);
  });
});
