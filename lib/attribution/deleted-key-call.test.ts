import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load";
import { deletedKeyCalls, parseCloudTrailDetail } from "./deleted-key-call";

const config = parseConfig({
  region: "us-east-1",
  archive: { bucket: "lazarus-archive" },
  services: [
    { name: "usr-contact-svc", table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } }, archiver: { functionName: "a1" } },
    { name: "sor-service-order-svc", table: { name: "sor-service-order", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } }, archiver: { functionName: "a2" } },
    { name: "unt-svc", table: { name: "unt-unit", partitionKey: { name: "unitId", type: "N" } }, archiver: { functionName: "a3" } },
  ],
});

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../tests/fixtures/cloudtrail/${name}.json`, import.meta.url), "utf8"));
}

const calls = (name: string) => deletedKeyCalls(parseCloudTrailDetail(fixture(name)), config.services);
const keys = (name: string) => calls(name).map((c) => [c.service, c.key]);

describe("deleted keys from CloudTrail data events", () => {
  it("names the deleting principal, address, client and request of a DeleteItem", () => {
    const [call, ...rest] = calls("delete-item");
    expect(rest).toEqual([]);
    expect(call).toMatchObject({
      api: "DeleteItem",
      service: "usr-contact-svc",
      table: "usr-contact",
      key: { partitionKey: { S: "CONTACT#c-1001" }, sortKey: { S: "PROFILE" } },
      eventId: "c2a1f0f4-6f1e-4b8e-9a53-2b1d7d1f0a01",
      eventTime: "2026-11-20T10:31:05.000Z",
      sourceIp: "192.0.2.10",
      requestId: "R1D3LETEITEM0000000000000000000000000000000000000000",
      principal: {
        arn: "arn:aws:sts::111122223333:assumed-role/support-engineer/nina.support",
        roleArn: "arn:aws:iam::111122223333:role/support-engineer",
        roleSessionName: "nina.support",
        sourceIdentity: "nina@example.com",
        label: "support-engineer/nina.support",
      },
    });
    expect(call!.userAgent).toMatch(/^aws-cli\//);
  });

  it("reads the deletes of a BatchWriteItem across tables and skips its puts", () => {
    expect(keys("batch-write-item")).toEqual([
      ["usr-contact-svc", { partitionKey: { S: "CONTACT#c-2001" }, sortKey: { S: "PROFILE" } }],
      ["sor-service-order-svc", { partitionKey: { S: "ORDER#o-9001" }, sortKey: { S: "HEADER" } }],
    ]);
  });

  it("reads only the Delete of a TransactWriteItems, and nothing of a cancelled one", () => {
    expect(keys("transact-write-items")).toEqual([["usr-contact-svc", { partitionKey: { S: "CONTACT#c-3003" }, sortKey: { S: "PROFILE" } }]]);
    expect(calls("transact-write-items-cancelled")).toEqual([]);
  });

  it("reads the key literals of a PartiQL DELETE; other values are redacted", () => {
    expect(keys("execute-statement-delete")).toEqual([["usr-contact-svc", { partitionKey: { S: "CONTACT#c-4001" }, sortKey: { S: "PROFILE" } }]]);
    expect(keys("batch-execute-statement")).toEqual([["usr-contact-svc", { partitionKey: { S: "CONTACT#c-5002" }, sortKey: { S: "PROFILE" } }]]);
  });

  it("knows the table but not the key of a parameterized PartiQL DELETE", () => {
    expect(keys("execute-statement-parameters")).toEqual([["usr-contact-svc", null]]);
  });

  it("ignores tables Lazarus does not protect, and types numeric keys by the table's schema", () => {
    const detail = parseCloudTrailDetail(fixture("delete-item"));
    expect(deletedKeyCalls({ ...detail, requestParameters: { tableName: "other", key: { PK: "x", SK: "y" } } }, config.services)).toEqual([]);
    const unit = deletedKeyCalls({ ...detail, requestParameters: { tableName: "unt-unit", key: { unitId: "12345678901234567890123" } } }, config.services);
    expect(unit.map((c) => c.key)).toEqual([{ partitionKey: { N: "12345678901234567890123" } }]);
  });

  it("refuses what is not a DynamoDB CloudTrail event", () => {
    expect(() => parseCloudTrailDetail({ "detail-type": "Scheduled Event", detail: {} })).toThrow(/not a DynamoDB CloudTrail event/);
  });
});
