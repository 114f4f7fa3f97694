import { randomBytes } from "node:crypto";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { parseConfig } from "../lib/config/load";
import type { LazarusConfig } from "../lib/config/schema";

export const BENCH_REGION = "us-east-1";
export const BENCH_TABLE = "bench-contact";

/** A fresh bucket and a one-service config (`bench-svc` on `bench-contact`) with attribution on. */
export async function benchAttributionConfig(s3: S3Client, bucketName: string): Promise<LazarusConfig> {
  const bucket = `${bucketName}-${randomBytes(3).toString("hex")}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return parseConfig({
    region: BENCH_REGION,
    archive: { bucket },
    services: [{ name: "bench-svc", table: { name: BENCH_TABLE, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } }, archiver: { functionName: "bench-archiver" } }],
    attribution: { enabled: true },
  });
}
