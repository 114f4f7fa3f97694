import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { GET as dayRecordsRoute } from "@/app/api/services/[service]/days/[date]/records/route";
import { GET as reportRecordsRoute } from "@/app/api/reports/records/route";
import { GET as keySearchRoute } from "@/app/api/search/route";
import { POST as reportExportRoute } from "@/app/api/exports/route";
import { GET as manifestRoute } from "@/app/api/exports/[exportId]/manifest/route";
import { parseDay } from "@/lib/archive/archive-reader";
import { archiverTargetFor, archiveStreamRecord } from "@/lib/archive/archiver";
import { recordCallEvent } from "@/lib/attribution/record-calls";
import type { Role } from "@/lib/auth/roles";
import { getSessionUser } from "@/lib/auth/session";
import { createS3Client } from "@/lib/aws/clients";
import type { LazarusConfig } from "@/lib/config/schema";
import { parseCsv } from "@/lib/exports/csv-read";
import type { ExportManifest } from "@/lib/exports/export-format";
import type { DayRecordsResponse, SearchResponse } from "@/lib/http/api-types";
import { dayRecordsPage } from "@/lib/http/day-records";
import { queryIncident } from "@/lib/incidents/incident-query";
import type { ReportRecord } from "@/lib/reports/report-records";
import { cloudTrailEventFor, type LocalPrincipal } from "@/scripts/local-stack/cloudtrail-events";
import { motoEnv } from "../support/aws";
import { attributionConfig, cleanupJob, supportEngineer } from "../support/attribution";
import { callRoute, invokeRoute } from "../support/route-request";
import { removeRecord } from "../support/stream-events";

/**
 * The caller filter on the day table, the report's record API and report exports, against
 * moto; and calls filed on the other side of midnight from their deletion, joined at the
 * cost of one more listing per neighbouring day actually needed.
 */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
const as = (role: Role) => vi.mocked(getSessionUser).mockResolvedValue({ id: `test:${role}`, email: `${role}@example.com`, name: `Test ${role}`, role });

const DAY = "2026-11-20";
const QUIET_DAY = "2026-11-18";
const SERVICE = "usr-contact-svc";
const role = { who: "order-cleanup-job", whoMatch: "equals" } as const;

let s3: S3Client;
let config: LazarusConfig;
let today: string;
const attributionLists: string[] = [];

async function deleted(pk: string, at: Date, who?: LocalPrincipal, callAt: Date = at): Promise<void> {
  const service = config.services.find((s) => s.name === SERVICE)!;
  const keys = { PK: { S: pk }, SK: { S: "PROFILE" } };
  const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys, at, oldImage: { ...keys, name: { S: pk } }, ...(who === undefined && pk.includes("ttl") ? { ttl: true } : {}) }));
  if (outcome.status !== "archived") throw new Error(`not archived: ${outcome.status}`);
  if (who) await recordCallEvent(s3, config, cloudTrailEventFor({ api: "DeleteItem", principal: who, at: callAt, region: config.region, deletes: [{ table: service.table.name, key: { PK: pk, SK: "PROFILE" } }] }));
}

const t = (day: string, time: string) => new Date(`${day}T${time}Z`);
const dayQuery = (params: Record<string, string>) => `?${new URLSearchParams(params)}`;
const getDay = (date: string, params: Record<string, string>) =>
  callRoute<DayRecordsResponse>(dayRecordsRoute, `/api/services/${SERVICE}/days/${date}/records${dayQuery(params)}`, { params: { service: SERVICE, date } });
const pks = (response: DayRecordsResponse) => response.entries.map((e) => e.partitionKey);

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
  config = await attributionConfig(s3, region, { bucketName: "caller-filter", tables: { [SERVICE]: "usr-contact" } });
  const dir = mkdtempSync(join(tmpdir(), "lazarus-caller-filter-"));
  writeFileSync(join(dir, "lazarus.config.json"), JSON.stringify(config));
  process.env.LAZARUS_CONFIG = join(dir, "lazarus.config.json");

  // The clean-up job's two sessions, one of them across midnight both ways.
  await deleted("CONTACT#m1", t(DAY, "00:00:04"), cleanupJob("run-42"), t("2026-11-19", "23:59:59"));
  await deleted("CONTACT#a1", t(DAY, "10:00:00"), cleanupJob("run-41"));
  await deleted("CONTACT#a2", t(DAY, "10:05:00"), supportEngineer);
  await deleted("CONTACT#a3", t(DAY, "10:10:00"));
  await deleted("CONTACT#ttl-1", t(DAY, "11:00:00"));
  await deleted("CONTACT#m2", t(DAY, "23:59:58"), cleanupJob("run-42"), t("2026-11-21", "00:00:02"));
  // A call on the day after that is not near midnight is not what m2 matches.
  await deleted("CONTACT#n1", t("2026-11-21", "12:00:00"), supportEngineer);
  await deleted("CONTACT#q1", t(QUIET_DAY, "12:00:00"), cleanupJob("run-40"));
  // Deleted a minute ago: its call may still be on its way.
  const recent = new Date(Date.now() - 60_000);
  today = recent.toISOString().slice(0, 10);
  await deleted("CONTACT#recent", recent);
}, 120_000);

describe("the day table filtered by caller", () => {
  it("keeps the role's deletions, including calls filed under the days either side of midnight, and counts what it looked at", async () => {
    as("viewer");
    const { status, body } = await getDay(DAY, role);
    expect(status).toBe(200);
    expect(pks(body)).toEqual(["CONTACT#m1", "CONTACT#a1", "CONTACT#m2"]);
    expect(body.entries.map((e) => (e.deletedBy?.state === "found" ? e.deletedBy.label : e.deletedBy?.state))).toEqual([
      "order-cleanup-job/run-42",
      "order-cleanup-job/run-41",
      "order-cleanup-job/run-42",
    ]);
    expect(body.callerFilter).toEqual({ examined: 6, matched: 3, notYetKnown: 0, noCaller: 1 });
    expect(body.nextCursor).toBeUndefined();

    const nina = await getDay(DAY, { who: "NINA" });
    expect(pks(nina.body)).toEqual(["CONTACT#a2"]);
    // Without the filter the column shows the caller across midnight too, and no counts.
    const all = await getDay(DAY, {});
    expect(all.body.entries.find((e) => e.partitionKey === "CONTACT#m2")?.deletedBy).toMatchObject({ state: "found", label: "order-cleanup-job/run-42" });
    expect(all.body.callerFilter).toBeUndefined();
  });

  it("pages with counts that add up to the day's, never counting a deletion twice", async () => {
    as("viewer");
    const first = await getDay(DAY, { ...role, limit: "2" });
    expect(pks(first.body)).toEqual(["CONTACT#m1", "CONTACT#a1"]);
    expect(first.body.callerFilter).toEqual({ examined: 2, matched: 2, notYetKnown: 0, noCaller: 0 });
    const second = await getDay(DAY, { ...role, limit: "2", cursor: first.body.nextCursor! });
    expect(pks(second.body)).toEqual(["CONTACT#m2"]);
    expect(second.body.callerFilter).toEqual({ examined: 4, matched: 1, notYetKnown: 0, noCaller: 1 });
  });

  it("says how many deletions are not yet attributed instead of dropping them silently", async () => {
    as("viewer");
    const { body } = await getDay(today, role);
    expect(body.entries.filter((e) => e.partitionKey === "CONTACT#recent")).toEqual([]);
    expect(body.callerFilter?.notYetKnown).toBeGreaterThanOrEqual(1);
  });

  it("refuses a bad filter with a 400 that names the field", async () => {
    as("viewer");
    const badMatch = await getDay(DAY, { who: "x", whoMatch: "like" });
    expect(badMatch.status).toBe(400);
    expect(badMatch.body.error?.message).toContain("whoMatch");
    const tooLong = await getDay(DAY, { who: "x".repeat(2049) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error?.message).toContain("who");
  });

  it("lists a neighbouring day's calls only for deletions within the match window of midnight", async () => {
    const service = config.services[0]!;
    const principal = { value: "order-cleanup-job", match: "equals" } as const;
    attributionLists.length = 0;
    await dayRecordsPage(s3, config, service, parseDay(QUIET_DAY), { limit: 100, principal });
    expect(attributionLists).toHaveLength(1);
    expect(attributionLists[0]).toContain("/2026/11/18/");

    attributionLists.length = 0;
    const page = await dayRecordsPage(s3, config, service, parseDay(DAY), { limit: 100, principal });
    expect(page.entries).toHaveLength(3);
    expect(attributionLists.map((p) => /\/(\d{4}\/\d{2}\/\d{2})\/$/.exec(p)?.[1]).sort()).toEqual(["2026/11/19", "2026/11/20", "2026/11/21"]);
  });
});

describe("key search filtered by caller", () => {
  it("keeps the role's deletions among those found, joined across midnight, with the same counts", async () => {
    as("viewer");
    const { status, body } = await callRoute<SearchResponse>(keySearchRoute, `/api/search${dayQuery({ q: "CONTACT#", match: "prefix", service: SERVICE, ...role })}`);
    expect(status).toBe(200);
    expect(body.results.map((r) => r.partitionKey).sort()).toEqual(["CONTACT#a1", "CONTACT#m1", "CONTACT#m2", "CONTACT#q1"]);
    expect(body.results.every((r) => r.deletedBy?.state === "found" && r.deletedBy.label.startsWith("order-cleanup-job/"))).toBe(true);
    expect(body.callerFilter).toMatchObject({ examined: 9, matched: 4, noCaller: 1 });
    expect(body.callerFilter?.notYetKnown).toBe(1);
    const bad = await callRoute(keySearchRoute, `/api/search${dayQuery({ q: "CONTACT#", who: "x", whoMatch: "like" })}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain("whoMatch");
  });
});

describe("the report's records and exports filtered by caller", () => {
  const report = { services: SERVICE, range: "custom", from: DAY, to: DAY };

  it("GET /api/reports/records takes who and whoMatch, and refuses a bad value naming the field", async () => {
    as("compliance");
    const { status, body } = await callRoute<{ records: ReportRecord[]; scanned: number; callerFilter?: unknown }>(reportRecordsRoute, `/api/reports/records${dayQuery({ ...report, ...role })}`);
    expect(status).toBe(200);
    expect(body.records.map((r) => r.partitionKey)).toEqual(["CONTACT#m1", "CONTACT#a1", "CONTACT#m2"]);
    expect(body.scanned).toBe(6);
    // The same counts as the day table's: what it looked at, and what it could not judge.
    expect(body.callerFilter).toEqual({ examined: 6, matched: 3, notYetKnown: 0, noCaller: 1 });
    const recent = await callRoute<{ records: ReportRecord[]; callerFilter?: { notYetKnown: number } }>(
      reportRecordsRoute,
      `/api/reports/records${dayQuery({ services: SERVICE, range: "custom", from: today, to: today, ...role })}`,
    );
    expect(recent.body.records.filter((r) => r.partitionKey === "CONTACT#recent")).toEqual([]);
    expect(recent.body.callerFilter?.notYetKnown).toBeGreaterThanOrEqual(1);
    const unfiltered = await callRoute<{ records: ReportRecord[] }>(reportRecordsRoute, `/api/reports/records${dayQuery(report)}`);
    expect(unfiltered.body.records).toHaveLength(6);

    const bad = await callRoute(reportRecordsRoute, `/api/reports/records${dayQuery({ ...report, who: "x", whoMatch: "sometimes" })}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain("whoMatch");
  });

  it("exports only the caller's records, and the manifest records the filter", async () => {
    as("compliance");
    const response = await invokeRoute(reportExportRoute, "/api/exports", { method: "POST", body: { ...report, format: "csv", columns: ["partitionKey", "deletedBy"], ...role } });
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    const rows = parseCsv(bytes.toString("utf8"));
    expect(rows).toEqual([
      ["partition_key", "deleted_by"],
      ["CONTACT#m1", "order-cleanup-job/run-42"],
      ["CONTACT#a1", "order-cleanup-job/run-41"],
      ["CONTACT#m2", "order-cleanup-job/run-42"],
    ]);
    const exportId = response.headers.get("x-lazarus-export-id")!;
    const manifest = (await (await invokeRoute(manifestRoute, `/api/exports/${exportId}/manifest`, { params: { exportId } })).json()) as ExportManifest;
    expect(manifest).toMatchObject({ rowCount: 3, sha256: createHash("sha256").update(bytes).digest("hex"), filter: { principal: { value: "order-cleanup-job", match: "equals" } } });

    // A JSON Lines export without the deleted_by column is filtered all the same.
    const jsonl = await invokeRoute(reportExportRoute, "/api/exports", { method: "POST", body: { ...report, format: "jsonl", columns: ["partitionKey"], who: "nina" } });
    expect((await jsonl.text()).trim().split("\n")).toEqual([JSON.stringify({ partition_key: "CONTACT#a2" })]);

    const bad = await invokeRoute(reportExportRoute, "/api/exports", { method: "POST", body: { ...report, who: "x".repeat(2049) } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("who");
  });
});

describe("the incident view across midnight", () => {
  it("finds the role's deletions in a window's first and last seconds whose calls are filed under the neighbouring day", async () => {
    const who = "principal:order-cleanup-job/run-42";
    attributionLists.length = 0;
    const morning = await queryIncident(s3, config, { from: `${DAY}T00:00`, to: `${DAY}T00:10`, who });
    expect(morning.records.map((r) => r.partitionKey)).toEqual(["CONTACT#m1"]);
    expect(morning.records[0]).toMatchObject({ principal: "order-cleanup-job/run-42", deletedAt: `${DAY}T00:00:04.000Z` });
    // The day before is listed because the window starts at midnight, and the call's session is not counted as seen in it.
    expect(attributionLists.some((prefix) => prefix.includes("2026/11/19"))).toBe(true);
    expect(morning.principals).toEqual([]);

    const evening = await queryIncident(s3, config, { from: `${DAY}T23:50`, to: `${DAY}T23:59`, who });
    expect(evening.records.map((r) => r.partitionKey)).toEqual(["CONTACT#m2"]);

    // A window in the middle of the day lists that day's calls only.
    attributionLists.length = 0;
    await queryIncident(s3, config, { from: `${DAY}T09:00`, to: `${DAY}T11:00`, who: "role:order-cleanup-job" });
    expect(new Set(attributionLists.map((prefix) => prefix.match(/\d{4}\/\d{2}\/\d{2}/)?.[0]))).toEqual(new Set(["2026/11/20"]));
  });
});
