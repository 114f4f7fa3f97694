import { describe, expect, it } from "vitest";
import { insertRecord, removeRecord } from "../../tests/support/stream-events";
import { ArchiveObjectError, buildArchiveObject, parseArchiveObject, serializeArchiveObject } from "./archive-object";
import { parseStreamRecord } from "./stream-record";

const keys = { PK: { S: "USER#1" }, SK: { S: "PROFILE" } };
const oldImage = { ...keys, amount: { N: "-0.00000000000000000000000000000000000001" }, tags: { NS: ["1", "99999999999999999999999999999999999999"] } };
const at = new Date("2024-05-01T12:34:56Z");
const context = { service: "usr-contact-svc", table: "usr-contact", archivedAt: new Date("2024-05-01T12:35:00Z") };

describe("archive object", () => {
  it("keeps the record as delivered inside an envelope that says what, where and when", () => {
    const record = removeRecord({ keys, oldImage, at, ttl: true });

    const object = buildArchiveObject(parseStreamRecord(record), context);

    expect(object).toEqual({
      schemaVersion: 1,
      service: "usr-contact-svc",
      table: "usr-contact",
      deletedAt: "2024-05-01T12:34:56.000Z",
      deletionType: "ttl",
      archivedAt: "2024-05-01T12:35:00.000Z",
      record,
    });
    const parsed = parseArchiveObject(serializeArchiveObject(object), { service: "ignored" });
    expect(parsed).toMatchObject({ format: "lazarus-v1", service: "usr-contact-svc", table: "usr-contact", deletedAt: at, deletionType: "ttl", keys, oldImage });
  });

  it("refuses what it cannot archive, saying why", () => {
    expect(() => buildArchiveObject(parseStreamRecord(insertRecord({ keys })), context)).toThrow(/only REMOVE records are archived, got INSERT/);
    expect(() => buildArchiveObject(parseStreamRecord(removeRecord({ keys, oldImage: null })), context)).toThrow(
      /no OldImage.*NEW_AND_OLD_IMAGES/,
    );
  });

  it("keeps an attribute named __proto__ through write and read", () => {
    const record = JSON.parse(JSON.stringify(removeRecord({ keys, at })).replace('"OldImage":{', '"OldImage":{"__proto__":{"M":{"__proto__":{"S":"x"}}},'));

    const body = serializeArchiveObject(buildArchiveObject(parseStreamRecord(record), context));

    expect(JSON.parse(body).record.dynamodb.OldImage).toHaveProperty(["__proto__"]);
    expect(parseArchiveObject(body, { service: "s" }).oldImage["__proto__"]).toEqual({ M: { ["__proto__"]: { S: "x" } } });
  });

  it("reads the seed's original layout (the raw stream record)", () => {
    const record = removeRecord({ keys, oldImage, at, ttl: true });

    const parsed = parseArchiveObject(JSON.stringify(record), { service: "usr-contact-svc" });

    expect(parsed).toMatchObject({ format: "legacy", service: "usr-contact-svc", deletedAt: at, deletionType: "ttl", keys, oldImage });
    expect(parsed.table).toBeUndefined();
  });

  it("rejects corrupt and foreign objects with an ArchiveObjectError", () => {
    const valid = serializeArchiveObject(buildArchiveObject(parseStreamRecord(removeRecord({ keys, at })), context));
    const cases: Array<[string, RegExp]> = [
      ["{not json", /not JSON/],
      [valid.replace('"deletionType":"manual"', '"deletionType":"gone"'), /archive envelope is invalid: deletionType/],
      [JSON.stringify({ hello: "world" }), /not a DynamoDB stream record/],
      [JSON.stringify(insertRecord({ keys })), /holds a INSERT record, not a REMOVE/],
    ];
    for (const [body, message] of cases) {
      expect(() => parseArchiveObject(body, { service: "s" })).toThrow(ArchiveObjectError);
      expect(() => parseArchiveObject(body, { service: "s" })).toThrow(message);
    }
  });
});
