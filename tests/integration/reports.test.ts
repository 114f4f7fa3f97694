import { mkdtempSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { GET as auditRoute } from "@/app/api/audit/route";
import { GET as auditExportRoute } from "@/app/api/audit/export/route";
import { POST as exportRoute } from "@/app/api/exports/route";
import { GET as manifestRoute } from "@/app/api/exports/[exportId]/manifest/route";
import { GET as reportRoute } from "@/app/api/reports/route";
import { GET as recordsRoute } from "@/app/api/reports/records/route";
import { archiverTargetFor, archiveStreamRecord } from "@/lib/archive/archiver";
import { appendAuditEntry, queryAuditEntries, type AuditEntry } from "@/lib/audit/audit-log";
import { auditEntryMatches, type AuditFilter } from "@/lib/audit/audit-filter";
import type { Role } from "@/lib/auth/roles";
import { getSessionUser } from "@/lib/auth/session";
import { createS3Client } from "@/lib/aws/clients";
import { findService, parseConfig } from "@/lib/config/load";
import type { LazarusConfig, ServiceConfig } from "@/lib/config/schema";
import { parseCsv } from "@/lib/exports/csv-read";
import type { ExportManifest } from "@/lib/exports/export-format";
import { deletionReport } from "@/lib/reports/deletion-report";
import { resolveRange, parseRangeSpec } from "@/lib/reports/report-range";
import type { DeletionReport } from "@/lib/reports/report-types";
import type { ReportRecord } from "@/lib/reports/report-records";
import { uniqueName, motoEnv } from "../support/aws";
import { removeRecord } from "../support/stream-events";
import { invokeRoute } from "../support/route-request";

/**
 * Reports, exports and the audit log browser against moto: counts equal what was
 * archived across month and year boundaries, exports carry what the audit log says
 * about restores and a manifest whose hash matches the bytes, filters are exact.
 */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
const session = vi.mocked(getSessionUser);
const as = (role: Role, name = `Test ${role}`) => session.mockResolvedValue({ id: `test:${role}`, email: `${role}@example.com`, name, role });

let s3: S3Client;
let config: LazarusConfig;
let contacts: ServiceConfig;
let orders: ServiceConfig;

interface Archived {
  service: string;
  at: string;
  ttl: boolean;
  archiveKey: string;
  pk: string;
}
const archived: Archived[] = [];
const NOW = new Date("2026-04-10T12:00:00Z");

// Deletions around month and year boundaries, in two services.
const CONTACT_DELETIONS: Array<[string, boolean]> = [
  ["2025-12-30T08:00:00Z", false],
  ["2025-12-31T23:59:59Z", true],
  ["2026-01-01T00:00:00Z", true],
  ["2026-01-01T00:00:01Z", false],
  ["2026-01-31T23:59:59Z", false],
  ["2026-02-01T00:00:00Z", true],
  ["2026-03-31T23:59:59Z", false],
  ["2026-04-01T00:00:00Z", true],
];
const ORDER_DELETIONS: Array<[string, boolean]> = [
  ["2025-12-31T12:00:00Z", false],
  ["2026-02-28T10:30:00Z", false],
  ["2026-02-28T10:31:00Z", false],
  ["2026-03-01T00:00:00Z", true],
  ["2026-02-27T08:00:00Z", false],
];
// Too long for an object name: the name holds a hash, the export reads the key from the object.
const LONG_ORDER_ID = `ORD-${"7".repeat(240)}`;
// Keys a CSV must carry intact.
const AWKWARD_KEYS = ['ACME, Inc.', 'say "hi"', "multi\nline"];


async function call(handler: unknown, path: string, init: { method?: string; body?: unknown; params?: Record<string, string> } = {}) {
  return invokeRoute(handler, path, init);
}

const count = (list: Archived[], from: string, to: string, service?: string) =>
  list.filter((a) => a.at.slice(0, 10) >= from && a.at.slice(0, 10) <= to && (!service || a.service === service));

let restoreEntry: AuditEntry;
const auditEntries: AuditEntry[] = [];

beforeAll(async () => {
  const { region } = motoEnv();
  s3 = createS3Client({ region });
  const bucket = uniqueName("reports");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const raw = {
    region,
    archive: { bucket, prefix: "deleted/" },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
      {
        name: "sor-service-order-svc",
        table: { name: "sor-service-order", partitionKey: { name: "orderId", type: "S" } },
        archiver: { functionName: "archiver-orders" },
        onFailure: { type: "sqs", queueName: "orders-dlq" },
      },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), "lazarus-reports-"));
  writeFileSync(join(dir, "lazarus.config.json"), JSON.stringify(raw));
  process.env.LAZARUS_CONFIG = join(dir, "lazarus.config.json");
  config = parseConfig(raw);
  contacts = findService(config, "usr-contact-svc")!;
  orders = findService(config, "sor-service-order-svc")!;

  const limit = pLimit(8);
  const jobs = [
    ...CONTACT_DELETIONS.map(([at, ttl], i) => ({ service: contacts, at, ttl, keys: { PK: { S: AWKWARD_KEYS[i] ?? `CUST#${i}` }, SK: { S: "PROFILE" } }, pk: AWKWARD_KEYS[i] ?? `CUST#${i}` })),
    ...ORDER_DELETIONS.map(([at, ttl], i) => {
      const pk = i === ORDER_DELETIONS.length - 1 ? LONG_ORDER_ID : `ORD-${i}`;
      return { service: orders, at, ttl, keys: { orderId: { S: pk } }, pk };
    }),
  ];
  await Promise.all(
    jobs.map((job) =>
      limit(async () => {
        const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, job.service), removeRecord({ keys: job.keys, at: new Date(job.at), ttl: job.ttl }));
        if (outcome.status !== "archived") throw new Error("not archived");
        archived.push({ service: job.service.name, at: job.at, ttl: job.ttl, archiveKey: outcome.archiveKey, pk: job.pk });
      }),
    ),
  );
  // The seed's layout: counted, but as unknown (its type is only in the object).
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "deleted/usr-contact-svc/2026/03/15/USER#9_PROFILE.json", Body: "{}" }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "deleted/usr-contact-svc/2026/03/15/notes.txt", Body: "not a deletion" }));

  // Audit history: a restore of one archived contact, and other actions to filter out.
  const restored = archived.find((a) => a.at === "2026-02-01T00:00:00Z")!;
  const actor = (name: string) => ({ id: `id:${name}`, email: `${name}@example.com`, name: name[0]!.toUpperCase() + name.slice(1) });
  const entries: Array<[string, Parameters<typeof appendAuditEntry>[2]]> = [
    ["2026-02-02T09:00:00.000Z", { operationId: "op-r", actor: actor("sam"), role: "support", action: "restore", outcome: "started", service: "usr-contact-svc", archiveKey: restored.archiveKey }],
    ["2026-02-02T09:00:00.100Z", { operationId: "op-r", actor: actor("sam"), role: "support", action: "restore", outcome: "succeeded", service: "usr-contact-svc", archiveKey: restored.archiveKey }],
    ["2026-02-03T10:00:00.000Z", { operationId: "op-x", actor: actor("sam"), role: "support", action: "restore", outcome: "refused", service: "usr-contact-svc", message: "a live item exists" }],
    ["2026-02-28T23:59:59.000Z", { operationId: "op-p", actor: actor("alex"), role: "admin", action: "pitr-restore", outcome: "succeeded", service: "sor-service-order-svc" }],
    ["2026-03-01T00:00:00.000Z", { operationId: "op-d", actor: actor("alex"), role: "admin", action: "dlq-replay", outcome: "failed", service: "sor-service-order-svc" }],
    ["2026-03-01T00:00:01.000Z", { operationId: "op-g", actor: actor("casey"), role: "compliance", action: "glacier-retrieval", outcome: "succeeded", service: "usr-contact-svc" }],
  ];
  for (const [at, entry] of entries) {
    const written = await appendAuditEntry(s3, config, entry, new Date(at));
    auditEntries.push(written);
    if (entry.outcome === "succeeded" && entry.action === "restore") restoreEntry = written;
  }
});

describe("deletion reports", () => {
  it.each([
    ["a quarter", "2026-Q1", "2026-01-01", "2026-03-31"],
    ["a year", "2025", "2025-01-01", "2025-12-31"],
    ["a range across the new year", "custom&from=2025-12-31&to=2026-01-01", "2025-12-31", "2026-01-01"],
    ["a range across months", "custom&from=2026-01-31&to=2026-03-01", "2026-01-31", "2026-03-01"],
  ])("counts equal what was archived for %s", async (_, range, from, to) => {
    as("compliance");
    const response = await call(reportRoute, `/api/reports?services=usr-contact-svc,sor-service-order-svc&range=${range}`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as DeletionReport;
    expect(report.range).toMatchObject({ from, to });
    const inRange = count(archived, from, to);
    const legacy = from <= "2026-03-15" && to >= "2026-03-15" ? 1 : 0;
    expect(report.totals).toEqual({ ttl: inRange.filter((a) => a.ttl).length, manual: inRange.filter((a) => !a.ttl).length, unknown: legacy, total: inRange.length + legacy });
    expect(report.approximate).toBe(legacy > 0);
    for (const table of report.topTables) {
      const own = count(archived, from, to, table.service);
      expect(table.totals.total - (table.service === "usr-contact-svc" ? legacy : 0)).toBe(own.length);
    }
    expect(report.perDay[0]!.date).toBe(from);
    expect(report.perDay.at(-1)!.date).toBe(to);
    const perDaySum = report.perDay.reduce((n, d) => n + d.ttl + d.manual + d.unknown, 0);
    expect(perDaySum).toBe(report.totals.total);
    for (const a of inRange) {
      const day = report.perDay.find((d) => d.date === a.at.slice(0, 10))!;
      expect(day.ttl + day.manual).toBeGreaterThan(0);
    }
  });

  it("reads listings and summaries only: one LIST and one sealed-days summary per service per month", async () => {
    const counts = new Map<string, number>();
    const client = createS3Client({ region: config.region });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        counts.set(context.commandName ?? "?", (counts.get(context.commandName ?? "?") ?? 0) + 1);
        return next(args);
      },
      { step: "initialize" },
    );
    await deletionReport(client, config, [contacts, orders], resolveRange(parseRangeSpec("2026-Q1"), NOW), NOW);
    expect(counts.get("GetObjectCommand") ?? 0).toBe(2 * 3);
    expect(counts.get("ListObjectsV2Command")).toBe(2 * 3);
  });

  it("lists every record of the range exactly once, page by page", async () => {
    as("compliance");
    const seen: ReportRecord[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const response = await call(recordsRoute, `/api/reports/records?services=sor-service-order-svc,usr-contact-svc&range=2026-Q1&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { records: ReportRecord[]; nextCursor?: string };
      seen.push(...body.records);
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);
    const expected = count(archived, "2026-01-01", "2026-03-31").map((a) => a.archiveKey);
    const records = seen.filter((r) => r.kind === "record");
    expect(records.map((r) => r.archiveKey).sort()).toEqual(expected.sort());
    expect(new Set(seen.map((r) => r.archiveKey)).size).toBe(seen.length);
    expect(seen.filter((r) => r.kind === "legacy")).toEqual([expect.objectContaining({ deletionType: "unknown", deletedAt: "2026-03-15" })]);
    // Config order: contacts first, days oldest first within a service.
    expect(seen[0]!.service).toBe("usr-contact-svc");
    expect(pages).toBeGreaterThan(3);
  });

  it("answers 400 for a bad range and 404 for an unknown service", async () => {
    as("admin");
    expect((await call(reportRoute, "/api/reports?services=usr-contact-svc&range=2026-Q9")).status).toBe(400);
    expect((await call(reportRoute, "/api/reports?services=usr-contact-svc&range=custom&from=2026-03-02&to=2026-03-01")).status).toBe(400);
    expect((await call(reportRoute, "/api/reports?services=nope")).status).toBe(404);
  });
});

describe("exports", () => {
  async function runExport(body: Record<string, unknown>) {
    as("compliance", "Casey Compliance");
    const response = await call(exportRoute, "/api/exports", { method: "POST", body });
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    return { response, bytes };
  }

  it("streams the quarter's records as CSV with restores from the audit log, and a manifest that matches the bytes", async () => {
    const { response, bytes } = await runExport({ services: "usr-contact-svc,sor-service-order-svc", range: "2026-Q1", format: "csv" });
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="lazarus-deletions_sor-service-order-svc+usr-contact-svc_2026-01-01_2026-03-31.csv"');
    const expected = count(archived, "2026-01-01", "2026-03-31");
    expect(response.headers.get("x-lazarus-expected-rows")).toBe(String(expected.length + 1));

    const rows = parseCsv(bytes.toString("utf8"));
    expect(rows[0]).toEqual(["service", "table", "partition_key", "sort_key", "deleted_at", "deletion_type", "archive_location", "restored_since", "restored_at", "restored_by", "deleted_by"]);
    const body = rows.slice(1);
    expect(body).toHaveLength(expected.length + 1);
    for (const a of expected) {
      const row = body.find((r) => r[6] === `s3://${config.archive.bucket}/${a.archiveKey}`);
      expect(row, a.archiveKey).toBeDefined();
      expect(row![0]).toBe(a.service);
      expect(row![2]).toBe(a.pk);
      expect(row![4]).toBe(new Date(a.at).toISOString());
      expect(row![5]).toBe(a.ttl ? "ttl" : "manual");
      const isRestored = a.archiveKey === restoreEntry.archiveKey;
      expect(row![10]).toBe(a.ttl ? "DynamoDB TTL" : "trail off");
      expect(row!.slice(7, 10)).toEqual(isRestored ? ["yes", restoreEntry.at, "Sam <sam@example.com>"] : ["no", "", ""]);
    }
    // A key hashed in its object's name is exported in full.
    expect(body.map((r) => r[2])).toContain(LONG_ORDER_ID);
    // Keys with a comma, quotes and a newline survive the round trip.
    expect(body.map((r) => r[2])).toEqual(expect.arrayContaining(AWKWARD_KEYS.filter((k) => expected.some((a) => a.pk === k))));

    const exportId = response.headers.get("x-lazarus-export-id")!;
    const manifestResponse = await call(manifestRoute, `/api/exports/${exportId}/manifest`, { params: { exportId } });
    expect(manifestResponse.status).toBe(200);
    const manifest = (await manifestResponse.json()) as ExportManifest;
    expect(manifest).toMatchObject({
      exportId,
      fileName: "lazarus-deletions_sor-service-order-svc+usr-contact-svc_2026-01-01_2026-03-31.csv",
      rowCount: expected.length + 1,
      byteCount: bytes.byteLength,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      generatedBy: { email: "compliance@example.com", role: "compliance" },
      filter: { kind: "deletions", services: ["usr-contact-svc", "sor-service-order-svc"], range: { from: "2026-01-01", to: "2026-03-31", label: "2026-Q1" } },
    });

    // Audited: started before, succeeded after, with the hash and row count.
    const today = new Date().toISOString().slice(0, 10);
    const audit = await queryAuditEntries(s3, config, { from: today, to: today, filter: { action: "export" }, limit: 1000 });
    const mine = audit.entries.filter((e) => e.operationId === exportId);
    expect(mine.map((e) => e.outcome)).toEqual(["started", "succeeded"]);
    expect(mine[1]!.details).toMatchObject({ rowCount: manifest.rowCount, sha256: manifest.sha256, fileName: manifest.fileName });
    expect(mine[1]!.actor).toEqual({ id: "test:compliance", email: "compliance@example.com", name: "Casey Compliance" });
  });

  it("writes JSON Lines with only the chosen columns", async () => {
    const { bytes } = await runExport({ services: "sor-service-order-svc", range: "custom", from: "2026-02-28", to: "2026-02-28", format: "jsonl", columns: ["deletedAt", "partitionKey"] });
    const lines = bytes.toString("utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines).toEqual([
      { partition_key: "ORD-1", deleted_at: "2026-02-28T10:30:00.000Z" },
      { partition_key: "ORD-2", deleted_at: "2026-02-28T10:31:00.000Z" },
    ]);
  });

  it("has no manifest for an unknown export", async () => {
    as("admin");
    const id = "00000000-0000-4000-8000-000000000000";
    expect((await call(manifestRoute, `/api/exports/${id}/manifest`, { params: { exportId: id } })).status).toBe(404);
  });
});

describe("audit log browser", () => {
  const filters: Array<[string, AuditFilter]> = [
    ["no filter", {}],
    ["action", { action: "restore" }],
    ["outcome", { outcome: "succeeded" }],
    ["service", { service: "sor-service-order-svc" }],
    ["actor by name, any case", { actor: "ALEX" }],
    ["actor by email", { actor: "casey@" }],
    ["several at once", { action: "restore", outcome: "refused", actor: "sam" }],
    ["nothing matches", { action: "erasure" }],
  ];

  it.each(filters)("returns exactly the matching entries: %s", async (_, filter) => {
    const page = await queryAuditEntries(s3, config, { from: "2026-02-01", to: "2026-03-31", filter });
    const expected = auditEntries.filter((e) => auditEntryMatches(e, filter));
    expect(page.entries.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(page.nextCursor).toBeUndefined();
  });

  it("keeps to the date range and pages with a cursor", async () => {
    as("compliance");
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const response = await call(auditRoute, `/api/audit?from=2026-02-03&to=2026-03-01&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { entries: AuditEntry[]; nextCursor?: string };
      ids.push(...body.entries.map((e) => e.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(ids).toEqual(auditEntries.filter((e) => e.at >= "2026-02-03" && e.at < "2026-03-02").map((e) => e.id));
  });

  it("still answers the single-day form", async () => {
    as("admin");
    const response = await call(auditRoute, "/api/audit?date=2026-02-02");
    const body = (await response.json()) as { entries: AuditEntry[] };
    expect(body.entries.map((e) => e.operationId)).toEqual(["op-r", "op-r"]);
  });

  it("exports the filtered log as CSV", async () => {
    as("compliance");
    const response = await call(auditExportRoute, "/api/audit/export?from=2026-02-01&to=2026-03-31&action=restore");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toContain("lazarus-audit_all_2026-02-01_2026-03-31.csv");
    const rows = parseCsv(await response.text());
    expect(rows[0]![0]).toBe("at");
    expect(rows.slice(1).map((r) => [r[1], r[2], r[4]])).toEqual([
      ["restore", "started", "sam@example.com"],
      ["restore", "succeeded", "sam@example.com"],
      ["restore", "refused", "sam@example.com"],
    ]);
  });
});
