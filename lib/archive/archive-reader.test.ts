import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseConfig } from "../config/load";
import type { KeyValue } from "./attribute-value";
import { buildArchiveObject, serializeArchiveObject } from "./archive-object";
import {
  ArchiveInputError,
  assertConfiguredService,
  classifyArchiveName,
  decodeDayCursor,
  encodeDayCursor,
  parseDay,
  readDeletion,
  UnsafeArchiveKeyError,
  validateArchiveKey,
  validateDay,
} from "./archive-reader";
import { archiveObjectKey, archiveObjectName } from "./layout";
import { parseStreamRecord } from "./stream-record";

const config = parseConfig({
  region: "eu-west-1",
  archive: { bucket: "lazarus-archive", prefix: "archive/" },
  services: [
    {
      name: "usr-contact-svc",
      table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
      archiver: { functionName: "archiver-contact" },
      onFailure: { type: "sqs", queueName: "contact-dlq" },
    },
    {
      name: "unt-svc",
      table: { name: "unt-unit", partitionKey: { name: "unitId", type: "N" } },
      archiver: { functionName: "archiver-unit" },
      onFailure: { type: "sqs", queueName: "unit-dlq" },
    },
  ],
});
const contacts = config.services[0]!;
const units = config.services[1]!;
const day = { year: 2024, month: 1, day: 15 };
const deletedAt = new Date("2024-01-15T10:30:05Z");

function removeRecord(keys: Record<string, KeyValue>, eventID = "event-1") {
  return {
    eventID,
    eventName: "REMOVE",
    dynamodb: {
      ApproximateCreationDateTime: deletedAt.getTime() / 1000,
      Keys: keys,
      OldImage: { ...keys, email: { S: "someone@example.com" } },
      SequenceNumber: "100",
    },
  };
}

describe("day cursors", () => {
  it("round-trips the position for the same service and day", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 200 }), (after) => {
        const cursor = encodeDayCursor(contacts.name, day, after);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeDayCursor(cursor, { service: contacts.name, day })).toBe(after);
      }),
    );
  });

  it("refuses a cursor issued for another day or service", () => {
    const cursor = encodeDayCursor(contacts.name, day, "103000Z_manual_A_B_0123456789abcdef.json");
    expect(() => decodeDayCursor(cursor, { service: contacts.name, day: { ...day, day: 16 } })).toThrow(
      /belongs to usr-contact-svc on 2024-01-15, not usr-contact-svc on 2024-01-16/,
    );
    expect(() => decodeDayCursor(cursor, { service: units.name, day })).toThrow(ArchiveInputError);
  });

  it("refuses damaged and hand-made cursors", () => {
    const bad = [
      "",
      "not a cursor!",
      "x".repeat(5000),
      Buffer.from("not json").toString("base64url"),
      Buffer.from(JSON.stringify({ v: 2, service: contacts.name, day: "2024-01-15", after: "a" })).toString("base64url"),
      Buffer.from(JSON.stringify({ v: 1, service: contacts.name, day: "2024-01-15", after: "" })).toString("base64url"),
      Buffer.from(JSON.stringify({ v: 1, service: contacts.name, day: "2024-01-15", after: "a", extra: 1 })).toString("base64url"),
    ];
    for (const cursor of bad) expect(() => decodeDayCursor(cursor, { service: contacts.name, day }), cursor.slice(0, 30)).toThrow(ArchiveInputError);
  });
});

describe("days", () => {
  it("accepts calendar dates only", () => {
    expect(parseDay("2024-02-29")).toEqual({ year: 2024, month: 2, day: 29 });
    for (const text of ["2023-02-29", "2024-13-01", "2024-00-10", "2024-1-5", "2024-01-15/../x", "1969-12-31"]) {
      expect(() => parseDay(text), text).toThrow(ArchiveInputError);
    }
    expect(() => validateDay({ year: 2024, month: 4, day: 31 })).toThrow(/not a calendar date/);
  });
});

describe("object names", () => {
  const name = (keys: { pk: KeyValue; sk?: KeyValue }, type: "ttl" | "manual" = "manual") =>
    archiveObjectName({ deletedAt, deletionType: type, partitionKey: keys.pk, ...(keys.sk ? { sortKey: keys.sk } : {}), eventId: "e-1" });

  it("reads key, time and type from an archive name", () => {
    const parsed = classifyArchiveName(contacts, day, name({ pk: { S: "USER#1/a b" }, sk: { S: "PROFILE" } }, "ttl"));
    expect(parsed).toMatchObject({
      kind: "record",
      deletionType: "ttl",
      deletedAt,
      partitionKey: { hashed: false, value: { S: "USER#1/a b" } },
      sortKey: { hashed: false, value: { S: "PROFILE" } },
    });
  });

  it("shows long keys as hashed and numbers as numbers", () => {
    const long = classifyArchiveName(contacts, day, name({ pk: { S: "x".repeat(2048) }, sk: { S: "é" } }));
    expect(long).toMatchObject({ kind: "record", partitionKey: { hashed: true }, sortKey: { hashed: false, value: { S: "é" } } });
    expect(classifyArchiveName(units, day, name({ pk: { N: "-12345678901234567890123456789012345678" } }))).toMatchObject({
      partitionKey: { hashed: false, value: { N: "-12345678901234567890123456789012345678" } },
    });
  });

  it("treats the seed's {PK}_{SK}.json names as legacy, including keys with '/'", () => {
    expect(classifyArchiveName(contacts, day, "USER#123_PROFILE.json")).toEqual({ kind: "legacy", name: "USER#123_PROFILE.json" });
    expect(classifyArchiveName(contacts, day, "CONTACT#123.json")).toEqual({ kind: "legacy", name: "CONTACT#123.json" });
    expect(classifyArchiveName(contacts, day, "ORG/42_MEMBER.json")).toEqual({ kind: "legacy", name: "ORG/42_MEMBER.json" });
    // S3 names are opaque: the seed wrote keys holding "..", "//" and "/./" as they were.
    for (const name of ["ORG/../42_MEMBER.json", "ORG//42_MEMBER.json", "ORG/./42_MEMBER.json", "../x_y.json"]) {
      expect(classifyArchiveName(contacts, day, name)).toEqual({ kind: "legacy", name });
    }
  });

  it("flags what does not belong", () => {
    const unknown = (n: string, service = contacts) => classifyArchiveName(service, day, n);
    expect(unknown("notes.txt")).toMatchObject({ kind: "unknown", reason: "not a .json object" });
    expect(unknown(".json")).toMatchObject({ kind: "unknown" });
    // Looks like an archive name, but 25:00:00 is not a time of day.
    expect(unknown("250000Z_manual_A_B_0123456789abcdef.json")).toMatchObject({ kind: "unknown", reason: expect.stringContaining("time") });
    // The table has a sort key; this name has none.
    expect(unknown("103005Z_manual_A_0123456789abcdef.json")).toMatchObject({ kind: "unknown", reason: expect.stringContaining("sort key") });
    expect(unknown("103005Z_manual_1_B_0123456789abcdef.json", units)).toMatchObject({ kind: "unknown", reason: expect.stringContaining("sort key") });
    // A broken escape cannot be a key this archive wrote.
    expect(unknown("103005Z_manual_A%ZZ_B_0123456789abcdef.json")).toMatchObject({ kind: "unknown", reason: expect.stringContaining("decode") });
  });
});

describe("archive keys from requests", () => {
  const valid = archiveObjectKey({
    prefix: "archive/",
    service: contacts.name,
    deletedAt,
    deletionType: "manual",
    partitionKey: { S: "../../etc" },
    sortKey: { S: "x" },
    eventId: "e",
  });

  it("accepts keys in the service's day folders", () => {
    expect(validateArchiveKey(config, contacts, valid)).toMatchObject({ day });
    expect(validateArchiveKey(config, contacts, "archive/usr-contact-svc/2024/01/15/USER#1_PROFILE.json").name).toBe("USER#1_PROFILE.json");
  });

  it("refuses anything else", () => {
    const bad: unknown[] = [
      undefined,
      "",
      42,
      "usr-contact-svc/2024/01/15/a.json", // missing the archive prefix
      "archive/unt-svc/2024/01/15/a.json", // another service
      "archive/usr-contact-svc/_by-key/A/2024/01/15/a.json", // the index
      "archive/usr-contact-svc/2024/01/15/../../../unt-svc/2024/01/15/a.json",
      "archive/usr-contact-svc/2024/01/15/./a.json",
      "archive/usr-contact-svc/2024/02/30/a.json",
      "archive/usr-contact-svc/2024/01/a.json",
      "archive/usr-contact-svc/2024/01/15/a\u0000.json",
      `archive/usr-contact-svc/2024/01/15/${"a".repeat(1100)}.json`,
    ];
    for (const key of bad) expect(() => validateArchiveKey(config, contacts, key), String(key).slice(0, 60)).toThrow(ArchiveInputError);
  });

  it("takes a name with '..', '//' or '/./' only as one the bucket listed, still inside the service's day folders", () => {
    const legacy = "archive/usr-contact-svc/2024/01/15/ORG/../42_MEMBER.json";
    expect(() => validateArchiveKey(config, contacts, legacy)).toThrow(UnsafeArchiveKeyError);
    expect(validateArchiveKey(config, contacts, legacy, { listed: true })).toEqual({ day, name: "ORG/../42_MEMBER.json" });
    expect(validateArchiveKey(config, contacts, "archive/usr-contact-svc/2024/01/15//x.json", { listed: true }).name).toBe("/x.json");
    // Listing never widens where a key may point: the prefix is literal.
    expect(() => validateArchiveKey(config, contacts, "archive/unt-svc/2024/01/15/../a.json", { listed: true })).toThrow(/not under/);
    expect(() => validateArchiveKey(config, contacts, "archive/usr-contact-svc/_by-key/../2024/01/15/a.json", { listed: true })).toThrow(/day folder/);
  });

  it("only takes services from the config", () => {
    expect(() => assertConfiguredService(config, { ...contacts })).toThrow(/findService/);
    expect(assertConfiguredService(config, contacts)).toBe(contacts);
  });
});

describe("reading an object's text", () => {
  const keys = { PK: { S: "USER#1" }, SK: { S: "PROFILE" } };
  const objectName = archiveObjectName({ deletedAt, deletionType: "manual", partitionKey: keys.PK, sortKey: keys.SK, eventId: "event-1" });
  const archived = serializeArchiveObject(
    buildArchiveObject(parseStreamRecord(removeRecord(keys)), { service: contacts.name, table: "usr-contact", archivedAt: deletedAt }),
  );

  it("reads this archive's objects and the seed's raw stream records", () => {
    const current = readDeletion(archived, contacts, day, objectName);
    expect(current).toMatchObject({ ok: true, deletion: { format: "lazarus-v1", keys, deletionType: "manual" } });
    const legacy = readDeletion(JSON.stringify(removeRecord(keys)), contacts, day, "USER#1_PROFILE.json");
    expect(legacy).toMatchObject({ ok: true, deletion: { format: "legacy", keys, oldImage: { email: { S: "someone@example.com" } } } });
  });

  it("calls damaged archive objects corrupt and other JSON foreign", () => {
    expect(readDeletion("{ truncated", contacts, day, objectName)).toMatchObject({ ok: false, kind: "corrupt" });
    expect(readDeletion(JSON.stringify({ schemaVersion: 1, service: contacts.name }), contacts, day, objectName)).toMatchObject({
      ok: false,
      kind: "corrupt",
    });
    expect(readDeletion(JSON.stringify({ hello: "world" }), contacts, day, "x.json")).toMatchObject({ ok: false, kind: "foreign" });
    expect(readDeletion("[1,2,3]", contacts, day, "x.json")).toMatchObject({ ok: false, kind: "foreign" });
  });

  it("notices objects of another service or table, and keys that disagree with the name", () => {
    const otherService = archived.replace('"service":"usr-contact-svc"', '"service":"sor-service-order-svc"');
    expect(readDeletion(otherService, contacts, day, objectName)).toMatchObject({ ok: false, kind: "foreign", message: expect.stringContaining("sor-service-order-svc") });
    expect(readDeletion(JSON.stringify(removeRecord({ unitId: { N: "5" } })), contacts, day, "5.json")).toMatchObject({
      ok: false,
      kind: "foreign",
      message: expect.stringContaining('"PK"'),
    });
    const renamed = objectName.replace("USER#1", "USER#2");
    expect(readDeletion(archived, contacts, day, renamed)).toMatchObject({ ok: false, kind: "corrupt", message: expect.stringContaining("do not match") });
  });

  it("never puts item values into its messages", () => {
    const broken = archived.replace('"OldImage":{', '"OldImage":{"bad":{"Q":"someone@example.com"},');
    const result = readDeletion(broken, contacts, day, objectName);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain("someone@example.com");
  });
});
