import { beforeAll, describe, expect, it } from "vitest";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "../../lib/aws/clients";
import { findService, parseConfig } from "../../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { ArchiveInputError, getArchivedRecord } from "../../lib/archive/archive-reader";
import { ArchiveObjectNotFoundError, getRetrievalStatus, requestRetrieval } from "../../lib/archive/glacier-retrieval";
import { archiverTargetFor, archiveStreamRecord } from "../../lib/archive/archiver";
import { removeRecord } from "../support/stream-events";
import { uniqueName, motoEnv } from "../support/aws";

let s3: S3Client;
let config: LazarusConfig;
let service: ServiceConfig;

/** An archived record, then re-written in the given storage class as lifecycle rules would leave it. */
async function archivedIn(storageClass: "STANDARD" | "GLACIER" | "DEEP_ARCHIVE" | "GLACIER_IR", pk: string): Promise<string> {
  const outcome = await archiveStreamRecord(
    s3,
    archiverTargetFor(config, service),
    removeRecord({ keys: { PK: { S: pk } }, oldImage: { PK: { S: pk }, note: { S: "n" } }, at: new Date("2023-02-03T04:05:06Z") }),
  );
  if (outcome.status !== "archived") throw new Error(outcome.status);
  if (storageClass !== "STANDARD") {
    const body = await (await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: outcome.archiveKey }))).Body!.transformToString();
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: outcome.archiveKey, Body: body, StorageClass: storageClass }));
  }
  return outcome.archiveKey;
}

beforeAll(async () => {
  const { region } = motoEnv();
  s3 = createS3Client({ region });
  const bucket = uniqueName("glacier");
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
  service = findService(config, "usr-contact-svc")!;
});

describe("Glacier retrieval", () => {
  it("reports Standard and Glacier Instant Retrieval objects as readable without a retrieval", async () => {
    for (const storageClass of ["STANDARD", "GLACIER_IR"] as const) {
      const key = await archivedIn(storageClass, `USER#${storageClass}`);
      expect(await getRetrievalStatus(s3, config, service, key)).toEqual({ state: "readable", storageClass });
      expect(await requestRetrieval(s3, config, service, key, { tier: "Bulk", days: 1 })).toEqual({ state: "readable", storageClass });
    }
  });

  it("takes a Glacier object from unreadable to a restored copy that can be previewed", async () => {
    const key = await archivedIn("GLACIER", "USER#cold");
    const before = await getArchivedRecord(s3, config, service, key);
    expect(before).toMatchObject({ ok: false, error: { kind: "archived-in-glacier", storageClass: "GLACIER" } });
    expect(await getRetrievalStatus(s3, config, service, key)).toEqual({ state: "not-requested", storageClass: "GLACIER" });

    const status = await requestRetrieval(s3, config, service, key, { tier: "Standard", days: 2 });

    // moto makes the copy at once (available, with an expiry); S3 reports in-progress for hours first.
    expect(["in-progress", "available"]).toContain(status.state);
    const head = await s3.send(new HeadObjectCommand({ Bucket: config.archive.bucket, Key: key }));
    expect(head.Restore).toMatch(/ongoing-request="(true|false)"/);
    if (status.state === "available") {
      expect(status.expiresAt).not.toBeNull();
      expect(Date.parse(status.expiresAt!)).toBeGreaterThan(Date.now());
      expect(await getArchivedRecord(s3, config, service, key)).toMatchObject({ ok: true, storageClass: "GLACIER" });
    }
    // Asking again is not an error.
    expect(["in-progress", "available"]).toContain((await requestRetrieval(s3, config, service, key, { tier: "Standard", days: 2 })).state);
  });

  it("refuses Expedited for Deep Archive, out-of-range days, and keys outside the service", async () => {
    const key = await archivedIn("DEEP_ARCHIVE", "USER#deep");
    expect(await getRetrievalStatus(s3, config, service, key)).toEqual({ state: "not-requested", storageClass: "DEEP_ARCHIVE" });
    await expect(requestRetrieval(s3, config, service, key, { tier: "Expedited", days: 1 })).rejects.toThrow(/Expedited/);
    await expect(requestRetrieval(s3, config, service, key, { tier: "Bulk", days: 31 })).rejects.toThrow(ArchiveInputError);
    await expect(requestRetrieval(s3, config, service, key, { tier: "Bulk", days: 0 })).rejects.toThrow(ArchiveInputError);
    await expect(requestRetrieval(s3, config, service, key, { tier: "Fast" as "Bulk", days: 1 })).rejects.toThrow(ArchiveInputError);
    await expect(getRetrievalStatus(s3, config, service, "other-svc/2023/02/03/x.json")).rejects.toThrow(ArchiveInputError);
    expect((await requestRetrieval(s3, config, service, key, { tier: "Bulk", days: 30 })).state).toMatch(/in-progress|available/);
  });

  it("says when the object does not exist", async () => {
    await expect(getRetrievalStatus(s3, config, service, "usr-contact-svc/2023/02/03/000000Z_manual_x_0000000000000000.json")).rejects.toThrow(
      ArchiveObjectNotFoundError,
    );
  });
});
