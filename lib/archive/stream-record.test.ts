import { describe, expect, it } from "vitest";
import { removeRecord, toStreamsApiShape } from "../../tests/support/stream-events";
import { deletionTypeOf, parseStreamRecord, StreamRecordError } from "./stream-record";

const keys = { PK: { S: "USER#1" }, SK: { S: "PROFILE" } };
const at = new Date("2024-05-01T12:34:56Z");

describe("parseStreamRecord", () => {
  it("reads the Lambda event shape", () => {
    const record = removeRecord({ keys, oldImage: { ...keys, photo: { B: "AAE=" } }, at, ttl: true });

    const parsed = parseStreamRecord(record);

    expect(parsed).toMatchObject({
      eventId: record.eventID,
      eventName: "REMOVE",
      sequenceNumber: record.dynamodb?.SequenceNumber,
      createdAt: at,
      keys,
      oldImage: { ...keys, photo: { B: "AAE=" } },
      userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" },
    });
    expect(parsed.wire).toEqual(record);
  });

  it("reads the Streams API shape into the same values, keeping binary as base64", () => {
    const record = removeRecord({ keys, oldImage: { ...keys, photo: { B: "AAE=" }, set: { BS: ["AQ==", "Ag=="] } }, at, ttl: true });

    const parsed = parseStreamRecord(toStreamsApiShape(record));

    expect(parsed.createdAt).toEqual(at);
    expect(parsed.oldImage).toEqual(record.dynamodb?.OldImage);
    expect(parsed.userIdentity).toEqual({ type: "Service", principalId: "dynamodb.amazonaws.com" });
    expect(JSON.parse(JSON.stringify(parsed.wire))).toEqual(parsed.wire);
  });

  it("keeps an attribute named __proto__", () => {
    const record = JSON.parse(JSON.stringify(removeRecord({ keys, at })).replace('"OldImage":{', '"OldImage":{"__proto__":{"S":"kept"},'));

    expect(Object.keys(parseStreamRecord(record).oldImage ?? {})).toContain("__proto__");
    expect(parseStreamRecord(record).oldImage?.["__proto__"]).toEqual({ S: "kept" });
  });

  it("names the wrong fields without repeating their values", () => {
    const record = removeRecord({ keys, oldImage: { ...keys, balance: { N: "secret-value" } } });

    expect(() => parseStreamRecord(record)).toThrow(StreamRecordError);
    expect(() => parseStreamRecord(record)).toThrow(/dynamodb\.OldImage\.balance/);
    expect(() => parseStreamRecord(record)).not.toThrow(/secret-value/);
    expect(() => parseStreamRecord({ ...record, eventName: "DELETE" })).toThrow(/eventName/);
    expect(() => parseStreamRecord("not a record")).toThrow(/not a DynamoDB stream record/);
  });
});

describe("deletionTypeOf", () => {
  it("is ttl only for the DynamoDB service principal", () => {
    expect(deletionTypeOf({ type: "Service", principalId: "dynamodb.amazonaws.com" })).toBe("ttl");
    expect(deletionTypeOf({ type: "Service", principalId: "lambda.amazonaws.com" })).toBe("manual");
    expect(deletionTypeOf({ type: "User", principalId: "dynamodb.amazonaws.com" })).toBe("manual");
    expect(deletionTypeOf(undefined)).toBe("manual");
  });
});
