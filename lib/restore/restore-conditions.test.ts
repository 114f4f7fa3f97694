import { describe, expect, it } from "vitest";
import type { AttributeMap } from "../archive/attribute-value";
import { overwriteCondition } from "./restore-record";
import { keySchemaDifferences } from "./target-table";
import { parseConfig } from "../config/load";

function itemWith(attributes: number): AttributeMap {
  const item: AttributeMap = { PK: { S: "1" } };
  for (let i = 1; i < attributes; i++) item[`a${i}`] = { N: String(i) };
  return item;
}

describe("overwriteCondition", () => {
  it("conditions on every attribute of the item seen, through placeholders", () => {
    const condition = overwriteCondition({ PK: { S: "1" }, "odd name.#x": { B: "AQ==" } }, "PK");
    expect(condition).toEqual({
      guard: "attributes-unchanged",
      ConditionExpression: "#a0 = :a0 AND #a1 = :a1",
      ExpressionAttributeNames: { "#a0": "PK", "#a1": "odd name.#x" },
      ExpressionAttributeValues: { ":a0": { S: "1" }, ":a1": { B: Buffer.from([1]) } },
    });
  });

  it("falls back to the key existing beyond DynamoDB's 300 operators per expression", () => {
    expect(overwriteCondition(itemWith(150), "PK").guard).toBe("attributes-unchanged"); // 150 "=" + 149 "AND"
    expect(overwriteCondition(itemWith(151), "PK")).toEqual({
      guard: "key-exists",
      ConditionExpression: "attribute_exists(#pk)",
      ExpressionAttributeNames: { "#pk": "PK" },
    });
  });
});

describe("keySchemaDifferences", () => {
  const service = parseConfig({
    region: "eu-west-1",
    archive: { bucket: "my-archive" },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-usr" },
        onFailure: { type: "sqs", queueName: "usr-dlq" },
      },
    ],
  }).services[0]!;
  const describeTable = (keys: Array<[string, "HASH" | "RANGE", string]>) => ({
    KeySchema: keys.map(([AttributeName, KeyType]) => ({ AttributeName, KeyType })),
    AttributeDefinitions: keys.map(([AttributeName, , AttributeType]) => ({ AttributeName, AttributeType: AttributeType as "S" })),
  });

  it("finds nothing for the same names and types", () => {
    expect(keySchemaDifferences(service, describeTable([["PK", "HASH", "S"], ["SK", "RANGE", "S"]]))).toEqual([]);
  });

  it("names each difference", () => {
    expect(keySchemaDifferences(service, describeTable([["id", "HASH", "S"], ["SK", "RANGE", "N"]]))).toEqual([
      'its partition key is "id" (S), expected "PK" (S)',
      'its sort key is "SK" (N), expected "SK" (S)',
    ]);
    expect(keySchemaDifferences(service, describeTable([["PK", "HASH", "S"]]))).toEqual(['it has no sort key, expected "SK" (S)']);
  });
});
