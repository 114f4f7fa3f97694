import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load";
import { toUserFacingError } from "../http/error-response";
import { recordLocation } from "./record-location";
import { ErasedRecordError } from "./erasure-ledger";
import { failedBatchRecords, isSubjectRecord, keyMatches, strictestLock, subjectKeyFor } from "./erasure-plan";
import { confirmationText } from "./erasure-request";
import { redactArchiveObject } from "./redaction";

const config = parseConfig({
  region: "eu-west-1",
  archive: { bucket: "my-archive", prefix: "archive/" },
  services: [
    {
      name: "usr-contact-svc",
      table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
      archiver: { functionName: "archiver-usr" },
      onFailure: { type: "s3", bucket: "failures" },
    },
    {
      name: "unt-svc",
      table: { name: "unt-unit", partitionKey: { name: "unitId", type: "N" } },
      archiver: { functionName: "archiver-unt" },
      onFailure: { type: "sqs", queueName: "unt-dlq" },
    },
  ],
});
const [usr, unt] = config.services as [(typeof config.services)[0], (typeof config.services)[0]];

describe("redaction", () => {
  it("replaces only the chosen top-level attributes, in both record layouts", () => {
    const envelope = {
      schemaVersion: 1,
      service: "usr-contact-svc",
      record: { dynamodb: { ApproximateCreationDateTime: 1705314605, OldImage: { PK: { S: "A" }, email: { S: "a@x" }, n: { N: "1.50000000000000000000000000000000000" } } } },
    };
    const out = redactArchiveObject(JSON.stringify(envelope), ["email", "missing"]);
    expect(out.replaced).toBe(1);
    expect(JSON.parse(out.text)).toEqual({ ...envelope, record: { dynamodb: { ...envelope.record.dynamodb, OldImage: { PK: { S: "A" }, email: { S: "[redacted]" }, n: { N: "1.50000000000000000000000000000000000" } } } } });
    const legacy = { eventName: "REMOVE", dynamodb: { OldImage: { email: { S: "a@x" }, other: { M: { email: { S: "nested stays" } } } } } };
    expect(JSON.parse(redactArchiveObject(JSON.stringify(legacy), ["email"]).text).dynamodb.OldImage).toEqual({ email: { S: "[redacted]" }, other: { M: { email: { S: "nested stays" } } } });
  });
});

describe("locks", () => {
  it("keeps the latest retention and any legal hold", () => {
    expect(strictestLock([])).toEqual({ state: "none" });
    expect(strictestLock([{ state: "none" }, { state: "legal-hold" }])).toEqual({ state: "legal-hold" });
    const early = { state: "retention", mode: "GOVERNANCE", until: "2030-01-01T00:00:00.000Z", legalHold: false } as const;
    const late = { state: "retention", mode: "COMPLIANCE", until: "2031-01-01T00:00:00.000Z", legalHold: false } as const;
    expect(strictestLock([early, late, { state: "legal-hold" }])).toEqual({ ...late, legalHold: true });
  });
});

describe("matching the subject", () => {
  it("types the key per service", () => {
    expect(subjectKeyFor(usr, "CONTACT#1")).toEqual({ S: "CONTACT#1" });
    expect(subjectKeyFor(unt, "CONTACT#1")).toBeNull();
    expect(subjectKeyFor(unt, "42")).toEqual({ N: "42" });
    expect(keyMatches({ match: "exact", key: "CONTACT#1" }, usr, { S: "CONTACT#1" })).toBe(true);
    expect(keyMatches({ match: "exact", key: "CONTACT#1" }, usr, { S: "CONTACT#10" })).toBe(false);
    expect(keyMatches({ match: "prefix", key: "CONTACT#1" }, usr, { S: "CONTACT#10" })).toBe(true);
  });

  it("finds the subject's records in a failed batch, by table and key", () => {
    const arn = (t: string) => `arn:aws:dynamodb:eu-west-1:1:table/${t}/stream/2024`;
    const text = JSON.stringify({
      payload: JSON.stringify({
        Records: [
          { eventSourceARN: arn("usr-contact"), dynamodb: { Keys: { PK: { S: "CONTACT#1" }, SK: { S: "P" } } } },
          { eventSourceARN: arn("usr-contact-archive"), dynamodb: { Keys: { PK: { S: "CONTACT#1" }, SK: { S: "P" } } } },
          { eventSourceARN: arn("usr-contact"), dynamodb: { Keys: { PK: { S: "CONTACT#2" }, SK: { S: "P" } } } },
        ],
      }),
    });
    const batch = failedBatchRecords(text)!;
    expect(batch.records.map((r) => isSubjectRecord(r, usr, { match: "exact", key: "CONTACT#1" }))).toEqual([true, false, false]);
    expect(failedBatchRecords("{}")).toBeNull();
  });
});

describe("audit locations", () => {
  it("never carry the key text", () => {
    expect(recordLocation(config, "usr-contact-svc", "archive/usr-contact-svc/2024/01/15/103005Z_manual_CONTACT#1_PROFILE_5f0c2a9d3e41b7a2.json")).toBe(
      "usr-contact-svc/2024/01/15/#5f0c2a9d3e41b7a2",
    );
    const legacy = recordLocation(config, "usr-contact-svc", "archive/usr-contact-svc/2024/01/15/CONTACT#1_PROFILE.json");
    expect(legacy).toMatch(/^usr-contact-svc\/2024\/01\/15\/#sha256:[0-9a-f]{32}$/);
    expect(legacy).not.toContain("CONTACT");
  });
});

describe("confirmation and errors", () => {
  it("asks for the mode and the key", () => {
    expect(confirmationText("erase", "CONTACT#1")).toBe("ERASE CONTACT#1");
    expect(confirmationText("redact", "CONTACT#1")).toBe("REDACT CONTACT#1");
  });

  it("maps ErasedRecordError to 410 Gone", () => {
    const error = new ErasedRecordError({ service: "s", keyHash: "a".repeat(64), erasedAt: "2024-03-05T10:00:00.000Z", auditId: "op" });
    expect(toUserFacingError(error)).toEqual({ status: 410, code: "erased", message: "erased on 2024-03-05" });
  });
});
