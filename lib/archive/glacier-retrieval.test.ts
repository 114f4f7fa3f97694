import { HeadObjectCommand, RestoreObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../config/load";
import { parseRestoreHeader, requestRetrieval, retrievalStatusOf } from "./glacier-retrieval";

const config = parseConfig({
  region: "eu-west-1",
  archive: { bucket: "my-archive" },
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
const key = "usr-contact-svc/2023/02/03/040506Z_manual_USER#1_0123456789abcdef.json";

describe("the Restore header", () => {
  it("reads both forms S3 sends", () => {
    expect(parseRestoreHeader('ongoing-request="true"')).toEqual({ ongoing: true, expiresAt: null });
    expect(parseRestoreHeader('ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"')).toEqual({
      ongoing: false,
      expiresAt: "2012-12-21T00:00:00.000Z",
    });
    expect(parseRestoreHeader(undefined)).toBeUndefined();
    expect(parseRestoreHeader("garbage")).toBeUndefined();
    expect(parseRestoreHeader('ongoing-request="false", expiry-date="someday"')).toEqual({ ongoing: false, expiresAt: null });
  });

  it("maps storage class and header to a status", () => {
    expect(retrievalStatusOf("STANDARD", undefined)).toEqual({ state: "readable", storageClass: "STANDARD" });
    expect(retrievalStatusOf("GLACIER_IR", undefined)).toEqual({ state: "readable", storageClass: "GLACIER_IR" });
    expect(retrievalStatusOf("GLACIER", undefined)).toEqual({ state: "not-requested", storageClass: "GLACIER" });
    expect(retrievalStatusOf("DEEP_ARCHIVE", 'ongoing-request="true"')).toEqual({ state: "in-progress", storageClass: "DEEP_ARCHIVE" });
    expect(retrievalStatusOf("GLACIER", 'ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"')).toEqual({
      state: "available",
      storageClass: "GLACIER",
      expiresAt: "2012-12-21T00:00:00.000Z",
    });
  });
});

describe("requestRetrieval against S3's answers", () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());

  it("sends the tier and days, then reports S3's in-progress state", async () => {
    s3.on(HeadObjectCommand).resolvesOnce({ StorageClass: "GLACIER" }).resolves({ StorageClass: "GLACIER", Restore: 'ongoing-request="true"' });
    s3.on(RestoreObjectCommand).resolves({});
    const status = await requestRetrieval(new S3Client({}), config, service, key, { tier: "Bulk", days: 7 });
    expect(status).toEqual({ state: "in-progress", storageClass: "GLACIER" });
    expect(s3.commandCalls(RestoreObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: "my-archive",
      Key: key,
      RestoreRequest: { Days: 7, GlacierJobParameters: { Tier: "Bulk" } },
    });
  });

  it("treats RestoreAlreadyInProgress as in progress", async () => {
    s3.on(HeadObjectCommand).resolves({ StorageClass: "DEEP_ARCHIVE" });
    s3.on(RestoreObjectCommand).rejects(Object.assign(new Error("Object restore is already in progress"), { name: "RestoreAlreadyInProgress" }));
    expect(await requestRetrieval(new S3Client({}), config, service, key, { tier: "Standard", days: 1 })).toEqual({
      state: "in-progress",
      storageClass: "DEEP_ARCHIVE",
    });
  });

  it("does not ask again while S3 is already working", async () => {
    s3.on(HeadObjectCommand).resolves({ StorageClass: "GLACIER", Restore: 'ongoing-request="true"' });
    expect((await requestRetrieval(new S3Client({}), config, service, key, { tier: "Standard", days: 1 })).state).toBe("in-progress");
    expect(s3.commandCalls(RestoreObjectCommand)).toHaveLength(0);
  });
});
