import { CopyObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { getArchivedRecord, listDayRecords } from "../../lib/archive/archive-reader";
import { sealDay } from "../../lib/archive/sealer";
import { archiveAll, deletionsOfDay, sealingFixture } from "../support/sealing";

/**
 * A day whose older objects a lifecycle rule already moved to Glacier (as the demo's
 * records from over a year ago are): sealing bundles what it can read and leaves the
 * Glacier object as it is, still listed once and reported as in Glacier, not lost.
 */

const DAY = { year: 2024, month: 3, day: 12 };

describe("sealing a day that holds a Glacier object", () => {
  it("seals the readable records and leaves the Glacier one in place, listed once", async () => {
    const { s3, config, service } = await sealingFixture("seal-glacier");
    const keys = await archiveAll(s3, config, service, deletionsOfDay(DAY, 6, "G"));
    const frozen = keys[2]!;
    const bucket = config.archive.bucket;
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: frozen, CopySource: `${bucket}/${frozen.split("/").map(encodeURIComponent).join("/")}`, StorageClass: "GLACIER", MetadataDirective: "COPY" }));

    const report = await sealDay(s3, config, service, DAY, { now: new Date("2024-05-01T00:00:00Z") });
    expect(report).toMatchObject({ outcome: "sealed", records: 5, newlySealed: 5 });
    expect(report.leftInPlace).toEqual([{ key: frozen, reason: expect.stringMatching(/Glacier/) }]);

    const listed = await listDayRecords(s3, config, service, DAY, { limit: 100 });
    expect(listed.entries.map((e) => e.archiveKey).sort()).toEqual([...keys].sort());
    expect(listed.entries.find((e) => e.archiveKey === frozen)?.storageClass).toBe("GLACIER");
    const read = await getArchivedRecord(s3, config, service, frozen);
    expect(read).toMatchObject({ ok: false, error: { kind: "archived-in-glacier" } });
    expect((await getArchivedRecord(s3, config, service, keys[0]!)).ok).toBe(true);
  });
});
