import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTableCommand, ListTablesCommand, PutItemCommand, UpdateContinuousBackupsCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { GET as historyRoute } from "@/app/api/drills/route";
import { GET as evidenceRoute } from "@/app/api/drills/evidence/route";
import { POST as runRoute, GET as statusRoute } from "@/app/api/drills/run/route";
import { GET as manifestRoute } from "@/app/api/exports/[exportId]/manifest/route";
import type { SessionUser } from "@/lib/auth/roles";
import { getSessionUser } from "@/lib/auth/session";
import { quarterOf } from "@/lib/drills/drill-report";
import { archiverTargetFor, archiveStreamRecord } from "@/lib/archive/archiver";
import type { AttributeMap } from "@/lib/archive/attribute-value";
import { listAuditEntries } from "@/lib/audit/audit-log";
import { createDynamoDBClient, createS3Client } from "@/lib/aws/clients";
import { findService, parseConfig } from "@/lib/config/load";
import type { LazarusConfig, ServiceConfig } from "@/lib/config/schema";
import { onDrillFinished } from "@/lib/drills/drill-events";
import type { DrillReport, DrillRunState, DrillStarted } from "@/lib/drills/drill-report";
import { runDrill } from "@/lib/drills/drill-run";
import { listDrillReports } from "@/lib/drills/drill-store";
import { createPkSkTable, motoEnv, uniqueName } from "../support/aws";
import { callRoute, invokeRoute } from "../support/route-request";
import { removeRecord } from "../support/stream-events";

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
const session = vi.mocked(getSessionUser);

/**
 * Restore drills against moto_server. moto restores a table at once (ACTIVE on the
 * first DescribeTable) by copying it; a restore that never becomes ACTIVE, which moto
 * cannot produce, is made by an SDK middleware that reports the scratch table as
 * CREATING. Every test checks, with a client of its own, that no scratch table is left.
 */

const SERVICE = "usr-contact-svc";
const PREFIX = "lazarus-drill-";
const ADMIN = { id: "u-admin", email: "ada@example.com", name: "Ada Admin" };

let s3: S3Client;
let dynamodb: DynamoDBClient;
let region: string;
let config: LazarusConfig;
let service: ServiceConfig;
const archiveKeys: string[] = [];

beforeAll(async () => {
  ({ region } = motoEnv());
  s3 = createS3Client({ region });
  dynamodb = createDynamoDBClient({ region });
  const bucket = uniqueName("drills");
  const table = uniqueName("drills-contacts");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await createPkSkTable(dynamodb, table);
  await dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  const raw = {
    region,
    archive: { bucket, prefix: "" },
    services: [{ name: SERVICE, table: { name: table, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } }, archiver: { functionName: "archiver-contact" } }],
    drills: { services: [{ service: SERVICE, sampleSize: 5, itemCountTolerancePercent: 0, maxRtoMinutes: 1 }] },
  };
  config = parseConfig(raw);
  const path = join(mkdtempSync(join(tmpdir(), "lazarus-drills-")), "config.json");
  writeFileSync(path, JSON.stringify(raw));
  process.env.LAZARUS_CONFIG = path;
  service = findService(config, SERVICE)!;
  for (let i = 0; i < 12; i++) {
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: { PK: { S: `LIVE#${i}` }, SK: { S: "PROFILE" }, n: { N: String(i) } } }));
  }
  for (let i = 0; i < 8; i++) {
    const keys = { PK: { S: `CONTACT#${i}` }, SK: { S: "PROFILE" } };
    const oldImage: AttributeMap = {
      ...keys,
      email: { S: `c${i}@example.com` },
      balance: { N: "12345678901234567890123456789012345678" },
      tags: { SS: ["b", "a"] },
      photo: { B: Buffer.from([0, 255, i]).toString("base64") },
      nested: { M: { list: { L: [{ N: "1.5" }, { NULL: true }, { BOOL: false }] } } },
    };
    const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys, oldImage, at: new Date(Date.now() - i * 60_000) }));
    if (outcome.status !== "archived") throw new Error(`fixture not archived: ${outcome.status}`);
    archiveKeys.push(outcome.archiveKey);
  }
});

const drill = (client: DynamoDBClient = dynamodb, options: { maxRtoMinutes?: number } = {}) => {
  const used = options.maxRtoMinutes === undefined ? config : { ...config, drills: { ...config.drills!, services: [{ ...config.drills!.services[0]!, maxRtoMinutes: options.maxRtoMinutes }] } };
  return runDrill({ s3, dynamodb: client }, used, service, { trigger: "on-demand", actor: ADMIN, role: "admin", pollMs: 50 });
};

/** Scratch tables that exist now, asked through a client no test has altered. */
async function scratchTables(): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const page = await createDynamoDBClient({ region }).send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    names.push(...(page.TableNames ?? []).filter((n) => n.startsWith(`${PREFIX}${SERVICE}-`)));
    start = page.LastEvaluatedTableName;
  } while (start);
  return names;
}

async function expectGone(report: DrillReport) {
  expect(report.scratchTable.deleted).toBe(true);
  await expect(dynamodb.send(new DescribeTableCommand({ TableName: report.scratchTable.name }))).rejects.toThrow(/not found|ResourceNotFound/i);
  expect(await scratchTables()).toEqual([]);
}

async function auditOf(report: Pick<DrillReport, "auditOperationId">) {
  const now = new Date();
  const { entries } = await listAuditEntries(s3, config, { day: { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() }, limit: 1000 });
  return entries.filter((e) => e.operationId === report.auditOperationId);
}

/** A client whose calls pass through `step` first. */
function clientWith(step: (command: string, input: Record<string, unknown>, output?: Record<string, unknown>) => void): DynamoDBClient {
  const client = createDynamoDBClient({ region });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      step(context.commandName ?? "", args.input as Record<string, unknown>);
      const result = await next(args);
      step(context.commandName ?? "", args.input as Record<string, unknown>, result.output as unknown as Record<string, unknown>);
      return result;
    },
    { step: "initialize", name: "drillTestAlteration" },
  );
  return client;
}

describe("restore drill", () => {
  it("passes: the scratch table is ACTIVE, counts match, sampled records come back identical, and it is deleted", async () => {
    const seen: DrillReport[] = [];
    const stop = onDrillFinished((r) => void seen.push(r));
    const report = await drill();
    stop();
    expect(report.reasons).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.scratchTable.name).toMatch(new RegExp(`^${PREFIX}${SERVICE}-\\d{8}T\\d{6}Z-[0-9a-f]{4}$`));
    expect(report.restore.status).toBe("active");
    expect(report.restore.rtoSeconds).toBeGreaterThanOrEqual(0);
    expect(report.pitr.rpoSeconds).toBeGreaterThanOrEqual(0);
    expect(report.pitr.latest).not.toBeNull();
    expect(report.itemCount).toMatchObject({ live: 12, scratch: 12, ok: true });
    expect(report.sample).toMatchObject({ requested: 5, available: 8, checked: 5, identical: 5, failures: [], ok: true });
    await expectGone(report);
    expect(seen.map((r) => r.id)).toEqual([report.id]);

    const [stored] = await listDrillReports(s3, config, SERVICE, { limit: 1 });
    expect(stored).toEqual(report);
    const audit = await auditOf(report);
    expect(audit.map((e) => [e.action, e.outcome])).toEqual([
      ["restore-drill", "started"],
      ["restore-drill", "succeeded"],
    ]);
    expect(audit[0]?.actor.email).toBe(ADMIN.email);
  });

  it("fails when a sampled record lands altered in the scratch table, naming the attribute, and still deletes it", async () => {
    const altering = clientWith((command, input, output) => {
      if (command !== "PutItemCommand" || output || !String(input.TableName).startsWith(PREFIX)) return;
      const item = input.Item as Record<string, { S?: string }>;
      input.Item = { ...item, email: { S: "someone-else@example.com" } };
    });
    const report = await drill(altering);
    expect(report.passed).toBe(false);
    expect(report.sample.failures).toHaveLength(5);
    expect(report.sample.failures[0]?.problem).toContain('"email"');
    expect(report.sample.failures[0]?.problem).not.toContain("example.com");
    expect(report.reasons).toContain("5 of 5 sampled records did not restore identically");
    await expectGone(report);
    expect((await auditOf(report)).map((e) => e.outcome)).toEqual(["started", "failed"]);
  });

  it("fails when an archived record was altered so that its item and its stream keys disagree", async () => {
    const key = archiveKeys[0]!;
    const original = await (await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: key }))).Body!.transformToString();
    const tampered = JSON.parse(original) as { record: { dynamodb: { OldImage: AttributeMap } } };
    tampered.record.dynamodb.OldImage.PK = { S: "CONTACT#someone-else" };
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: key, Body: JSON.stringify(tampered) }));
    try {
      const report = await runDrill({ s3, dynamodb }, { ...config, drills: { ...config.drills!, services: [{ ...config.drills!.services[0]!, sampleSize: 8 }] } }, service, {
        trigger: "schedule",
        actor: ADMIN,
        role: "admin",
        pollMs: 50,
      });
      expect(report.passed).toBe(false);
      expect(report.sample.failures).toEqual([{ archiveKey: key, problem: expect.stringContaining("disagree on the key attribute") }]);
      expect(report.sample.identical).toBe(7);
      await expectGone(report);
    } finally {
      await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: key, Body: original }));
    }
  });

  it("fails on a restore that never becomes ACTIVE within the maximum RTO, and deletes the scratch table", async () => {
    let polls = 0;
    const stuck = clientWith((command, input, output) => {
      if (command !== "DescribeTableCommand" || !output || !String(input.TableName).startsWith(PREFIX)) return;
      polls++;
      (output.Table as { TableStatus: string }).TableStatus = "CREATING";
    });
    const started = Date.now();
    const report = await drill(stuck, { maxRtoMinutes: 0.1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(6_000);
    expect(polls).toBeGreaterThan(2);
    expect(report.passed).toBe(false);
    expect(report.restore).toMatchObject({ status: "timed-out", rtoSeconds: null });
    expect(report.reasons[0]).toMatch(/not ACTIVE within 6 s/);
    expect(report.sample.checked).toBe(0);
    await expectGone(report);
  });

  it("records a failed deletion as a failure, and the next drill sweeps the leftover", async () => {
    const refusing = clientWith((command, input, output) => {
      if (command === "DeleteTableCommand" && !output) throw Object.assign(new Error("Table is being restored"), { name: "ResourceInUseException" });
      void input;
    });
    const report = await drill(refusing);
    expect(report.passed).toBe(false);
    expect(report.scratchTable).toMatchObject({ deleted: false, problem: expect.stringContaining("ResourceInUseException") });
    expect(await scratchTables()).toEqual([report.scratchTable.name]);
    // The sweep leaves a table younger than the longest a drill runs; age this one past it.
    const later = () => new Date(Date.now() + 2 * 3_600_000);
    const next = await runDrill({ s3, dynamodb }, config, service, { trigger: "schedule", actor: ADMIN, role: "admin", pollMs: 50, now: later });
    expect(next.passed).toBe(true);
    expect(await scratchTables()).toEqual([]);
  });
});

describe("drills through the console's routes", () => {
  const admin: SessionUser = { ...ADMIN, role: "admin" };
  const compliance: SessionUser = { id: "u-comp", email: "cora@example.com", name: "Cora Compliance", role: "compliance" };

  it("an admin starts a drill on demand (202), polls it, and sees its RTO, RPO and sample check; compliance cannot run one but sees the history", async () => {
    session.mockResolvedValue(admin);
    const started = await callRoute<DrillStarted>(runRoute, "/api/drills/run", { method: "POST", body: { service: SERVICE } });
    expect(started.status).toBe(202);
    expect(started.body.drill).toMatchObject({ service: SERVICE, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    // Answered once the write-ahead entry exists: the audit log already holds the start.
    expect((await auditOf({ auditOperationId: started.body.drill.id })).map((e) => e.outcome)).toContain("started");
    const states: string[] = [];
    let state: DrillRunState | undefined;
    for (let i = 0; i < 100 && state?.state !== "finished"; i++) {
      const polled = await callRoute<DrillRunState>(statusRoute, started.body.statusUrl);
      expect(polled.status).toBe(200);
      state = polled.body;
      states.push(state.state);
      if (state.state !== "finished") await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(states.at(-1)).toBe("finished");
    expect(new Set(states)).not.toContain("missing");
    const report = (state as Extract<DrillRunState, { state: "finished" }>).report;
    expect(report).toMatchObject({ id: started.body.drill.id, passed: true, trigger: "on-demand", requestedBy: { email: ADMIN.email }, sample: { checked: 5, identical: 5 } });
    expect(report.restore.rtoSeconds).not.toBeNull();
    expect(report.pitr.rpoSeconds).not.toBeNull();
    expect(await scratchTables()).toEqual([]);
    const body = { report };

    session.mockResolvedValue(compliance);
    expect((await callRoute(runRoute, "/api/drills/run", { method: "POST", body: { service: SERVICE } })).status).toBe(403);
    const history = await callRoute<{ services: { service: string; reports: DrillReport[] }[] }>(historyRoute, "/api/drills");
    expect(history.status).toBe(200);
    expect(history.body.services[0]?.reports.map((r) => r.id)).toContain(body.report.id);
  });

  it("says when a started drill stopped without a report, and refuses a poll that names no drill", async () => {
    session.mockResolvedValue(admin);
    const id = "5f0c2a9d-3e41-4b7a-9c2d-000000000001";
    const long = await callRoute<DrillRunState>(statusRoute, `/api/drills/run?service=${SERVICE}&id=${id}&startedAt=2024-01-01T00:00:00.000Z`);
    expect(long.body).toMatchObject({ state: "missing", message: expect.stringContaining(id) });
    const now = await callRoute<DrillRunState>(statusRoute, `/api/drills/run?service=${SERVICE}&id=${id}&startedAt=${new Date().toISOString()}`);
    expect(now.body).toEqual({ state: "running" });
    expect((await callRoute(statusRoute, `/api/drills/run?service=${SERVICE}&id=not-an-id&startedAt=${new Date().toISOString()}`)).status).toBe(400);
    session.mockResolvedValue(compliance);
    expect((await callRoute(statusRoute, `/api/drills/run?service=${SERVICE}&id=${id}&startedAt=${new Date().toISOString()}`)).status).toBe(403);
  });

  it("refuses a drill of a service without one, and unknown fields", async () => {
    session.mockResolvedValue(admin);
    expect((await callRoute(runRoute, "/api/drills/run", { method: "POST", body: { service: "no-such-svc" } })).status).toBe(404);
    expect((await callRoute(runRoute, "/api/drills/run", { method: "POST", body: { service: SERVICE, table: "x" } })).status).toBe(400);
  });

  it("compliance downloads the quarter's drill evidence as CSV, with a manifest whose SHA-256 is the file's", async () => {
    session.mockResolvedValue(compliance);
    const quarter = quarterOf(new Date());
    const response = await invokeRoute(evidenceRoute, `/api/drills/evidence?quarter=${quarter}&format=csv`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toContain(`lazarus-drills_${SERVICE}_`);
    const text = await response.text();
    const lines = text.trim().split("\r\n");
    expect(lines[0]).toMatch(/^drill_id,service,source_table,trigger,requested_by,started_at,finished_at,result,reasons,rto_seconds/);
    const stored = await listDrillReports(s3, config, SERVICE);
    expect(lines).toHaveLength(stored.length + 1);
    expect(lines.filter((l) => l.includes(",failed,")).length).toBe(stored.filter((r) => !r.passed).length);

    const exportId = response.headers.get("x-lazarus-export-id")!;
    const manifest = await callRoute<{ sha256: string; rowCount: number; filter: { kind: string; range: { label: string } } }>(manifestRoute, `/api/exports/${exportId}/manifest`, { params: { exportId } });
    expect(manifest.body).toMatchObject({ rowCount: stored.length, filter: { kind: "drills", range: { label: quarter } } });
    const { createHash } = await import("node:crypto");
    expect(manifest.body.sha256).toBe(createHash("sha256").update(text, "utf8").digest("hex"));

    const other = await invokeRoute(evidenceRoute, "/api/drills/evidence?quarter=2020-Q1&format=jsonl");
    expect(await other.text()).toBe("");
  });
});
