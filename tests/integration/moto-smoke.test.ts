import { describe, expect, it } from "vitest";
import { CreateBucketCommand, PutObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createS3Client } from "../../lib/aws/clients";
import { uniqueName, motoEnv } from "../support/aws";

describe("local endpoint", () => {
  it("serves S3 through the SDK with path-style addressing", async () => {
    const { region } = motoEnv();
    const s3 = createS3Client({ region });
    const bucket = uniqueName("smoke");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a/b.json", Body: "{}" }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(["a/b.json"]);
  });
});
