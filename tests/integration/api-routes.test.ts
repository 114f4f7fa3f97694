import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { NextRequest } from "next/server";
import pLimit from "p-limit";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { GET as getAudit } from "@/app/api/audit/route";
import { GET as search } from "@/app/api/search/route";
import { POST as contentSearch } from "@/app/api/search/content/route";
import { scanAuditEntries } from "@/lib/audit/audit-log";
import type { SearchStreamLine } from "@/lib/search/search-events";
import { GET as getDayRecords } from "@/app/api/services/[service]/days/[date]/records/route";
import { GET as compare } from "@/app/api/services/[service]/records/compare/route";
import { POST as restore } from "@/app/api/services/[service]/records/restore/route";
import { archiverTargetFor, archiveStreamRecord } from "@/lib/archive/archiver";
import type { AttributeMap } from "@/lib/archive/attribute-value";
import type { Role } from "@/lib/auth/roles";
import { getSessionUser } from "@/lib/auth/session";
import { createDynamoDBClient, createS3Client } from "@/lib/aws/clients";
import { findService, parseConfig } from "@/lib/config/load";
import type { LazarusConfig } from "@/lib/config/schema";
import type { CompareResponse, DayRecordRow, DayRecordsResponse, SearchResponse } from "@/lib/http/api-types";
import { uniqueName, motoEnv } from "../support/aws";
import { removeRecord } from "../support/stream-events";
import { callRoute, invokeRoute } from "../support/route-request";

/**
 * The API routes end to end against moto: the wrapper, the zod parsing, the reader
 * and the domain functions behind them, through the routes' own AWS clients.
 */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
const session = vi.mocked(getSessionUser);
const as = (role: Role) => session.mockResolvedValue({ id: `test:${role}`, email: `${role}@example.com`, name: `Test ${role}`, role });

const DAY = "2024-03-05";
const ORIGIN = "http://localhost:3000";
let config: LazarusConfig;
let s3: S3Client;
let dynamodb: DynamoDBClient;
const archiveKeys = new Map<string, string>();

type Handler = (request: NextRequest, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function call(handler: Handler, path: string, params: Record<string, string>, init: { method?: string; body?: unknown } = {}) {
  return callRoute(handler, path, { ...init, params });
}

async function dayPage(query: string) {
  return call(getDayRecords as Handler, `/api/services/usr-contact-svc/days/${DAY}/records?${query}`, { service: "usr-contact-svc", date: DAY });
}

async function allPages(query: string): Promise<{ rows: DayRecordRow[]; pages: number }> {
  const rows: DayRecordRow[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const { status, body } = await dayPage(`${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(status).toBe(200);
    const page = body as unknown as DayRecordsResponse;
    rows.push(...page.entries);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor && pages < 50);
  return { rows, pages };
}

beforeAll(async () => {
  const { region } = motoEnv();
  s3 = createS3Client({ region });
  dynamodb = createDynamoDBClient({ region });
  const bucket = uniqueName("api-routes");
  const table = uniqueName("api-contacts");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "PK", AttributeType: "S" },
        { AttributeName: "SK", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "PK", KeyType: "HASH" },
        { AttributeName: "SK", KeyType: "RANGE" },
      ],
    }),
  );
  const raw = {
    region,
    archive: { bucket, prefix: "" },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: table, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" }, ttlAttribute: "expiresAt" },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), "lazarus-api-"));
  writeFileSync(join(dir, "lazarus.config.json"), JSON.stringify(raw));
  process.env.LAZARUS_CONFIG = join(dir, "lazarus.config.json");
  config = parseConfig(raw);
  const service = findService(config, "usr-contact-svc")!;

  // 30 users (every third a TTL expiry) and 2 orders, one second apart.
  const deletions = [
    ...Array.from({ length: 30 }, (_, i) => ({ pk: `USER#${String(i).padStart(2, "0")}`, ttl: i % 3 === 0 })),
    { pk: "ORDER#1", ttl: false },
    { pk: "ORDER#2", ttl: true },
  ];
  const limit = pLimit(16);
  await Promise.all(
    deletions.map((d, i) =>
      limit(async () => {
        const keys = { PK: { S: d.pk }, SK: { S: "PROFILE" } };
        const oldImage: AttributeMap = { ...keys, name: { S: `Name ${d.pk}` }, balance: { N: "12345678901234567890123456789012345678" } };
        const outcome = await archiveStreamRecord(
          s3,
          archiverTargetFor(config, service),
          removeRecord({ keys, at: new Date(Date.parse(`${DAY}T10:00:00Z`) + i * 1000), ttl: d.ttl, oldImage }),
        );
        if (outcome.status !== "archived") throw new Error(`fixture not archived: ${outcome.status}`);
        archiveKeys.set(d.pk, outcome.archiveKey);
      }),
    ),
  );
});

describe("GET /api/services/{service}/days/{date}/records", () => {
  it("pages through a day with cursors, every record once", async () => {
    as("viewer");
    const { rows, pages } = await allPages("limit=10");
    expect(pages).toBe(4);
    expect(rows).toHaveLength(32);
    expect(new Set(rows.map((r) => r.archiveKey)).size).toBe(32);
    const order = rows.find((r) => r.partitionKey === "ORDER#2")!;
    expect(order).toMatchObject({ kind: "record", deletionType: "ttl", sortKey: "PROFILE", hashedKey: false, storageClass: "STANDARD" });
    expect(order.deletedAt).toMatch(/^2024-03-05T10:00:31/);
  });

  it("filters by deletion type and key prefix across LISTs", async () => {
    as("viewer");
    const ttl = await allPages("limit=4&type=ttl");
    expect(ttl.rows.map((r) => r.partitionKey).sort()).toEqual(["ORDER#2", ...Array.from({ length: 10 }, (_, i) => `USER#${String(i * 3).padStart(2, "0")}`)].sort());
    expect(ttl.rows.every((r) => r.deletionType === "ttl")).toBe(true);

    const orders = await allPages("prefix=ORDER%23");
    expect(orders.rows.map((r) => r.partitionKey)).toEqual(["ORDER#1", "ORDER#2"]);
    const manualUsers = await allPages("prefix=USER%231&type=manual&limit=3");
    expect(manualUsers.rows.map((r) => r.partitionKey)).toEqual(["USER#10", "USER#11", "USER#13", "USER#14", "USER#16", "USER#17", "USER#19"]);
  });

  it("refuses bad input with 400 and unknown services with 404", async () => {
    as("viewer");
    expect((await dayPage("cursor=not-a-cursor!")).status).toBe(400);
    expect((await dayPage("limit=501")).status).toBe(400);
    expect((await dayPage("type=expired")).status).toBe(400);
    const badDay = await call(getDayRecords as Handler, "/api/services/usr-contact-svc/days/2024-02-30/records", { service: "usr-contact-svc", date: "2024-02-30" });
    expect(badDay.status).toBe(400);
    const unknown = await call(getDayRecords as Handler, `/api/services/nope-svc/days/${DAY}/records`, { service: "nope-svc", date: DAY });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: "unknown-service" } } });
  });
});

describe("GET /api/search", () => {
  it("finds deletions by exact key and by prefix through the index", async () => {
    as("support");
    const exact = await call(search as Handler, "/api/search?q=USER%2307&service=all", {});
    expect(exact.status).toBe(200);
    const exactBody = exact.body as unknown as SearchResponse;
    expect(exactBody.results).toHaveLength(1);
    expect(exactBody.results[0]).toMatchObject({ service: "usr-contact-svc", partitionKey: "USER#07", sortKey: "PROFILE", deletionType: "manual", hashedKey: false });
    const prefix = (await call(search as Handler, "/api/search?q=ORDER%23&match=prefix&service=usr-contact-svc", {})).body as unknown as SearchResponse;
    expect(prefix.results.map((r) => r.partitionKey).sort()).toEqual(["ORDER#1", "ORDER#2"]);
    expect(prefix).toMatchObject({ truncated: false, unreadable: 0 });
    const limited = (await call(search as Handler, "/api/search?q=USER%23&match=prefix&limit=5", {})).body as unknown as SearchResponse;
    expect(limited.results).toHaveLength(5);
    expect(limited.truncated).toBe(true);
  });

  it("refuses an empty query and an unknown service", async () => {
    as("viewer");
    expect((await call(search as Handler, "/api/search?q=", {})).status).toBe(400);
    expect((await call(search as Handler, "/api/search?q=x&service=nope-svc", {})).status).toBe(404);
  });
});

describe("POST /api/search/content", () => {
  const window = { from: `${DAY}T10:00Z`, to: `${DAY}T10:00Z` };
  async function stream(body: unknown) {
    const response = await invokeRoute(contentSearch, "/api/search/content", { method: "POST", body });
    const text = await response.text();
    return { status: response.status, type: response.headers.get("content-type"), text, lines: response.ok ? text.trim().split("\n").map((l) => JSON.parse(l) as SearchStreamLine) : [] };
  }

  it("streams the matches as NDJSON to any role that browses, and audits the search with the value hashed", async () => {
    as("viewer");
    const { status, type, lines } = await stream({ ...window, conditions: [{ path: "name", op: "equals", value: "name user#07", caseInsensitive: true }] });
    expect(status).toBe(200);
    expect(type).toMatch(/^application\/x-ndjson/);
    const matches = lines.flatMap((l) => (l.type === "match" ? [l.match] : []));
    expect(matches).toEqual([expect.objectContaining({ service: "usr-contact-svc", partitionKey: "USER#07", archiveKey: archiveKeys.get("USER#07") })]);
    expect(lines.at(-1)).toMatchObject({ type: "done", outcome: "complete", progress: { matches: 1 } });
    const today = new Date().toISOString().slice(0, 10);
    const entries = [];
    for await (const entry of scanAuditEntries(s3, config, { from: today, to: today })) if (entry.action === "content-search" && entry.actor.id === "test:viewer") entries.push(entry);
    expect(entries.map((e) => e.outcome)).toEqual(["started", "succeeded"]);
    const logged = JSON.stringify(entries);
    expect(logged).toContain('"path":"name"');
    expect(logged).not.toMatch(/user#07/i);
    expect(logged).toContain("sha256:");
  });

  it("a reader that goes away midway is audited once, as cancelled", async () => {
    as("support");
    const errors = vi.spyOn(console, "error");
    const response = await invokeRoute(contentSearch, "/api/search/content", { method: "POST", body: { ...window, conditions: [{ path: "name", op: "exists" }] } });
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    // The first line read, the stream asks the search for the next one; the reader leaves meanwhile.
    await new Promise((resolve) => setImmediate(resolve));
    await reader.cancel();
    // What the read under way does once it comes back would be written within a few milliseconds.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const today = new Date().toISOString().slice(0, 10);
    const entries = [];
    for await (const entry of scanAuditEntries(s3, config, { from: today, to: today })) if (entry.action === "content-search" && entry.actor.id === "test:support") entries.push(entry);
    expect(entries.map((e) => [e.outcome, e.message])).toEqual([
      ["started", expect.any(String)],
      ["succeeded", "cancelled by the user"],
    ]);
    expect(errors.mock.calls.flat().join("\n")).not.toMatch(/unexpected error/);
    errors.mockRestore();
  });

  it("refuses bad conditions with 400 naming the field, before scanning", async () => {
    as("support");
    const bad = await callRoute(contentSearch, "/api/search/content", { method: "POST", body: { ...window, conditions: [{ path: "name", op: "like", value: "x" }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toMatch(/conditions\.0\.op/);
    const long = await callRoute(contentSearch, "/api/search/content", { method: "POST", body: { from: "2014-01-01T00:00Z", to: "2024-01-01T00:00Z" } });
    expect(long.status).toBe(400);
    expect(long.body.error?.message).toMatch(/to: makes a window of 3653 days/);
    const unknown = await callRoute(contentSearch, "/api/search/content", { method: "POST", body: { ...window, services: ["nope-svc"] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error?.message).toMatch(/nope-svc/);
  });
});

describe("compare and restore", () => {
  const params = { service: "usr-contact-svc" };

  it("compares with the live item, refuses a no-clobber restore over it, and restores an absent one", async () => {
    const table = config.services[0]!.table.name;
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: { PK: { S: "USER#05" }, SK: { S: "PROFILE" }, name: { S: "Someone else" } } }));

    as("viewer");
    const live = await call(compare as Handler, `/api/services/usr-contact-svc/records/compare?archiveKey=${encodeURIComponent(archiveKeys.get("USER#05")!)}`, params);
    expect(live.status).toBe(200);
    const plan = live.body as unknown as CompareResponse;
    expect(plan.comparison.status).toBe("changed");
    expect(plan.table).toBe(table);
    expect(plan.live).toMatchObject({ name: { S: "Someone else" } });

    const gone = (await call(compare as Handler, `/api/services/usr-contact-svc/records/compare?archiveKey=${encodeURIComponent(archiveKeys.get("USER#08")!)}`, params))
      .body as unknown as CompareResponse;
    expect(gone).toMatchObject({ comparison: { status: "gone" }, live: null, liveFingerprint: "absent" });

    const viewerRestore = await call(restore as Handler, "/api/services/usr-contact-svc/records/restore", params, {
      method: "POST",
      body: { archiveKey: archiveKeys.get("USER#08"), mode: "no-clobber", ttl: { action: "keep" } },
    });
    expect(viewerRestore.status).toBe(403);

    as("support");
    const refused = await call(restore as Handler, "/api/services/usr-contact-svc/records/restore", params, {
      method: "POST",
      body: { archiveKey: archiveKeys.get("USER#05"), mode: "no-clobber", ttl: { action: "keep" } },
    });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: "live-item-exists", auditId: expect.any(String) } } });

    const overwrite = await call(restore as Handler, "/api/services/usr-contact-svc/records/restore", params, {
      method: "POST",
      body: { archiveKey: archiveKeys.get("USER#05"), mode: "overwrite", expectedLiveFingerprint: plan.liveFingerprint, ttl: { action: "keep" } },
    });
    expect(overwrite.status).toBe(403);

    const restored = await call(restore as Handler, "/api/services/usr-contact-svc/records/restore", params, {
      method: "POST",
      body: { archiveKey: archiveKeys.get("USER#08"), mode: "no-clobber", ttl: { action: "keep" } },
    });
    expect(restored).toMatchObject({ status: 200, body: { outcome: "restored", table, auditId: expect.any(String) } });
    const after = (await call(compare as Handler, `/api/services/usr-contact-svc/records/compare?archiveKey=${encodeURIComponent(archiveKeys.get("USER#08")!)}`, params))
      .body as unknown as CompareResponse;
    expect(after.comparison.status).toBe("identical");

    as("compliance");
    const today = new Date().toISOString().slice(0, 10);
    const audit = await call(getAudit as Handler, `/api/audit?date=${today}`, {});
    expect(audit.status).toBe(200);
    const outcomes = (audit.body.entries as Array<{ outcome: string; archiveKey?: string; actor: { email: string } }>)
      .filter((e) => e.archiveKey === archiveKeys.get("USER#08"))
      .map((e) => [e.outcome, e.actor.email]);
    expect(outcomes).toEqual([
      ["started", "support@example.com"],
      ["succeeded", "support@example.com"],
    ]);
  });

  it("answers 404 to a restore of an archive object that does not exist, and audits the refusal", async () => {
    as("support");
    const existing = archiveKeys.get("USER#09")!;
    const missing = existing.replace(/\.json$/, "-gone.json");
    const response = await call(restore as Handler, "/api/services/usr-contact-svc/records/restore", params, {
      method: "POST",
      body: { archiveKey: missing, mode: "no-clobber", ttl: { action: "keep" } },
    });
    expect(response).toMatchObject({ status: 404, body: { error: { code: "archive-not-found", message: expect.stringMatching(/does not exist/), auditId: expect.any(String) } } });
  });

  it("refuses a cross-site restore even from an allowed role", async () => {
    as("admin");
    const request = new NextRequest(`${ORIGIN}/api/services/usr-contact-svc/records/restore`, {
      method: "POST",
      headers: { "sec-fetch-site": "cross-site", origin: "https://evil.example", host: "localhost:3000" },
      body: JSON.stringify({ archiveKey: archiveKeys.get("USER#09"), mode: "no-clobber", ttl: { action: "keep" } }),
    });
    const response = await (restore as Handler)(request, { params: Promise.resolve(params) });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("cross-site-request");
  });
});
