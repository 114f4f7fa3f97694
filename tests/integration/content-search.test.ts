import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import type { AttributeMap } from "../../lib/archive/attribute-value";
import { sealDay } from "../../lib/archive/sealer";
import { readDayManifest } from "../../lib/archive/sealed-store";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { contentSearchSchema, type ContentSearchInput } from "../../lib/search/content-query";
import { searchArchive, type ScanStats, type SearchEvent } from "../../lib/search/local-engine";
import { archiveAll, deletionsOfDay, sealingFixture } from "../support/sealing";
import { removeRecord } from "../support/stream-events";

/**
 * The local engine against moto: a sealed day read from its bundles and an open day
 * read from its objects, tricky types, the time window, the cap, cancel, and a damaged
 * bundle that is reported while the scan goes on.
 */

let s3: S3Client;
let config: LazarusConfig;
let service: ServiceConfig;
const SEALED = { year: 2024, month: 3, day: 5 };
const OPEN = { year: 2024, month: 3, day: 6 };
const DAMAGED = { year: 2024, month: 3, day: 7 };
const BIG = "12345678901234567890123456789012345678";
const BLOB = Buffer.from([0, 1, 2, 0xff]).toString("base64");

function profile(id: string, at: string, extra: AttributeMap, ttl = false) {
  const keys = { PK: { S: `CONTACT#${id}` }, SK: { S: "PROFILE" } };
  return removeRecord({ keys, at: new Date(at), ttl, oldImage: { ...keys, ...extra } });
}

const tricky: AttributeMap = {
  email: { S: "Maria.Jensen@example.com" },
  balance: { N: BIG },
  tags: { SS: ["vip", "newsletter"] },
  scores: { NS: ["1", "2.50"] },
  avatar: { B: BLOB },
  address: { M: { city: { S: "Aarhus" }, lines: { L: [{ S: "Nørregade 1" }] } } },
  orders: { L: [{ M: { sku: { S: "SKU-1" }, qty: { N: "2" } } }, { M: { sku: { S: "SKU-9" }, qty: { N: "1" } } }] },
};

async function collect(input: ContentSearchInput, options: { signal?: AbortSignal; stats?: ScanStats } = {}) {
  const events: SearchEvent[] = [];
  for await (const event of searchArchive(s3, config, contentSearchSchema.parse(input), { concurrency: 3, ...options })) events.push(event);
  const done = events.at(-1);
  if (done?.type !== "done") throw new Error("no done event");
  return {
    matches: events.flatMap((e) => (e.type === "match" ? [e.match] : [])),
    problems: events.flatMap((e) => (e.type === "problem" ? [e.problem] : [])),
    done,
    events,
  };
}

const march = { from: "2024-03-05T00:00Z", to: "2024-03-07T23:59Z" };

beforeAll(async () => {
  ({ s3, config, service } = await sealingFixture("content-search"));
  await archiveAll(s3, config, service, [
    profile("c-1001", "2024-03-05T10:31:00Z", tricky),
    profile("c-1002", "2024-03-05T10:50:00Z", { ...tricky, email: { S: "other@example.com" }, balance: { N: "12345678901234567890123456789012345679" } }),
    ...deletionsOfDay(SEALED, 120, "S"),
    profile("c-2001", "2024-03-06T08:00:00Z", { ...tricky, email: { S: "maria.jensen@example.com" } }, true),
    ...deletionsOfDay(OPEN, 30, "O"),
    profile("c-3001", "2024-03-07T00:00:10Z", { email: { S: "maria.jensen@example.com" } }),
    ...deletionsOfDay(DAMAGED, 40, "D"),
  ]);
  const now = new Date("2024-04-01T00:00:00Z");
  await sealDay(s3, config, service, SEALED, { now });
  await sealDay(s3, config, service, DAMAGED, { now });
  // Damage the middle of the damaged day's bundle: gzip fails there.
  const manifest = (await readDayManifest(s3, config, service, DAMAGED))!;
  const part = manifest.parts[0]!;
  const got = await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: part.key }));
  const bytes = Buffer.from(await got.Body!.transformToByteArray());
  bytes.fill(0x41, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 64);
  await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: part.key, Body: bytes }));
}, 240_000);

describe("content search, local engine", () => {
  it("finds a record by email in a sealed day and an open day, case-insensitively, with links that open the record", async () => {
    const stats: ScanStats = { manifestReads: 0, lists: 0, bundleGets: 0, objectGets: 0 };
    const { matches, done } = await collect(
      { ...march, conditions: [{ path: "email", op: "equals", value: "maria.jensen@example.com", caseInsensitive: true }] },
      { stats },
    );
    expect(matches.map((m) => m.partitionKey).sort()).toEqual(["CONTACT#c-1001", "CONTACT#c-2001", "CONTACT#c-3001"]);
    expect(matches.find((m) => m.partitionKey === "CONTACT#c-1001")).toMatchObject({ sealed: true, deletionType: "manual", deletedAt: "2024-03-05T10:31:00.000Z" });
    expect(matches.find((m) => m.partitionKey === "CONTACT#c-2001")).toMatchObject({ sealed: false, deletionType: "ttl" });
    // The key a sealed match links to is the record's archive key: the record page opens it.
    const sealedKey = matches.find((m) => m.partitionKey === "CONTACT#c-1001")!.archiveKey;
    expect(sealedKey).toMatch(/^archive\/usr-session-svc\/2024\/03\/05\/103100Z_manual_CONTACT#c-1001_PROFILE_[0-9a-f]{16}\.json$/);
    expect(done).toMatchObject({ outcome: "complete", progress: { daysTotal: 3, daysScanned: 3, matches: 3 } });
    expect(done.progress.bytesScanned).toBe(done.progress.bytesTotal);
    // One GET per bundle part of the two sealed days, plus one ranged GET that reads the
    // damaged part's intact members; the open day's objects one GET each.
    expect(stats.bundleGets).toBe(3);
    expect(stats.objectGets).toBe(31);
  });

  it("compares 38-digit numbers exactly and matches sets, binary and nested paths by typed value", async () => {
    const find = async (condition: ContentSearchInput["conditions"]) => (await collect({ ...march, conditions: condition })).matches.map((m) => m.partitionKey).sort();
    expect(await find([{ path: "balance", op: "equals", value: BIG }])).toEqual(["CONTACT#c-1001", "CONTACT#c-2001"]);
    expect(await find([{ path: "balance", op: "numberRange", min: "12345678901234567890123456789012345679" }])).toEqual(["CONTACT#c-1002"]);
    expect(await find([{ path: "scores", op: "equals", value: "2.5" }, { path: "tags", op: "equals", value: "vip" }])).toEqual(["CONTACT#c-1001", "CONTACT#c-1002", "CONTACT#c-2001"]);
    expect(await find([{ path: "avatar", op: "equals", value: BLOB }, { path: "address.city", op: "equals", value: "Aarhus" }])).toHaveLength(3);
    expect(await find([{ path: "orders[1].sku", op: "equals", value: "SKU-9" }, { path: "address.lines[0]", op: "beginsWith", value: "Nørre" }])).toHaveLength(3);
    expect(await find([{ path: "orders[0].sku", op: "equals", value: "SKU-9" }])).toEqual([]);
  });

  it("keeps to the time window to the minute and the deletion type", async () => {
    const email = [{ path: "email", op: "contains" as const, value: "@example.com" }];
    const window = await collect({ from: "2024-03-05T10:30Z", to: "2024-03-05T10:45Z", conditions: email });
    expect(window.matches.map((m) => m.partitionKey)).toEqual(["CONTACT#c-1001"]);
    const ttl = await collect({ ...march, deletionType: "ttl", conditions: email });
    expect(ttl.matches.map((m) => m.partitionKey)).toEqual(["CONTACT#c-2001"]);
  });

  it("reports a damaged bundle with its day and goes on with the other days", async () => {
    const { matches, problems, done } = await collect({ ...march, conditions: [{ path: "email", op: "exists" }] });
    expect(problems).toEqual([expect.objectContaining({ service: "usr-session-svc", day: "2024-03-07", message: expect.stringMatching(/is damaged.*read one by one, and [1-9]\d* could not be read/) })]);
    expect(matches.map((m) => m.partitionKey)).toEqual(expect.arrayContaining(["CONTACT#c-1001", "CONTACT#c-1002", "CONTACT#c-2001", "CONTACT#c-3001"]));
    expect(done.outcome).toBe("complete");
  });

  it("stops at the cap and says so", async () => {
    const { matches, done } = await collect({ ...march, cap: 25, conditions: [{ path: "SK", op: "equals", value: "SESSION" }] });
    expect(matches).toHaveLength(25);
    expect(done.outcome).toBe("capped");
  });

  it("stops when cancelled", async () => {
    const controller = new AbortController();
    const events: SearchEvent[] = [];
    for await (const event of searchArchive(s3, config, contentSearchSchema.parse({ ...march, conditions: [] }), { signal: controller.signal, concurrency: 1 })) {
      events.push(event);
      if (event.type === "match") controller.abort();
    }
    const done = events.at(-1);
    expect(done).toMatchObject({ type: "done", outcome: "cancelled" });
    expect(events.filter((e) => e.type === "match").length).toBeLessThan(100);
  });
});

describe("loose keys", () => {
  it("offers the keys a bare id or a wrongly cased key stands for, through the index's prefixes", async () => {
    const { suggestKeys } = await import("../../lib/search/key-suggestions");
    expect(await suggestKeys(s3, config, "c-1001", [service])).toEqual([{ service: "usr-session-svc", partitionKey: "CONTACT#c-1001" }]);
    expect(await suggestKeys(s3, config, "contact#c-100", [service])).toEqual(
      expect.arrayContaining([{ service: "usr-session-svc", partitionKey: "CONTACT#c-1001" }, { service: "usr-session-svc", partitionKey: "CONTACT#c-1002" }]),
    );
    expect(await suggestKeys(s3, config, "nobody", [service])).toEqual([]);
  });
});
