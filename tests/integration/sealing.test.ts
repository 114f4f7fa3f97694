import { DeleteObjectCommand, GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { getArchivedRecord, listDayRecords, listDays, SealedDayError } from "../../lib/archive/archive-reader";
import { dayPrefix } from "../../lib/archive/layout";
import { dayManifestKey, monthSummaryKey } from "../../lib/archive/sealed-format";
import { sealDay, sealService } from "../../lib/archive/sealer";
import { createS3Client } from "../../lib/aws/clients";
import { planErasure } from "../../lib/erasure/erasure-plan";
import { getRetrievalStatus, requestRetrieval } from "../../lib/archive/glacier-retrieval";
import { findDeletionsByPartitionKey } from "../../lib/archive/key-lookup";
import { deleteVersions, listVersionsUnder } from "../../lib/archive/object-versions";
import { rebuildIndex } from "../../lib/archive/reindex";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { archiveAll, deletionsOfDay, lookUp, readDay, sealingFixture } from "../support/sealing";

/**
 * Sealing against moto: a day's records move into bundles and every reader still shows
 * each of them exactly once, with the same bytes, at a cost that does not grow with the day.
 */

let s3: S3Client;
let config: LazarusConfig;
let service: ServiceConfig;
const day = { year: 2024, month: 1, day: 15 };
const RECORDS = 230;

function countingClient() {
  const client = createS3Client({ region: config.region });
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts.set(context.commandName ?? "?", (counts.get(context.commandName ?? "?") ?? 0) + 1);
      return next(args);
    },
    { step: "initialize" },
  );
  return { client, counts, total: () => [...counts.values()].reduce((a, b) => a + b, 0), reset: () => counts.clear() };
}

async function versionsUnder(prefix: string): Promise<number> {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket: config.archive.bucket, Prefix: prefix }));
  return (out.Versions ?? []).length + (out.DeleteMarkers ?? []).length;
}

beforeAll(async () => {
  ({ s3, config, service } = await sealingFixture("sealing"));
});

describe("a sealed day", () => {
  const records = () => deletionsOfDay(day, RECORDS);
  let fixture: ReturnType<typeof records>;
  let before: Awaited<ReturnType<typeof readDay>>;

  beforeAll(async () => {
    fixture = records();
    await archiveAll(s3, config, service, fixture);
    before = await readDay(s3, config, service, day);
    const report = await sealDay(s3, config, service, day, { now: new Date("2024-02-01T00:00:00Z"), manifestPageRows: 100 });
    expect(report).toMatchObject({ outcome: "sealed", records: RECORDS, newlySealed: RECORDS, leftInPlace: [] });
  }, 240_000);

  it("keeps no per-record object, in any version", async () => {
    expect(await versionsUnder(dayPrefix(config.archive.prefix, service.name, day))).toBe(0);
  });

  it("shows every record once, in the same order, with the same item, and the same counts", async () => {
    expect(before.names).toHaveLength(RECORDS);
    const after = await readDay(s3, config, service, day);
    expect(after).toEqual(before);
    expect(after.counts).toEqual({ records: RECORDS, ttl: 77, manual: 153 });
  });

  it("pages with the same cursors in pages of any size", async () => {
    for (const size of [7, 100, 1000]) expect(await dayNames(size)).toEqual(before.names);
  });

  it("finds each key through the by-key index and reads it with one GET of its entry and one ranged GET", async () => {
    expect(await lookUp(s3, config, service, "U#17")).toEqual([before.images[before.names.findIndex((n) => n.includes("_U#17_"))]]);
    const { client, counts, total } = countingClient();
    const read = await getArchivedRecord(client, config, service, before.names[5]!);
    expect(read.ok && read.sealed).toBeTruthy();
    expect(total()).toBe(2);
    expect(counts.get("GetObjectCommand")).toBe(2);
  });

  it("costs the same requests for the month and a page of the day as an open day of a few records", async () => {
    const { client, counts, total, reset } = countingClient();
    await listDays(client, config, service, day);
    expect(Object.fromEntries(counts)).toEqual({ GetObjectCommand: 1, ListObjectsV2Command: 2 });
    reset();
    await listDayRecords(client, config, service, day, { limit: 100 });
    expect(Object.fromEntries(counts)).toEqual({ GetObjectCommand: 2, ListObjectsV2Command: 1 });
    expect(total()).toBe(3);
  });

  it("does nothing more when sealed again", async () => {
    const again = await sealDay(s3, config, service, day, { now: new Date("2024-02-01T00:00:00Z") });
    expect(again).toMatchObject({ outcome: "unchanged", newlySealed: 0, duplicatesRemoved: 0, objectVersionsDeleted: 0 });
    expect((await readDay(s3, config, service, day)).names).toEqual(before.names);
  });

  it("shows a late record and hides a redelivered one, then folds both into the seal", async () => {
    const late = deletionsOfDay(day, 1, "LATE");
    await archiveAll(s3, config, service, [...late, fixture[3]!]);
    const seen = await readDay(s3, config, service, day);
    expect(seen.names).toHaveLength(RECORDS + 1);
    expect(new Set(seen.names).size).toBe(RECORDS + 1);
    expect(seen.counts?.records).toBe(RECORDS + 1);

    const report = await sealDay(s3, config, service, day, { now: new Date("2024-02-01T00:00:00Z"), manifestPageRows: 100 });
    expect(report).toMatchObject({ outcome: "sealed", records: RECORDS + 1, newlySealed: 1, duplicatesRemoved: 1 });
    expect(await readDay(s3, config, service, day)).toEqual(seen);
    expect(await versionsUnder(dayPrefix(config.archive.prefix, service.name, day))).toBe(0);
    expect(await lookUp(s3, config, service, "LATE#0")).toHaveLength(1);
  });
});

describe("the by-key index of a sealed day", () => {
  it("keeps sealed records' entries when pruned, and rebuilds them from the bundles when lost", async () => {
    const pruned = await rebuildIndex(s3, config, service, { prune: true });
    expect(pruned).toMatchObject({ pruned: 0, created: 0, errors: [], skipped: [] });

    const indexBase = `${config.archive.prefix}${service.name}/_by-key/`;
    const entries = [];
    for await (const version of listVersionsUnder(s3, config.archive.bucket, indexBase)) entries.push(version);
    await deleteVersions(s3, config.archive.bucket, entries);

    const rebuilt = await rebuildIndex(s3, config, service, { prune: true });
    expect(rebuilt.errors).toEqual([]);
    expect(rebuilt.created).toBeGreaterThanOrEqual(RECORDS);
    const sample = await lookUp(s3, config, service, "U#17");
    expect(sample).toHaveLength(1);
    expect(sample[0]).not.toMatch(/^unreadable/);
    const { client, total } = countingClient();
    const found = await findDeletionsByPartitionKey(client, config, service, { S: "U#17" });
    const read = await getArchivedRecord(client, config, service, found.deletions[0]!.archiveKey);
    expect(read.ok && read.sealed).toBeTruthy();
    expect(total()).toBe(3);
  });
});

describe("erasure of a sealed record", () => {
  it("is planned through its day's manifest and bundle, with nothing in the way (erasure-sealed.test.ts erases)", async () => {
    const plan = await planErasure(s3, config, { match: "exact", key: "U#4" });
    expect(plan.records).toHaveLength(1);
    expect(plan.blockers).toEqual([]);
    expect(plan.sealedDays.map((d) => [d.day, d.names.length, d.parts.length])).toEqual([[day, 1, 1]]);
  });
});

describe("a sealed day in Glacier", () => {
  it("says the whole bundle must be retrieved, how big it is, and reads the record once it is", async () => {
    const cold = { year: 2024, month: 5, day: 20 };
    await archiveAll(s3, config, service, deletionsOfDay(cold, 3, "COLD"));
    await sealDay(s3, config, service, cold);
    const { names } = await readDay(s3, config, service, cold);
    const sealed = await getArchivedRecord(s3, config, service, names[1]!);
    const bundle = sealed.ok ? sealed.sealed!.key : "";
    // As lifecycle rules would leave it: the same bytes, in Glacier Flexible Retrieval.
    const body = await (await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: bundle }))).Body!.transformToByteArray();
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: bundle, Body: body, StorageClass: "GLACIER" }));

    expect(await getArchivedRecord(s3, config, service, names[1]!)).toMatchObject({
      ok: false,
      error: { kind: "archived-in-glacier", storageClass: "GLACIER", message: expect.stringContaining(`sealed in a bundle of ${body.byteLength} bytes`) },
    });
    expect(await getRetrievalStatus(s3, config, service, names[1]!)).toEqual({
      state: "not-requested",
      storageClass: "GLACIER",
      bundle: { key: bundle, records: 3, bytes: body.byteLength },
    });
    const status = await requestRetrieval(s3, config, service, names[1]!, { tier: "Bulk", days: 1 });
    expect(status.bundle).toEqual({ key: bundle, records: 3, bytes: body.byteLength });
    // moto makes the copy at once; S3 takes hours.
    if (status.state === "available") expect(await getArchivedRecord(s3, config, service, names[1]!)).toMatchObject({ ok: true, storageClass: "GLACIER" });
  });
});

describe("which days are sealed", () => {
  it("seals the days old enough and leaves the recent ones open", async () => {
    const old = { year: 2024, month: 3, day: 1 };
    const recent = { year: 2024, month: 3, day: 9 };
    await archiveAll(s3, config, service, [...deletionsOfDay(old, 5, "OLD"), ...deletionsOfDay(recent, 5, "NEW")]);
    const report = await sealService(s3, config, service, { now: new Date("2024-03-10T12:00:00Z") });
    expect(report.days.filter((d) => d.date.startsWith("2024-03")).map((d) => [d.date, d.outcome])).toEqual([["2024-03-01", "sealed"]]);
    const march = await listDays(s3, config, service, old);
    expect(march.days.map((d) => [d.date, d.records, d.sealed !== undefined])).toEqual([
      ["2024-03-01", 5, true],
      ["2024-03-09", 5, false],
    ]);
  });
});

describe("a damaged sealed day", () => {
  const damaged = { year: 2024, month: 4, day: 2 };

  beforeAll(async () => {
    await archiveAll(s3, config, service, deletionsOfDay(damaged, 12, "DMG"));
    await sealDay(s3, config, service, damaged, { now: new Date("2024-05-01T00:00:00Z") });
  });

  it("reports a record whose bundle is gone as unreadable, not as missing", async () => {
    const { names } = await readDay(s3, config, service, damaged);
    const read = await getArchivedRecord(s3, config, service, names[0]!);
    expect(read.ok).toBe(true);
    const bundle = read.ok ? read.sealed!.key : "";
    await removeAllVersions(bundle);
    const after = await getArchivedRecord(s3, config, service, names[0]!);
    expect(after).toMatchObject({ ok: false, error: { kind: "corrupt", message: expect.stringContaining("bundle") } });
  });

  it("reports a damaged manifest for that day instead of an empty day", async () => {
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: dayManifestKey(config.archive.prefix, service.name, damaged), Body: "{not json" }));
    await expect(listDayRecords(s3, config, service, damaged)).rejects.toThrow(SealedDayError);
    await expect(listDayRecords(s3, config, service, damaged)).rejects.toThrow(/manifest of usr-session-svc on 2024-04-02 is not valid JSON/);
    expect(await sealDay(s3, config, service, damaged)).toMatchObject({ outcome: "failed", problem: expect.stringContaining("not valid JSON") });
  });

  it("reports a missing manifest for that day instead of an empty day", async () => {
    await removeAllVersions(dayManifestKey(config.archive.prefix, service.name, damaged));
    await expect(listDayRecords(s3, config, service, damaged)).rejects.toThrow(/sealed, but its manifest is missing/);
  });

  it("reports a damaged month summary on the month", async () => {
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: monthSummaryKey(config.archive.prefix, service.name, damaged), Body: "[]" }));
    expect((await listDays(s3, config, service, damaged)).problem).toMatch(/sealed-days summary of usr-session-svc for 2024-04 is invalid/);
  });
});

async function dayNames(limit: number): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listDayRecords(s3, config, service, day, { limit, ...(cursor ? { cursor } : {}) });
    names.push(...page.entries.map((e) => e.archiveKey));
    cursor = page.nextCursor;
  } while (cursor);
  return names;
}

async function removeAllVersions(key: string) {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket: config.archive.bucket, Prefix: key }));
  for (const v of [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]) {
    await s3.send(new DeleteObjectCommand({ Bucket: config.archive.bucket, Key: v.Key!, VersionId: v.VersionId! }));
  }
}
