import { describe, expect, it } from "vitest";
import { createS3Client } from "../aws/clients";
import { parseConfig } from "../config/load";
import { ArchiveInputError } from "./archive-reader";
import { findDeletionsByKeyPrefix, findDeletionsByPartitionKey } from "./key-lookup";
import { clampListKeys } from "./object-listing";

// Every case here is refused before any request: the endpoint does not exist.
const s3 = createS3Client({ region: "eu-west-1", endpoint: "http://127.0.0.1:9", maxAttempts: 1 });
const config = parseConfig({
  region: "eu-west-1",
  archive: { bucket: "lazarus-archive" },
  services: [
    {
      name: "usr-contact-svc",
      table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" } },
      archiver: { functionName: "archiver-contact" },
      onFailure: { type: "sqs", queueName: "contact-dlq" },
    },
    {
      name: "blob-svc",
      table: { name: "blobs", partitionKey: { name: "id", type: "B" } },
      archiver: { functionName: "archiver-blob" },
      onFailure: { type: "sqs", queueName: "blob-dlq" },
    },
  ],
});
const contacts = config.services[0]!;
const blobs = config.services[1]!;

describe("key lookup input", () => {
  it("refuses keys of the wrong type or shape", async () => {
    await expect(findDeletionsByPartitionKey(s3, config, contacts, { N: "1" })).rejects.toThrow(/of type S, not N/);
    await expect(findDeletionsByPartitionKey(s3, config, contacts, { S: "" })).rejects.toThrow(ArchiveInputError);
    await expect(findDeletionsByPartitionKey(s3, config, contacts, { S: "x".repeat(2049) })).rejects.toThrow(/2048 bytes/);
    await expect(findDeletionsByPartitionKey(s3, config, contacts, { S: "a", N: "1" } as never)).rejects.toThrow(ArchiveInputError);
    await expect(findDeletionsByPartitionKey(s3, config, blobs, { B: "not base64!" })).rejects.toThrow(ArchiveInputError);
  });

  it("refuses empty prefixes, prefixes on binary keys, bad limits and services not from the config", async () => {
    await expect(findDeletionsByKeyPrefix(s3, config, contacts, "")).rejects.toThrow(/non-empty/);
    await expect(findDeletionsByKeyPrefix(s3, config, blobs, "AA")).rejects.toThrow(/binary/);
    await expect(findDeletionsByKeyPrefix(s3, config, contacts, "USER#", { limit: 0 })).rejects.toThrow(/limit/);
    await expect(findDeletionsByKeyPrefix(s3, config, contacts, "USER#", { limit: 10_001 })).rejects.toThrow(/limit/);
    await expect(findDeletionsByPartitionKey(s3, config, { ...contacts }, { S: "USER#1" })).rejects.toThrow(/findService/);
  });
});

describe("listing pages", () => {
  it("never asks for more than S3's 1,000 keys", () => {
    expect(clampListKeys(undefined)).toBe(1000);
    expect(clampListKeys(5000)).toBe(1000);
    expect(clampListKeys(7)).toBe(7);
    expect(() => clampListKeys(0)).toThrow(RangeError);
    expect(() => clampListKeys(1.5)).toThrow(RangeError);
  });
});
