import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { StoredStateError } from "@/lib/aws/s3-json";
import { createS3Client } from "@/lib/aws/clients";
import { jobObjectKey, JobStore } from "@/lib/bulk-restore/job-store";
import { parseConfig } from "@/lib/config/load";
import type { LazarusConfig } from "@/lib/config/schema";
import { toUserFacingError } from "@/lib/http/error-response";
import { jobKey, loadJob } from "@/lib/pitr/pitr-store";
import { uniqueName, motoEnv } from "../support/aws";

/** State read back from S3 is parsed with its schema: an object another writer changed is refused, never used as if it were right. */

let s3: S3Client;
let config: LazarusConfig;
const JOB_ID = "20240115T101500.000Z-0123456789ab";
const PITR_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";

beforeAll(async () => {
  const { region } = motoEnv();
  const bucket = uniqueName("stored-state");
  s3 = createS3Client({ region });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  config = parseConfig({
    region,
    archive: { bucket },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" } },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
    ],
  });
});

describe("state read back from S3", () => {
  it("a bulk-restore job missing its fields is refused with a 500 that names the object", async () => {
    const key = jobObjectKey(config.archive.prefix, JOB_ID, "job.json");
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: key, Body: JSON.stringify({ schemaVersion: 1, id: JOB_ID, status: "exploded" }) }));
    const error = await new JobStore(s3, config).get(JOB_ID).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(StoredStateError);
    expect(toUserFacingError(error)).toMatchObject({ status: 500, code: "stored-state-unreadable", message: expect.stringContaining(key) });
    expect((error as Error).message).toMatch(/service/);
  });

  it("a PITR job that is not JSON is refused the same way", async () => {
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: jobKey(config, PITR_ID), Body: "{not json" }));
    const error = await loadJob(s3, config, PITR_ID).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(StoredStateError);
    expect((error as Error).message).toMatch(/not JSON/);
  });
});
