import { mkdtempSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { POST as reportExportRoute } from "@/app/api/exports/route";
import { POST as searchExportRoute } from "@/app/api/exports/search/route";
import { GET as manifestRoute } from "@/app/api/exports/[exportId]/manifest/route";
import { POST as contentSearchRoute } from "@/app/api/search/content/route";
import { archiverTargetFor, archiveStreamRecord } from "@/lib/archive/archiver";
import type { AttributeMap } from "@/lib/archive/attribute-value";
import { recordCallEvent } from "@/lib/attribution/record-calls";
import { queryAuditEntries } from "@/lib/audit/audit-log";
import type { Role } from "@/lib/auth/roles";
import { getSessionUser } from "@/lib/auth/session";
import { createS3Client } from "@/lib/aws/clients";
import { parseConfig } from "@/lib/config/load";
import type { LazarusConfig } from "@/lib/config/schema";
import { parseCsv } from "@/lib/exports/csv-read";
import type { ExportManifest } from "@/lib/exports/export-format";
import { contentSearchSchema } from "@/lib/search/content-query";
import { searchWithAttribution } from "@/lib/search/match-attribution";
import { countServiceDays } from "@/lib/reports/deletion-report";
import { reportRecordsScreen } from "@/lib/reports/report-records";
import { hashSearchValue } from "@/lib/search/search-audit";
import type { SearchMatch, SearchStreamLine } from "@/lib/search/search-events";
import { cloudTrailEventFor, type LocalCall, type LocalPrincipal } from "@/scripts/local-stack/cloudtrail-events";
import { motoEnv, uniqueName } from "../support/aws";
import { invokeRoute } from "../support/route-request";
import { removeRecord } from "../support/stream-events";

/**
 * Content-search results as actions, against moto: the matches carry who deleted them
 * (one attribution LIST per service-day, not per match), a principal filter keeps one
 * role's or caller's deletions, and the matches export as CSV or JSON Lines with the
 * report export's columns, manifest and audit entries, items as typed or plain JSON with
 * 38-digit numbers kept exact.
 */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
const session = vi.mocked(getSessionUser);
const as = (role: Role) => session.mockResolvedValue({ id: `test:${role}`, email: `${role}@example.com`, name: `Test ${role}`, role });

const DAY = "2026-11-24";
const at = (time: string) => new Date(`${DAY}T${time}Z`);
const BIG = "12345678901234567890123456789012345678";
const support: LocalPrincipal = { accountId: "111122223333", roleName: "support-engineer", sessionName: "nina.support", sourceIp: "192.0.2.10", userAgent: "aws-cli/2.15.30" };
const cleanup41: LocalPrincipal = { accountId: "111122223333", roleName: "order-cleanup-job", sessionName: "run-41", sourceIp: "10.0.4.17", userAgent: "aws-sdk-js/3.600.0" };
const cleanup42: LocalPrincipal = { ...cleanup41, sessionName: "run-42" };

let s3: S3Client;
let config: LazarusConfig;
let table: string;
const attributionLists: string[] = [];
const keyOf: Record<string, string> = {};

async function archive(pk: string, time: string, image: AttributeMap, who?: LocalPrincipal): Promise<void> {
  const service = config.services[0]!;
  const keys = { PK: { S: pk }, SK: { S: "PROFILE" } };
  const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys, at: at(time), oldImage: { ...keys, ...image }, ...(who ? {} : { ttl: true }) }));
  if (outcome.status !== "archived") throw new Error(`not archived: ${outcome.status}`);
  keyOf[pk] = outcome.archiveKey;
  if (who) {
    const call: LocalCall = { api: "DeleteItem", principal: who, at: at(time), region: config.region, deletes: [{ table, key: { PK: pk, SK: "PROFILE" } }] };
    await recordCallEvent(s3, config, cloudTrailEventFor(call));
  }
}

const window = { from: `${DAY}T10:00Z`, to: `${DAY}T11:00Z` };
const byEmail = { ...window, conditions: [{ path: "email", op: "equals", value: "maria@example.com", caseInsensitive: true }] };

async function search(body: Record<string, unknown>): Promise<{ status: number; matches: SearchMatch[]; done?: SearchStreamLine }> {
  const response = await invokeRoute(contentSearchRoute, "/api/search/content", { method: "POST", body });
  if (!response.ok) return { status: response.status, matches: [] };
  const lines = (await response.text()).trim().split("\n").map((l) => JSON.parse(l) as SearchStreamLine);
  return { status: response.status, matches: lines.flatMap((l) => (l.type === "match" ? [l.match] : [])), done: lines.at(-1)! };
}

async function exportSearch(body: Record<string, unknown>) {
  const response = await invokeRoute(searchExportRoute, "/api/exports/search", { method: "POST", body });
  return { response, bytes: response.ok ? Buffer.from(await response.arrayBuffer()) : Buffer.alloc(0) };
}

beforeAll(async () => {
  const { region } = motoEnv();
  s3 = createS3Client({ region });
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Prefix?: string };
      if (context.commandName === "ListObjectsV2Command" && input.Prefix?.includes("_attribution/")) attributionLists.push(input.Prefix);
      return next(args);
    },
    { step: "initialize", name: "attributionListCounter" },
  );
  const bucket = uniqueName("search-export");
  table = uniqueName("contacts");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const raw = {
    region,
    archive: { bucket, prefix: "deleted/" },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: table, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
    ],
    attribution: { enabled: true },
  };
  const dir = mkdtempSync(join(tmpdir(), "lazarus-search-export-"));
  writeFileSync(join(dir, "lazarus.config.json"), JSON.stringify(raw));
  process.env.LAZARUS_CONFIG = join(dir, "lazarus.config.json");
  config = parseConfig(raw);

  const maria: AttributeMap = { email: { S: "Maria@example.com" }, balance: { N: BIG }, tags: { SS: ["vip"] } };
  await archive("CONTACT#c-1", "10:30:05", maria, cleanup41);
  await archive("CONTACT#c-2", "10:31:30", maria, support);
  await archive("CONTACT#c-3", "10:40:00", { email: { S: "other@example.com" } }, cleanup42);
  await archive("CONTACT#c-4", "10:35:00", maria);
}, 120_000);

describe("content search results carry who deleted them", () => {
  it("labels each match with its caller, listing the day's attribution folder once", async () => {
    as("viewer");
    const { status, matches } = await search(byEmail);
    expect(status).toBe(200);
    const cells = Object.fromEntries(matches.map((m) => [m.partitionKey, m.deletedBy]));
    expect(Object.keys(cells).sort()).toEqual(["CONTACT#c-1", "CONTACT#c-2", "CONTACT#c-4"]);
    expect(cells["CONTACT#c-1"]).toMatchObject({ state: "found", label: "order-cleanup-job/run-41", confidence: "exact" });
    expect(cells["CONTACT#c-2"]).toMatchObject({ state: "found", label: "support-engineer/nina.support" });
    expect(cells["CONTACT#c-4"]).toEqual({ state: "ttl" });
    // Two manual matches on one service-day: one LIST of that day's calls (counted on this test's client).
    attributionLists.length = 0;
    let found = 0;
    for await (const event of searchWithAttribution(s3, config, contentSearchSchema.parse(byEmail))) if (event.type === "match") found += 1;
    expect(found).toBe(3);
    expect(attributionLists).toHaveLength(1);
    // The items themselves never go to the browser.
    expect(matches.some((m) => "image" in m)).toBe(false);
  });

  it("keeps only a role's deletions, named by ARN, by name or by part of its label", async () => {
    as("viewer");
    const role = await search({ ...window, principal: { value: "arn:aws:iam::111122223333:role/order-cleanup-job", match: "equals" } });
    expect(role.matches.map((m) => m.partitionKey).sort()).toEqual(["CONTACT#c-1", "CONTACT#c-3"]);
    const session = await search({ ...window, principal: { value: "arn:aws:sts::111122223333:assumed-role/order-cleanup-job/run-42", match: "equals" } });
    expect(session.matches.map((m) => m.partitionKey)).toEqual(["CONTACT#c-3"]);
    const part = await search({ ...byEmail, principal: { value: "NINA", match: "contains" } });
    expect(part.matches.map((m) => m.partitionKey)).toEqual(["CONTACT#c-2"]);
    // A role name that is only the start of another's matches nothing when equal is asked.
    expect((await search({ ...window, principal: { value: "order-cleanup", match: "equals" } })).matches).toEqual([]);
    // The cap counts the caller's matches.
    const capped = await search({ ...window, cap: 1, principal: { value: "order-cleanup-job", match: "equals" } });
    expect(capped.matches).toHaveLength(1);
    expect(capped.done).toMatchObject({ type: "done", outcome: "capped", progress: { matches: 1 } });
  });

  it("refuses a principal filter on TTL expiries, naming the field", async () => {
    as("viewer");
    const response = await invokeRoute(contentSearchRoute, "/api/search/content", { method: "POST", body: { ...window, deletionType: "ttl", principal: { value: "x" } } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("principal");
  });
});

describe("exporting the matches of a content search", () => {
  it("streams the matches as CSV with the report's columns, a manifest that matches the bytes, and audit entries", async () => {
    as("compliance");
    const { response, bytes } = await exportSearch({ search: byEmail, format: "csv" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="lazarus-search_usr-contact-svc_${DAY}_${DAY}.csv"`);
    const rows = parseCsv(bytes.toString("utf8"));
    expect(rows[0]).toEqual(["service", "table", "partition_key", "sort_key", "deleted_at", "deletion_type", "archive_location", "restored_since", "restored_at", "restored_by", "deleted_by"]);
    const byKey = Object.fromEntries(rows.slice(1).map((r) => [r[2], r]));
    expect(Object.keys(byKey).sort()).toEqual(["CONTACT#c-1", "CONTACT#c-2", "CONTACT#c-4"]);
    expect(byKey["CONTACT#c-1"]).toEqual(["usr-contact-svc", table, "CONTACT#c-1", "PROFILE", at("10:30:05").toISOString(), "manual", `s3://${config.archive.bucket}/${keyOf["CONTACT#c-1"]}`, "no", "", "", "order-cleanup-job/run-41"]);
    expect(byKey["CONTACT#c-4"]![10]).toBe("DynamoDB TTL");

    const exportId = response.headers.get("x-lazarus-export-id")!;
    const manifestResponse = await invokeRoute(manifestRoute, `/api/exports/${exportId}/manifest`, { params: { exportId } });
    const manifest = (await manifestResponse.json()) as ExportManifest;
    expect(manifest).toMatchObject({ rowCount: 3, byteCount: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex"), filter: { kind: "search", services: ["usr-contact-svc"] } });
    // The manifest, like the audit log, keeps the searched value only as its hash.
    expect(JSON.stringify(manifest)).not.toContain("maria@example.com");
    expect(JSON.stringify(manifest.filter.search)).toContain(hashSearchValue("maria@example.com"));

    const today = new Date().toISOString().slice(0, 10);
    const audit = await queryAuditEntries(s3, config, { from: today, to: today, filter: { action: "export" }, limit: 1000 });
    const mine = audit.entries.filter((e) => e.operationId === exportId);
    expect(mine.map((e) => e.outcome)).toEqual(["started", "succeeded"]);
    expect(mine[1]!.details).toMatchObject({ rowCount: 3, sha256: manifest.sha256 });
  });

  it("stops at the search's cap and keeps the principal filter", async () => {
    as("admin");
    const capped = await exportSearch({ search: { ...byEmail, cap: 2 }, format: "csv" });
    expect(parseCsv(capped.bytes.toString("utf8")).slice(1)).toHaveLength(2);
    const role = await exportSearch({ search: { ...window, principal: { value: "order-cleanup-job", match: "equals" } }, format: "jsonl", columns: ["partitionKey", "deletedBy"] });
    const lines = role.bytes.toString("utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines.map((l) => l.partition_key).sort()).toEqual(["CONTACT#c-1", "CONTACT#c-3"]);
    expect(lines.every((l) => l.deleted_by?.startsWith("order-cleanup-job/"))).toBe(true);
  });

  it("writes each item as plain JSON with a 38-digit number's every digit, or as typed JSON", async () => {
    as("compliance");
    const one = { ...window, conditions: [{ path: "PK", op: "equals", value: "CONTACT#c-1" }] };
    const plain = (await exportSearch({ search: one, format: "jsonl", columns: ["partitionKey"], items: "plain" })).bytes.toString("utf8");
    expect(plain.trimEnd().split("\n")).toHaveLength(1);
    // A JSON number with all 38 digits: no rounding to 1.2345678901234568e+37.
    expect(plain).toContain(`"balance":${BIG}`);
    expect(plain).toContain(`"tags":["vip"]`);
    expect(plain).toContain(`"email":"Maria@example.com"`);
    const typed = (await exportSearch({ search: one, format: "jsonl", columns: ["partitionKey"], items: "typed" })).bytes.toString("utf8");
    expect((JSON.parse(typed) as { item: AttributeMap }).item.balance).toEqual({ N: BIG });
  });

  it("answers 400 for items in a CSV and for a bad search, 403 for a viewer, and nothing is exported", async () => {
    as("compliance");
    const csvItems = await exportSearch({ search: byEmail, format: "csv", items: "plain" });
    expect(csvItems.response.status).toBe(400);
    expect(await csvItems.response.text()).toContain("items");
    const bad = await exportSearch({ search: { ...window, conditions: [{ path: "", op: "equals", value: "x" }] } });
    expect(bad.response.status).toBe(400);
    as("viewer");
    expect((await exportSearch({ search: byEmail })).response.status).toBe(403);
  });
});

describe("the report's record list", () => {
  it("shows who deleted each record and keeps one role's or caller's records", async () => {
    const scope = await countServiceDays(s3, config, config.services, { from: DAY, to: DAY, label: "custom" });
    const all = await reportRecordsScreen(s3, config, scope, { limit: 100 });
    expect(Object.fromEntries(all.records.map((r) => [r.partitionKey, r.deletedBy]))).toEqual({
      "CONTACT#c-1": "order-cleanup-job/run-41",
      "CONTACT#c-2": "support-engineer/nina.support",
      "CONTACT#c-3": "order-cleanup-job/run-42",
      "CONTACT#c-4": "DynamoDB TTL",
    });
    const role = await reportRecordsScreen(s3, config, scope, { limit: 100, principal: { value: "arn:aws:iam::111122223333:role/order-cleanup-job", match: "equals" } });
    expect(role.records.map((r) => r.partitionKey).sort()).toEqual(["CONTACT#c-1", "CONTACT#c-3"]);
    expect(role.scanned).toBe(4);
    const nina = await reportRecordsScreen(s3, config, scope, { limit: 100, principal: { value: "nina", match: "contains" } });
    expect(nina.records.map((r) => r.partitionKey)).toEqual(["CONTACT#c-2"]);
  });
});

describe("report exports with items", () => {
  it("adds each record's item as plain JSON to a JSON Lines report export", async () => {
    as("compliance");
    const response = await invokeRoute(reportExportRoute, "/api/exports", { method: "POST", body: { services: "usr-contact-svc", range: "custom", from: DAY, to: DAY, format: "jsonl", columns: ["partitionKey", "deletedBy"], items: "plain" } });
    expect(response.status).toBe(200);
    const text = await response.text();
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    const c1 = lines.find((l) => l.includes('"partition_key":"CONTACT#c-1"'))!;
    expect(c1).toContain(`"balance":${BIG}`);
    expect(c1).toContain(`"deleted_by":"order-cleanup-job/run-41"`);
    expect(lines.find((l) => l.includes("CONTACT#c-3"))).toContain(`"item":{`);
  });
});
