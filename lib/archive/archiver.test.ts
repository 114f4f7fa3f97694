import { ListObjectsV2Command, PutObjectCommand, S3ServiceException, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  insertRecord,
  keyValue,
  modifyRecord,
  removeRecord,
  removeRecordOf,
  streamEvent,
  toStreamsApiShape,
} from "../../tests/support/stream-events";
import { createS3Client } from "../aws/clients";
import { MAX_PREFIX_BYTES } from "../config/schema";
import { indexEntryBodySchema, parseArchiveObject } from "./archive-object";
import { archiveStreamRecord, createArchiverHandler, type ArchiverTarget } from "./archiver";
import type { KeyValue } from "./attribute-value";
import { decodeKeyValue, encodeKeyValue, isHashedEncoding } from "./key-codec";
import { archiveKeyForIndexEntry, datePath, indexPartitionPrefix, parseArchiveName, recordId, splitDatedKey } from "./layout";

// Nothing may reach a network: the endpoint is a closed port and every send is stubbed.
const s3 = createS3Client({ region: "us-east-1", endpoint: "http://127.0.0.1:9" });
const s3Mock = mockClient(s3);

const target: ArchiverTarget = { bucket: "archive", prefix: "", service: "usr-contact-svc", table: "usr-contact", partitionKey: "PK", sortKey: "SK" };
const archivedAt = new Date("2024-03-05T12:00:00.000Z");
const deletedAt = new Date("2024-03-05T10:15:00.000Z");
const handler = createArchiverHandler({ s3, target, now: () => archivedAt });

const puts = (): PutObjectCommandInput[] => s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
const bodyOf = (put: PutObjectCommandInput | undefined) => String(put?.Body);

function s3Error(name: string, status: number, message = `${name} (injected)`) {
  return new S3ServiceException({ name, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status }, message });
}

const contact = {
  keys: { PK: { S: "USER#1" }, SK: { S: "PROFILE" } },
  oldImage: {
    PK: { S: "USER#1" },
    SK: { S: "PROFILE" },
    email: { S: "ana@example.com" },
    balance: { N: "12345678901234567890123456789012345678" },
    avatar: { B: "AAECAwQ=" },
    tags: { SS: ["a", "b"] },
    address: { M: { city: { S: "Lisboa" }, lines: { L: [{ S: "Rua 1" }, { NULL: true as const }] } } },
  },
};

let logs: string[] = [];

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({ ETag: '"etag"' });
  // No key is erased: the ledger folder lists empty.
  s3Mock.on(ListObjectsV2Command).resolves({});
  logs = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(" ")));
  }
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("archiver handler", () => {
  it("archives a manual REMOVE as one conditional JSON object plus its index entry", async () => {
    const record = removeRecord({ ...contact, at: deletedAt });

    await expect(handler(streamEvent(record))).resolves.toEqual({ batchItemFailures: [] });

    const [archive, index] = puts();
    expect(puts()).toHaveLength(2);
    expect(archive).toMatchObject({ Bucket: "archive", IfNoneMatch: "*", ContentType: "application/json" });
    expect(archive?.Key).toMatch(/^usr-contact-svc\/2024\/03\/05\/101500Z_manual_USER#1_PROFILE_[0-9a-f]{16}\.json$/);
    const archived = parseArchiveObject(bodyOf(archive), { service: "usr-contact-svc" });
    expect(archived).toMatchObject({
      format: "lazarus-v1",
      service: "usr-contact-svc",
      table: "usr-contact",
      deletionType: "manual",
      deletedAt,
      archivedAt,
      eventId: record.eventID,
      sequenceNumber: record.dynamodb?.SequenceNumber,
    });
    expect(archived.keys).toEqual(contact.keys);
    expect(archived.oldImage).toEqual(contact.oldImage);

    expect(index).toMatchObject({ Bucket: "archive", IfNoneMatch: "*", ContentType: "application/json" });
    expect(index?.Key).toBe(`usr-contact-svc/_by-key/USER#1/2024/03/05/${archive?.Key?.split("/").pop()}`);
    expect(indexEntryBodySchema.parse(JSON.parse(bodyOf(index)))).toEqual({
      schemaVersion: 1,
      archiveKey: archive?.Key,
      bundle: null,
      keys: contact.keys,
      deletedAt: deletedAt.toISOString(),
      deletionType: "manual",
    });
  });

  it("marks a REMOVE made by the DynamoDB service principal as a TTL deletion (Lambda shape)", async () => {
    await handler(streamEvent(removeRecord({ ...contact, at: deletedAt, ttl: true })));

    const [archive, index] = puts();
    expect(archive?.Key).toMatch(/\/101500Z_ttl_USER#1_PROFILE_/);
    expect(parseArchiveObject(bodyOf(archive), { service: "x" }).deletionType).toBe("ttl");
    expect(JSON.parse(bodyOf(index)).deletionType).toBe("ttl");
  });

  it("reads the Streams API shape (Type/PrincipalId, Date, Uint8Array) to the same name and item", async () => {
    const lambda = removeRecord({ ...contact, at: deletedAt, ttl: true });
    const api = toStreamsApiShape(lambda);
    expect(api.userIdentity).toEqual({ Type: "Service", PrincipalId: "dynamodb.amazonaws.com" });
    expect(api.dynamodb?.OldImage?.avatar?.B).toBeInstanceOf(Uint8Array);

    await handler(streamEvent(api));
    await handler(streamEvent(lambda));

    const [fromApi, , fromLambda] = puts();
    expect(fromApi?.Key).toBe(fromLambda?.Key);
    const archived = parseArchiveObject(bodyOf(fromApi), { service: "x" });
    expect(archived.deletionType).toBe("ttl");
    expect(archived.deletedAt).toEqual(deletedAt);
    expect(archived.oldImage).toEqual(contact.oldImage);
  });

  it("writes nothing for INSERT and MODIFY records", async () => {
    const response = await handler(streamEvent(insertRecord(contact), modifyRecord({ ...contact, newImage: { ...contact.oldImage, email: { S: "new@example.com" } } })));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(puts()).toEqual([]);
  });

  it("archives only the REMOVE records of a mixed batch", async () => {
    const manual = removeRecord({ keys: { PK: { S: "A" }, SK: { S: "1" } }, at: deletedAt });
    const ttl = removeRecord({ keys: { PK: { S: "B" }, SK: { S: "2" } }, at: deletedAt, ttl: true });
    const event = streamEvent(insertRecord(contact), manual, modifyRecord(contact), ttl);

    await expect(handler(event)).resolves.toEqual({ batchItemFailures: [] });

    const archiveKeys = puts().map((p) => p.Key).filter((k) => !k?.includes("/_by-key/"));
    expect(archiveKeys.sort()).toEqual([expect.stringContaining("_manual_A_1_"), expect.stringContaining("_ttl_B_2_")]);
    expect(puts()).toHaveLength(4);
    expect(JSON.parse(logs.at(-1) ?? "{}")).toMatchObject({ records: 4, archived: 2, ignored: 2, failed: 0 });
  });

  it("fails a REMOVE without OldImage with a message about the stream view type", async () => {
    const keysOnly = removeRecord({ keys: { PK: { S: "K" }, SK: { S: "1" } }, oldImage: null });
    const fine = removeRecord(contact);

    const response = await handler(streamEvent(fine, keysOnly));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: keysOnly.dynamodb?.SequenceNumber }] });
    expect(logs.join("\n")).toMatch(/no OldImage.*NEW_AND_OLD_IMAGES/);
  });

  it("fails a record whose Keys lack the configured partition or sort key, naming the attribute", async () => {
    const noPartition = removeRecord({ keys: { id: { S: "1" }, SK: { S: "1" } } });
    const noSort = removeRecord({ keys: { PK: { S: "1" } } });

    const response = await handler(streamEvent(removeRecord(contact), noPartition, noSort));

    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [noPartition.dynamodb?.SequenceNumber, noSort.dynamodb?.SequenceNumber].sort(),
    );
    expect(logs.join("\n")).toContain(`Keys have no \\"PK\\" attribute, the table's configured partition key`);
    expect(logs.join("\n")).toContain(`Keys have no \\"SK\\" attribute, the table's configured sort key`);
  });

  it("reports exactly the record whose write S3 refused, and archives the others", async () => {
    const records = ["A", "BROKEN", "C"].map((pk) => removeRecord({ keys: { PK: { S: pk }, SK: { S: "1" } } }));
    s3Mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      if (input.Key?.includes("BROKEN")) throw s3Error("InternalError", 500);
      return {};
    });

    const response = await handler(streamEvent(...records));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[1]?.dynamodb?.SequenceNumber }] });
    expect(puts().filter((p) => !p.Key?.includes("BROKEN"))).toHaveLength(4);
    const summary = JSON.parse(logs.find((l) => l.includes("archiver batch processed")) ?? "{}");
    expect(summary).toMatchObject({ archived: 2, failed: 1, failures: [{ sequenceNumber: records[1]?.dynamodb?.SequenceNumber }] });
    expect(summary.failures[0].error).toMatch(/writing the archive object .* failed \(500 InternalError/);
  });

  it("fails the record when only its index entry could not be written", async () => {
    s3Mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      if (input.Key?.includes("/_by-key/USER#1/")) throw s3Error("SlowDown", 503);
      return {};
    });
    const record = removeRecord({ ...contact, at: deletedAt });

    const response = await handler(streamEvent(record, removeRecord({ keys: { PK: { S: "X" }, SK: { S: "1" } } })));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber }] });
    expect(puts().filter((p) => p.Key?.includes("USER#1")).map((p) => p.Key)).toEqual([
      expect.stringMatching(/^usr-contact-svc\/2024\//),
      expect.stringMatching(/^usr-contact-svc\/_by-key\/USER#1\//),
    ]);
    expect(logs.join("\n")).toMatch(/writing the index entry .* failed \(503 SlowDown/);
  });

  it("throws when every record of the batch fails, so Lambda counts a function error", async () => {
    s3Mock.on(PutObjectCommand).rejects(s3Error("InternalError", 500));

    await expect(handler(streamEvent(removeRecord(contact), removeRecord(contact)))).rejects.toMatchObject({ name: "FullBatchFailureError" });
  });

  it("treats a concurrent-write conflict (409) as a failure to retry, not as archived", async () => {
    s3Mock.on(PutObjectCommand).rejectsOnce(s3Error("ConditionalRequestConflict", 409)).resolves({});
    const conflicted = removeRecord(contact);

    const response = await handler(streamEvent(conflicted, removeRecord({ keys: { PK: { S: "B" }, SK: { S: "1" } } })));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: conflicted.dynamodb?.SequenceNumber }] });
    expect(logs.join("\n")).toContain("conflicted with a concurrent write (409 ConditionalRequestConflict)");
  });

  it("never logs item images or key values, even when records fail", async () => {
    const secret = "s3cr3t-customer-data";
    s3Mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      if (input.Key?.includes("FAIL")) throw s3Error("InternalError", 500);
      return {};
    });
    const records = [
      removeRecord({ keys: { PK: { S: `FAIL-${secret}` }, SK: { S: "1" } }, oldImage: { PK: { S: `FAIL-${secret}` }, SK: { S: "1" }, note: { S: secret } } }),
      removeRecord({ keys: { PK: { S: `ok-${secret}` }, SK: { S: "1" } }, oldImage: { PK: { S: `ok-${secret}` }, SK: { S: "1" }, note: { S: secret } } }),
      removeRecord({ keys: { PK: { S: `bad-${secret}` }, SK: { S: "1" } }, oldImage: { PK: { N: secret } } as never }),
    ];

    await handler(streamEvent(...records));

    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join("\n")).not.toContain(secret);
  });
});

describe("archiveStreamRecord", () => {
  it("counts a 412 on the archive object as already archived and still completes the index entry", async () => {
    s3Mock.on(PutObjectCommand).rejectsOnce(s3Error("PreconditionFailed", 412)).resolves({});

    const outcome = await archiveStreamRecord(s3, target, removeRecord(contact), archivedAt);

    expect(outcome).toMatchObject({ status: "already-archived" });
    expect(puts().map((p) => p.Key)).toEqual([
      outcome.status !== "ignored" ? outcome.archiveKey : "",
      outcome.status !== "ignored" ? outcome.indexKey : "",
    ]);
  });

  it("succeeds without rewriting when both objects exist (a redelivery)", async () => {
    s3Mock.on(PutObjectCommand).rejects(s3Error("PreconditionFailed", 412));

    await expect(archiveStreamRecord(s3, target, removeRecord(contact))).resolves.toMatchObject({ status: "already-archived" });
  });

  it("says why INSERT and MODIFY records are ignored", async () => {
    await expect(archiveStreamRecord(s3, target, insertRecord(contact))).resolves.toEqual({
      status: "ignored",
      reason: "INSERT records are not archived",
    });
  });

  it("rejects what is not a stream record, naming the fields", async () => {
    await expect(archiveStreamRecord(s3, target, { eventName: "REMOVE" })).rejects.toThrow(/not a DynamoDB stream record: eventID/);
  });
});

// ---- naming and round-trip properties ---------------------------------------

const prefixArb = fc.oneof(
  fc.constant(""),
  fc.array(fc.stringMatching(/^[a-z0-9-]{1,20}$/), { minLength: 1, maxLength: 6 }).map((segments) => segments.map((s) => `${s}/`).join("")),
  fc.constant(`${"é".repeat((MAX_PREFIX_BYTES - 2) / 2)}a/`),
  fc.constant(`${"p".repeat(MAX_PREFIX_BYTES - 1)}/`),
);
const serviceArb = fc.oneof(fc.constant("x".repeat(63)), fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/));
const tableArb = fc.constantFrom({ partitionKey: "PK", sortKey: "SK" }, { partitionKey: "unitId" }, { partitionKey: "pk.with#odd/name", sortKey: "é" });
const targetArb = fc
  .record({ prefix: prefixArb, service: serviceArb, table: tableArb })
  .map(({ prefix, service, table }): ArchiverTarget => ({ bucket: "archive", prefix, service, table: "t-table", ...table }));
const withRecord = targetArb.chain((t) => fc.tuple(fc.constant(t), removeRecordOf(t)));

async function keysOf(t: ArchiverTarget, record: unknown, now?: Date) {
  const outcome = await archiveStreamRecord(s3, t, record, now);
  if (outcome.status === "ignored") throw new Error("a REMOVE record was ignored");
  return outcome;
}

function expectSafeKey(key: string) {
  expect(Buffer.byteLength(key, "utf8")).toBeLessThanOrEqual(1024);
  expect(key).not.toMatch(/^\//);
  expect(key).not.toContain("//");
  expect(key.split("/").filter((segment) => segment === "." || segment === "..")).toEqual([]);
}

function expectNameShows(encoded: string | undefined, value: KeyValue | undefined) {
  if (!value || encoded === undefined) throw new Error("a key is missing from the name");
  const type = "S" in value ? "S" : "N" in value ? "N" : "B";
  expect(encoded).toBe(encodeKeyValue(value));
  if (isHashedEncoding(encoded)) expect(decodeKeyValue(encoded, type)).toBeNull();
  else expect(decodeKeyValue(encoded, type)).toEqual(value);
}

describe("archive names (properties)", () => {
  it("are safe for any key: within 1,024 bytes, no empty or dot segments, readable back unless hashed", async () => {
    await fc.assert(
      fc.asyncProperty(withRecord, async ([t, record]) => {
        const { archiveKey, indexKey } = await keysOf(t, record);
        expectSafeKey(archiveKey);
        expectSafeKey(indexKey);

        const base = `${t.prefix}${t.service}/`;
        expect(archiveKey.startsWith(base)).toBe(true);
        const dated = splitDatedKey(archiveKey.slice(base.length));
        if (!dated) throw new Error(`not a dated archive key: ${archiveKey}`);
        const deletedAt = new Date((record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000);
        expect(`${dated.day.year}/${String(dated.day.month).padStart(2, "0")}/${String(dated.day.day).padStart(2, "0")}`).toBe(datePath(deletedAt));
        const name = parseArchiveName(dated.name, dated.day);
        expect(name).toMatchObject({ deletedAt, deletionType: record.userIdentity ? "ttl" : "manual", id: recordId(record.eventID ?? "") });
        expectNameShows(name?.partitionKey, record.dynamodb?.Keys?.[t.partitionKey] as KeyValue);
        if (t.sortKey) expectNameShows(name?.sortKey, record.dynamodb?.Keys?.[t.sortKey] as KeyValue);
        else expect(name?.sortKey).toBeUndefined();

        expect(archiveKeyForIndexEntry(t.prefix, t.service, indexKey)).toBe(archiveKey);
        expect(indexKey.startsWith(indexPartitionPrefix(t.prefix, t.service, name?.partitionKey ?? "?"))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("are the same for a redelivered record, whatever its shape and delivery time", async () => {
    await fc.assert(
      fc.asyncProperty(withRecord, fc.date({ noInvalidDate: true }), async ([t, record], laterNow) => {
        const first = await keysOf(t, record, archivedAt);
        expect(await keysOf(t, structuredClone(record), laterNow)).toEqual(first);
        expect(await keysOf(t, toStreamsApiShape(record), laterNow)).toEqual(first);
      }),
    );
  });

  it("differ for two deletions of the same key (different eventID), even in the same second", async () => {
    await fc.assert(
      fc.asyncProperty(withRecord, fc.string({ minLength: 1 }), async ([t, record], otherId) => {
        fc.pre(otherId !== record.eventID);
        const first = await keysOf(t, record);
        const second = await keysOf(t, { ...record, eventID: otherId });
        expect(second.archiveKey).not.toBe(first.archiveKey);
        expect(second.indexKey).not.toBe(first.indexKey);
      }),
    );
  });

  it("differ for deletions of different keys of one type", async () => {
    const typeOf = (v: KeyValue) => Object.keys(v)[0];
    await fc.assert(
      fc.asyncProperty(keyValue(), keyValue(), async (a, b) => {
        fc.pre(typeOf(a) === typeOf(b) && JSON.stringify(a) !== JSON.stringify(b));
        const { sortKey: _, ...t } = target;
        const at = deletedAt;
        const eventId = "same-event-id";
        const first = await keysOf(t, removeRecord({ keys: { PK: a }, at, eventId }));
        const second = await keysOf(t, removeRecord({ keys: { PK: b }, at, eventId }));
        expect(second.archiveKey).not.toBe(first.archiveKey);
      }),
    );
  });
});

describe("archive objects (property)", () => {
  it("give back exactly the Keys and OldImage they were written from, in either record shape", async () => {
    await fc.assert(
      fc.asyncProperty(withRecord, fc.boolean(), async ([t, record], viaStreamsApi) => {
        s3Mock.resetHistory();
        await keysOf(t, viaStreamsApi ? toStreamsApiShape(record) : record, archivedAt);

        const [archive, index] = puts();
        const archived = parseArchiveObject(bodyOf(archive), { service: t.service });
        expect(archived.keys).toEqual(record.dynamodb?.Keys);
        expect(archived.oldImage).toEqual(record.dynamodb?.OldImage);
        expect(archived.eventId).toBe(record.eventID);
        expect(archived.sequenceNumber).toBe(record.dynamodb?.SequenceNumber);
        expect(indexEntryBodySchema.parse(JSON.parse(bodyOf(index))).keys).toEqual(record.dynamodb?.Keys);
      }),
      { numRuns: 200 },
    );
  });
});
