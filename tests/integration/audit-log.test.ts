import { beforeAll, describe, expect, it } from "vitest";
import { CreateBucketCommand, DeleteObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "../../lib/aws/clients";
import { parseConfig } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import { ArchiveInputError } from "../../lib/archive/archive-reader";
import { appendAuditEntry, listAuditEntries, type AuditEntry, type NewAuditEntry } from "../../lib/audit/audit-log";
import { auditDayPrefix, auditEntryKey } from "../../lib/audit/audit-layout";
import { auditEntriesOfObject, queryRecentAuditEntries } from "../../lib/audit/audit-recent";
import { listKeys } from "./local-stack-fixtures";
import { uniqueName, motoEnv } from "../support/aws";

let s3: S3Client;
let config: LazarusConfig;
let region: string;
const PREFIX = "deleted/";
const day = { year: 2024, month: 4, day: 2 };
const at = (time: string) => new Date(`2024-04-02T${time}Z`);

function entry(operationId: string, outcome: NewAuditEntry["outcome"]): NewAuditEntry {
  return {
    operationId,
    actor: { id: "u1", email: "compliance@example.com", name: "Cora Compliance" },
    role: "compliance",
    action: "export",
    outcome,
    service: "usr-contact-svc",
    details: { rows: 12 },
  };
}

async function readWholeDay(limit: number): Promise<{ pages: AuditEntry[][]; unreadable: { key: string; reason: string }[] }> {
  const pages: AuditEntry[][] = [];
  const unreadable: { key: string; reason: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await listAuditEntries(s3, config, { day, limit, ...(cursor ? { cursor } : {}) });
    pages.push(page.entries);
    unreadable.push(...page.unreadable);
    cursor = page.nextCursor;
  } while (cursor);
  return { pages, unreadable };
}

function configFor(archive: Record<string, unknown>, extra: Record<string, unknown> = {}): LazarusConfig {
  return parseConfig({
    region,
    archive: { prefix: PREFIX, ...archive },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" } },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
    ],
    ...extra,
  });
}

beforeAll(async () => {
  ({ region } = motoEnv());
  s3 = createS3Client({ region });
  const bucket = uniqueName("audit");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  config = configFor({ bucket });
});

describe("audit log", () => {
  let written: AuditEntry[];

  beforeAll(async () => {
    // Written out of order: the listing must still come back in time order.
    written = [];
    for (const time of ["10:00:00.500", "09:00:00.000", "23:59:59.999", "00:00:00.000", "12:30:00.250"]) {
      written.push(await appendAuditEntry(s3, config, entry(`op-${time}`, "succeeded"), at(time)));
    }
    await appendAuditEntry(s3, config, entry("op-next-day", "succeeded"), new Date("2024-04-03T00:00:00.000Z"));
  });

  it("stores one object per entry under {prefix}_audit/{yyyy}/{mm}/{dd}/", async () => {
    const keys = await listKeys(s3, config.archive.bucket, `${PREFIX}_audit/`);
    expect(keys).toHaveLength(6);
    expect(keys).toContain(auditEntryKey(PREFIX, at("09:00:00.000"), written[1]!.id));
    expect(keys.every((k) => /^deleted\/_audit\/2024\/04\/0[23]\/\d{8}T\d{6}\.\d{3}Z_[0-9a-f-]{36}\.json$/.test(k))).toBe(true);
  });

  it("pages through a day in time order, each entry once", async () => {
    const { pages, unreadable } = await readWholeDay(2);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(unreadable).toEqual([]);
    expect(pages.flat().map((e) => e.at)).toEqual([
      "2024-04-02T00:00:00.000Z",
      "2024-04-02T09:00:00.000Z",
      "2024-04-02T10:00:00.500Z",
      "2024-04-02T12:30:00.250Z",
      "2024-04-02T23:59:59.999Z",
    ]);
    expect(pages.flat()[0]).toEqual({ ...entry("op-00:00:00.000", "succeeded"), schemaVersion: 1, id: written[3]!.id, at: "2024-04-02T00:00:00.000Z" });
  });

  it("refuses damaged cursors, cursors of another day and bad limits", async () => {
    const { nextCursor } = await listAuditEntries(s3, config, { day, limit: 1 });
    expect(nextCursor).toBeDefined();
    await expect(listAuditEntries(s3, config, { day: { ...day, day: 3 }, cursor: nextCursor! })).rejects.toThrow(/belongs to 2024-04-02/);
    await expect(listAuditEntries(s3, config, { day, cursor: "not a cursor!" })).rejects.toThrow(ArchiveInputError);
    await expect(listAuditEntries(s3, config, { day, cursor: Buffer.from('{"v":1}').toString("base64url") })).rejects.toThrow(ArchiveInputError);
    await expect(listAuditEntries(s3, config, { day, limit: 0 })).rejects.toThrow(ArchiveInputError);
    await expect(listAuditEntries(s3, config, { day: { year: 2024, month: 2, day: 30 } })).rejects.toThrow(ArchiveInputError);
  });

  it("reports entries it cannot read instead of failing the page", async () => {
    const otherDay = { year: 2024, month: 4, day: 5 };
    const base = auditDayPrefix(PREFIX, otherDay);
    const good = await appendAuditEntry(s3, config, entry("op-good", "started"), new Date("2024-04-05T08:00:00.000Z"));
    const put = (name: string, body: string) => s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: base + name, Body: body }));
    const id = "11111111-2222-4333-8444-555555555555";
    await put(`20240405T090000.000Z_${id}.json`, "{ not json");
    await put(`20240405T100000.000Z_${id}.json`, JSON.stringify({ ...good, role: "superuser", id }));
    await put(`20240405T110000.000Z_${id}.json`, JSON.stringify({ ...good, at: "2024-04-05T11:00:00.000Z" }));
    await put("notes.txt", "hello");

    const page = await listAuditEntries(s3, config, { day: otherDay });

    expect(page.entries.map((e) => e.id)).toEqual([good.id]);
    expect(page.unreadable.map((u) => [u.key.slice(base.length), u.reason])).toEqual([
      [`20240405T090000.000Z_${id}.json`, "not valid JSON"],
      [`20240405T100000.000Z_${id}.json`, expect.stringMatching(/^invalid entry: role/)],
      [`20240405T110000.000Z_${id}.json`, "the entry's id or time does not match its name"],
      ["notes.txt", expect.stringMatching(/not an audit entry name/)],
    ]);
  });

  it("refuses to write an entry that would not read back", async () => {
    await expect(appendAuditEntry(s3, config, { ...entry("op", "started"), role: "root" as "admin" })).rejects.toThrow();
  });
});

describe("audit log under Object Lock (audit.objectLock)", () => {
  const DAY_MS = 86_400_000;

  it("gives every entry its own retention, so S3 refuses to delete it, while the rest of the bucket stays unlocked", async () => {
    // Object Lock enabled and no default retention: only what is written with a retention is locked.
    const bucket = uniqueName("audit-locked");
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    const locked = configFor({ bucket, objectLock: { enabled: true } }, { audit: { objectLock: { mode: "COMPLIANCE", retentionDays: 30 } } });

    const written = await appendAuditEntry(s3, locked, entry("op-locked", "started"));
    const key = auditEntryKey(PREFIX, new Date(written.at), written.id);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ObjectLockMode).toBe("COMPLIANCE");
    expect(Math.abs(head.ObjectLockRetainUntilDate!.getTime() - (Date.parse(written.at) + 30 * DAY_MS))).toBeLessThan(1_000);

    // Neither the entry's version nor the entry itself can be removed.
    await expect(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: head.VersionId }))).rejects.toMatchObject({ name: "AccessDenied" });
    const now = new Date(written.at);
    const today = { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() };
    expect((await listAuditEntries(s3, locked, { day: today })).entries).toEqual([written]);

    // An archive object in the same bucket gets no retention, so erasure can still delete it.
    const archiveKey = `${PREFIX}usr-contact-svc/2024/04/02/record.json`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: archiveKey, Body: "{}" }));
    const archived = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: archiveKey }));
    expect(archived.ObjectLockMode).toBeUndefined();
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: archiveKey, VersionId: archived.VersionId }));
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: archiveKey }));
    expect(versions.Versions ?? []).toEqual([]);
  });

  it("refuses to write an entry it should lock into a bucket without Object Lock, rather than write it unlocked", async () => {
    const bucket = uniqueName("audit-unlockable");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const misdeployed = configFor({ bucket, objectLock: { enabled: true } }, { audit: { objectLock: { retentionDays: 30 } } });
    await expect(appendAuditEntry(s3, misdeployed, entry("op-unlockable", "started"))).rejects.toMatchObject({ name: "InvalidRequest" });
    expect(await listKeys(s3, bucket, `${PREFIX}_audit/`)).toEqual([]);
  });
});

describe("the audit log newest first, and by archive object", () => {
  let bucket: string;
  let fresh: LazarusConfig;
  const restoreOf = (archiveKey: string, operationId: string, outcome: NewAuditEntry["outcome"]): NewAuditEntry => ({
    ...entry(operationId, outcome),
    action: "restore",
    archiveKey,
    table: "usr-contact",
  });

  beforeAll(async () => {
    bucket = uniqueName("audit-recent");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    fresh = configFor({ bucket });
    for (const [i, time] of ["08:00:00.000", "09:00:00.000", "10:00:00.000", "11:00:00.000", "12:00:00.000"].entries()) {
      await appendAuditEntry(s3, fresh, i % 2 === 0 ? restoreOf(`${PREFIX}usr-contact-svc/2024/04/01/a.json`, `op-${i}`, "succeeded") : entry(`op-${i}`, "succeeded"), at(time));
    }
    await appendAuditEntry(s3, fresh, restoreOf(`${PREFIX}usr-contact-svc/2024/04/01/b.json`, "op-b", "refused"), new Date("2024-04-03T07:00:00.000Z"));
  });

  it("pages newest first across days, reading only what it shows", async () => {
    const first = await queryRecentAuditEntries(s3, fresh, { from: "2024-04-02", to: "2024-04-03", limit: 4 });
    expect(first.entries.map((e) => e.at.slice(8, 13))).toEqual(["03T07", "02T12", "02T11", "02T10"]);
    expect(first.scanned).toBe(4);
    const rest = await queryRecentAuditEntries(s3, fresh, { from: "2024-04-02", to: "2024-04-03", limit: 4, cursor: first.nextCursor! });
    expect(rest.entries.map((e) => e.at.slice(8, 13))).toEqual(["02T09", "02T08"]);
    expect(rest.nextCursor).toBeUndefined();
  });

  it("filters newest first by action and by key", async () => {
    const restores = await queryRecentAuditEntries(s3, fresh, { from: "2024-04-02", to: "2024-04-03", filter: { action: ["restore"] } });
    expect(restores.entries.map((e) => e.operationId)).toEqual(["op-b", "op-4", "op-2", "op-0"]);
    const ofB = await queryRecentAuditEntries(s3, fresh, { from: "2024-04-02", to: "2024-04-03", filter: { key: "/b.json" } });
    expect(ofB.entries.map((e) => e.operationId)).toEqual(["op-b"]);
  });

  it("finds the entries that name one archive object, by its marker folder", async () => {
    const ofA = await auditEntriesOfObject(s3, fresh, `${PREFIX}usr-contact-svc/2024/04/01/a.json`);
    expect(ofA.map((e) => e.operationId)).toEqual(["op-0", "op-2", "op-4"]);
    expect(await auditEntriesOfObject(s3, fresh, `${PREFIX}usr-contact-svc/2024/04/01/none.json`)).toEqual([]);
    // The day listing is not confused by the marker folder.
    expect((await listAuditEntries(s3, fresh, { day })).entries).toHaveLength(5);
  });
});

describe("the by-object marker", () => {
  it("is sent as an empty object of known length, so the SDK does not take it for a stream of unknown length", async () => {
    const bucket = uniqueName("audit-marker");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const watched = createS3Client({ region });
    const sent: { key: string; contentLength: string | undefined }[] = [];
    watched.middlewareStack.add(
      (next, context) => async (args) => {
        const request = args.request as { path?: string; headers?: Record<string, string> };
        if (context.commandName === "PutObjectCommand") sent.push({ key: request.path ?? "", contentLength: request.headers?.["content-length"] });
        return next(args);
      },
      { step: "finalizeRequest", name: "recordPutObjectLength" },
    );
    await appendAuditEntry(watched, configFor({ bucket }), { ...entry("op-marker", "succeeded"), action: "restore", archiveKey: `${PREFIX}usr-contact-svc/2024/04/01/m.json`, table: "usr-contact" }, at("08:00:00.000"));
    expect(sent).toHaveLength(2);
    const marker = sent.find((s) => s.key.includes("/_audit/_by-object/"));
    expect(marker?.contentLength).toBe("0");
    expect(Number(sent.find((s) => s !== marker)?.contentLength)).toBeGreaterThan(0);
  });
});

describe("a busy day newest first", () => {
  let bucket: string;
  let busy: LazarusConfig;
  // Entries on window edges (whole hours, the day's first and last millisecond) and spread between.
  const times = [
    "00:00:00.000", "00:00:00.001", "03:17:45.120", "07:59:59.999", "08:00:00.000", "12:00:00.000", "15:00:00.000", "16:30:00.000",
    "19:00:00.000", "20:00:00.000", "21:00:00.000", "21:30:00.000", "22:00:00.000", "22:00:00.001", "22:59:59.999",
    "23:00:00.000", "23:10:00.000", "23:20:00.000", "23:30:00.000", "23:40:00.000", "23:50:00.000", "23:59:59.999",
  ];
  const base = () => auditDayPrefix(PREFIX, { year: 2024, month: 4, day: 9 });

  beforeAll(async () => {
    bucket = uniqueName("audit-busy");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    busy = configFor({ bucket });
    for (const [i, time] of times.entries()) await appendAuditEntry(s3, busy, entry(`op-${i}`, "succeeded"), new Date(`2024-04-09T${time}Z`));
    // Not an entry, and named exactly like the start of a listing window: reported, not skipped.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${base()}20240409T200000.000Z`, Body: "{}" }));
  });

  it("shows the last hour's entries after listing only that hour", async () => {
    let lists = 0;
    let namesListed = 0;
    const counted = createS3Client({ region });
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === "ListObjectsV2Command") {
          lists += 1;
          namesListed += (result.output as { Contents?: unknown[] }).Contents?.length ?? 0;
        }
        return result;
      },
      { step: "initialize", name: "countLists" },
    );
    const page = await queryRecentAuditEntries(counted, busy, { from: "2024-04-09", to: "2024-04-09", limit: 5 });
    expect(page.entries.map((e) => e.at.slice(11, 23))).toEqual(["23:59:59.999", "23:50:00.000", "23:40:00.000", "23:30:00.000", "23:20:00.000"]);
    expect(page.nextCursor).toBeDefined();
    expect(lists).toBe(1);
    expect(namesListed).toBe(7);
  });

  it("pages through the whole day newest first, each entry once, whatever the page size", async () => {
    for (const limit of [1, 3, 7, 22, 100]) {
      const shown: string[] = [];
      const unreadable: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await queryRecentAuditEntries(s3, busy, { from: "2024-04-09", to: "2024-04-09", limit, ...(cursor ? { cursor } : {}) });
        expect(page.entries.length, `limit ${limit}`).toBeLessThanOrEqual(limit);
        shown.push(...page.entries.map((e) => e.at.slice(11, 23)));
        unreadable.push(...page.unreadable.map((u) => u.key.slice(base().length)));
        cursor = page.nextCursor;
      } while (cursor);
      expect(shown, `limit ${limit}`).toEqual([...times].reverse());
      expect(unreadable, `limit ${limit}`).toEqual(["20240409T200000.000Z"]);
    }
    // Five pagings of the day, 60 pages in all: more than a minute on a loaded 2-core machine.
  }, 180_000);
});

describe("quarter-hour rollups", () => {
  let bucket: string;
  let rolled: LazarusConfig;
  const date = "2024-04-10";
  const times = ["09:01:00.000", "09:05:00.000", "09:14:59.999", "09:15:00.000", "09:20:00.000", "09:44:00.000", "09:45:00.000", "09:59:00.000"];
  const query = { from: date, to: date, limit: 100 };

  function countedClient(): { client: S3Client; gets: () => number } {
    let gets = 0;
    const client = createS3Client({ region });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "GetObjectCommand") gets += 1;
        return next(args);
      },
      { step: "initialize", name: "countGets" },
    );
    return { client, gets: () => gets };
  }

  beforeAll(async () => {
    bucket = uniqueName("audit-rollup");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    rolled = configFor({ bucket });
    for (const [i, time] of times.entries()) await appendAuditEntry(s3, rolled, entry(`op-${i}`, "succeeded"), new Date(`${date}T${time}Z`));
  });

  it("reads a screen of closed quarter hours from one rollup each, showing what the entries show", async () => {
    const direct = await queryRecentAuditEntries(s3, rolled, { ...query, rollups: { read: false } });
    expect(direct.entries.map((e) => e.at.slice(11, 23))).toEqual([...times].reverse());

    const first = countedClient();
    const building = await queryRecentAuditEntries(first.client, rolled, { ...query, rollups: { write: "wait" } });
    expect(building.entries).toEqual(direct.entries);
    // 4 windows without a rollup (one GET each) and every entry by itself; then, to write the rollups, every entry again.
    expect(first.gets()).toBe(4 + 2 * times.length);
    const rollups = await listKeys(s3, bucket, `${PREFIX}_audit/_rollups/`);
    expect(rollups.sort()).toEqual(["0900", "0915", "0930", "0945"].map((w) => `${PREFIX}_audit/_rollups/2024/04/10/${w}.json`));

    const again = countedClient();
    const fromRollups = await queryRecentAuditEntries(again.client, rolled, query);
    expect(fromRollups.entries).toEqual(direct.entries);
    expect(again.gets()).toBe(4);
    // Paged three at a time through the rollups: the same entries, each once, in the same order.
    const paged: AuditEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await queryRecentAuditEntries(s3, rolled, { ...query, limit: 3, ...(cursor ? { cursor } : {}) });
      paged.push(...page.entries);
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(direct.entries);
    // The day's own listing is unchanged: rollups sit outside the day folders.
    expect((await listAuditEntries(s3, rolled, { day: { year: 2024, month: 4, day: 10 } })).entries).toHaveLength(times.length);
  });

  it("still shows an entry written into a window after its rollup, and ignores copies that differ from the listing", async () => {
    const late = await appendAuditEntry(s3, rolled, entry("op-late", "failed"), new Date(`${date}T09:16:00.000Z`));
    // A rollup written by someone else for a window nobody rolled up yet: a changed copy of a
    // real entry, and a copy of an entry that does not exist.
    const lone = await appendAuditEntry(s3, rolled, entry("op-lone", "succeeded"), new Date(`${date}T10:05:00.000Z`));
    const name = auditEntryKey(PREFIX, new Date(lone.at), lone.id).split("/").at(-1)!;
    const ghostAt = new Date(`${date}T10:06:00.000Z`);
    const ghost = { ...lone, id: "00000000-0000-4000-8000-000000000000", at: ghostAt.toISOString(), operationId: "op-ghost" };
    const forged = {
      schemaVersion: 1,
      window: `${date}T10:00:00.000Z`,
      entries: [
        { name, size: 1, etag: '"forged"', entry: { ...lone, outcome: "failed" } },
        { name: auditEntryKey(PREFIX, ghostAt, ghost.id).split("/").at(-1)!, size: 1, etag: '"forged"', entry: ghost },
      ],
    };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${PREFIX}_audit/_rollups/2024/04/10/1000.json`, Body: JSON.stringify(forged) }));

    const page = await queryRecentAuditEntries(s3, rolled, query);
    const ops = page.entries.map((e) => `${e.operationId}:${e.outcome}`);
    expect(ops).toContain("op-late:failed");
    expect(ops).toContain("op-lone:succeeded");
    expect(ops).not.toContain("op-lone:failed");
    expect(ops.some((o) => o.startsWith("op-ghost"))).toBe(false);
    expect(page.entries).toHaveLength(times.length + 2);
    expect(page.entries.find((e) => e.id === late.id)).toEqual(late);
  });
});
