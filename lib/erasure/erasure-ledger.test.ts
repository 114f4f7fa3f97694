import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../config/load";
import {
  canonicalNumber,
  ErasedRecordError,
  erasureCovers,
  erasureKeyHash,
  erasureLedgerKey,
  ErasureLedgerError,
  findErasure,
  loadErasures,
  writeErasure,
} from "./erasure-ledger";

const config = parseConfig({
  region: "eu-west-1",
  archive: { bucket: "my-archive", prefix: "archive/" },
  services: [
    {
      name: "usr-contact-svc",
      table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" } },
      archiver: { functionName: "archiver-usr" },
      onFailure: { type: "sqs", queueName: "usr-dlq" },
    },
  ],
});
const service = config.services[0]!;

/** The one method the ledger reads a body with. */
function body(text: string) {
  return { transformToString: async () => text };
}

describe("erasureKeyHash", () => {
  it("is a sha256 hex that depends on the service, the type and the value", () => {
    const h = erasureKeyHash("usr-contact-svc", { S: "CONTACT#c-1" });
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(erasureKeyHash("usr-contact-svc", { S: "CONTACT#c-1" })).toBe(h);
    expect(erasureKeyHash("other-svc", { S: "CONTACT#c-1" })).not.toBe(h);
    expect(erasureKeyHash("usr-contact-svc", { S: "CONTACT#c-2" })).not.toBe(h);
    expect(erasureKeyHash("s", { S: "12" })).not.toBe(erasureKeyHash("s", { N: "12" }));
  });

  it("treats numbers DynamoDB considers equal as one key", () => {
    expect(erasureKeyHash("s", { N: "1.50" })).toBe(erasureKeyHash("s", { N: "1.5" }));
    expect(erasureKeyHash("s", { N: "15E-1" })).toBe(erasureKeyHash("s", { N: "1.5" }));
    expect(erasureKeyHash("s", { N: "100" })).toBe(erasureKeyHash("s", { N: "1e2" }));
    expect(erasureKeyHash("s", { N: "-0.0" })).toBe(erasureKeyHash("s", { N: "0" }));
    expect(erasureKeyHash("s", { N: "-1" })).not.toBe(erasureKeyHash("s", { N: "1" }));
    expect(canonicalNumber("12345678901234567890123456789012345678")).toBe("12345678901234567890123456789012345678e37");
    expect(canonicalNumber("0.00120")).toBe("12e-3");
  });

  it("compares binary keys by their bytes", () => {
    expect(erasureKeyHash("s", { B: "AAE=" })).toBe(erasureKeyHash("s", { B: Buffer.from([0, 1]).toString("base64") }));
  });
});

describe("erasureCovers", () => {
  const erasure = { erasedAt: "2024-03-05T10:00:00.000Z" };
  it("covers deletions up to the erasure, not items deleted again later", () => {
    expect(erasureCovers(erasure, "2024-03-01T00:00:00.000Z")).toBe(true);
    expect(erasureCovers(erasure, new Date("2024-03-05T10:00:00.000Z"))).toBe(true);
    expect(erasureCovers(erasure, "2024-04-01T00:00:00.000Z")).toBe(false);
    expect(erasureCovers(erasure, null)).toBe(true);
  });
});

describe("ErasedRecordError", () => {
  it("says when", () => {
    const error = new ErasedRecordError({ service: "s", keyHash: "a".repeat(64), erasedAt: "2024-03-05T10:00:00.000Z", auditId: "op" });
    expect(error.message).toBe("erased on 2024-03-05");
    expect(error.erasure.auditId).toBe("op");
  });
});

describe("the ledger in S3", () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  const key = { S: "CONTACT#c-1" } as const;
  const hash = erasureKeyHash(service.name, key);
  const ledgerKey = erasureLedgerKey("archive/", service.name, hash);

  it("writes one object per key, named by hash only", async () => {
    s3.on(PutObjectCommand).resolves({});
    const entry = await writeErasure(new S3Client({}), config, service, key, { erasedAt: new Date("2024-03-05T10:00:00Z"), auditId: "op-1", records: 3 });
    expect(ledgerKey).toBe(`archive/_erasures/usr-contact-svc/${hash}.json`);
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input.Key).toBe(ledgerKey);
    expect(JSON.parse(input.Body as string)).toEqual({ schemaVersion: 1, service: "usr-contact-svc", keyHash: hash, erasedAt: "2024-03-05T10:00:00.000Z", auditId: "op-1", records: 3 });
    expect(input.Body as string).not.toContain("CONTACT#c-1");
    expect(entry.records).toBe(3);
  });

  it("finds an erasure with one GET, and null when there is none", async () => {
    const stored = { schemaVersion: 1, service: service.name, keyHash: hash, erasedAt: "2024-03-05T10:00:00.000Z", auditId: "op-1", records: 3 };
    s3.on(GetObjectCommand, { Key: ledgerKey }).resolves({ Body: body(JSON.stringify(stored)) } as never);
    s3.on(GetObjectCommand, { Key: erasureLedgerKey("archive/", service.name, erasureKeyHash(service.name, { S: "x" })) }).rejects(
      Object.assign(new Error("no such key"), { name: "NoSuchKey" }),
    );
    expect(await findErasure(new S3Client({}), config, service, key)).toEqual({ service: service.name, keyHash: hash, erasedAt: stored.erasedAt, auditId: "op-1" });
    expect(await findErasure(new S3Client({}), config, service, { S: "x" })).toBeNull();
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(2);
  });

  it("fails closed on an unreadable ledger object", async () => {
    s3.on(GetObjectCommand).resolves({ Body: body("not json") } as never);
    await expect(findErasure(new S3Client({}), config, service, key)).rejects.toBeInstanceOf(ErasureLedgerError);
  });

  it("propagates AWS errors other than not-found", async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDenied" }));
    await expect(findErasure(new S3Client({}), config, service, key)).rejects.toThrow("denied");
  });

  it("loads every erasure of a service", async () => {
    const other = erasureKeyHash(service.name, { S: "CONTACT#c-2" });
    s3.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: ledgerKey }, { Key: erasureLedgerKey("archive/", service.name, other) }, { Key: "archive/_erasures/usr-contact-svc/stray.txt" }],
    });
    s3.on(GetObjectCommand, { Key: ledgerKey }).resolves({
      Body: body(JSON.stringify({ schemaVersion: 1, service: service.name, keyHash: hash, erasedAt: "2024-03-05T10:00:00.000Z", auditId: "op-1", records: 1 })),
    } as never);
    s3.on(GetObjectCommand, { Key: erasureLedgerKey("archive/", service.name, other) }).resolves({
      Body: body(JSON.stringify({ schemaVersion: 1, service: service.name, keyHash: other, erasedAt: "2024-03-06T10:00:00.000Z", auditId: "op-2", records: 2 })),
    } as never);
    const all = await loadErasures(new S3Client({}), config, service);
    expect([...all.keys()].sort()).toEqual([hash, other].sort());
    expect(all.get(other)?.auditId).toBe("op-2");
    expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input.Prefix).toBe("archive/_erasures/usr-contact-svc/");
  });
});
