import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DeleteItemCommand, PutItemCommand, UpdateContinuousBackupsCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { GET as listPitr, POST as startPitr } from "@/app/api/pitr/route";
import { GET as getJob } from "@/app/api/pitr/[id]/route";
import { GET as getChecklist } from "@/app/api/pitr/[id]/checklist/route";
import { GET as getCompare, POST as postCompare } from "@/app/api/pitr/[id]/compare/route";
import { GET as getCategory } from "@/app/api/pitr/[id]/compare/[category]/route";
import { POST as postCopyBack } from "@/app/api/pitr/[id]/copy-back/route";
import { GET as getWindow } from "@/app/api/pitr/window/route";
import type { Role } from "@/lib/auth/roles";
import { getSessionUser } from "@/lib/auth/session";
import { listAuditEntries } from "@/lib/audit/audit-log";
import { createDynamoDBClient, createS3Client } from "@/lib/aws/clients";
import { findService, parseConfig } from "@/lib/config/load";
import type { LazarusConfig } from "@/lib/config/schema";
import { erasureKeyHash, writeErasure } from "@/lib/erasure/erasure-ledger";
import { getLiveItem } from "@/lib/restore/live-item";
import { copyBack } from "@/lib/pitr/pitr-copy-back";
import { startCompare } from "@/lib/pitr/pitr-compare";
import { claimLatestCompare, CompareStartedElsewhereError, loadLatestCompare, saveCompareState } from "@/lib/pitr/pitr-store";
import type { CompareEntryView, CompareState, CopyBackResult, PitrJobView } from "@/lib/pitr/pitr-types";
import { uniqueName, motoEnv } from "../support/aws";
import { callRoute } from "../support/route-request";

/**
 * Point-in-time restore through its API routes against moto_server. moto accepts
 * any restore (it validates neither PITR nor the window: the console does) and
 * copies the table's contents as they are at the call, ACTIVE at once. So the
 * "restored" side is the table at the restore, and the tests then change the live
 * table to make the two differ in known ways.
 */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
const session = vi.mocked(getSessionUser);
const as = (role: Role) => session.mockResolvedValue({ id: `test:${role}`, email: `${role}@example.com`, name: `Test ${role}`, role });

let config: LazarusConfig;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let table: string;
let unprotected: string;

async function call<T = Record<string, unknown>>(handler: unknown, path: string, params: Record<string, string>, init: { method?: string; body?: unknown } = {}) {
  return callRoute<T>(handler, path, { ...init, params });
}

const item = (n: number, extra: Record<string, unknown> = {}) => ({ PK: { S: `ORDER#${String(n).padStart(3, "0")}` }, SK: { S: "ORDER" }, total: { N: `${n}.50` }, status: { S: "open" }, ...extra });
const key = (n: number) => ({ PK: { S: `ORDER#${String(n).padStart(3, "0")}` }, SK: { S: "ORDER" } });

async function createTable(name: string, pitr: boolean) {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
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
  if (pitr) await dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
}

beforeAll(async () => {
  const { region } = motoEnv();
  s3 = createS3Client({ region });
  dynamodb = createDynamoDBClient({ region });
  const bucket = uniqueName("pitr");
  table = uniqueName("pitr-orders");
  unprotected = uniqueName("pitr-units");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await createTable(table, true);
  await createTable(unprotected, false);
  const raw = {
    region,
    archive: { bucket, prefix: "" },
    services: [
      {
        name: "orders-svc",
        table: { name: table, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" }, ttlAttribute: "ttl" },
        archiver: { functionName: "archiver-orders" },
        onFailure: { type: "sqs", queueName: "orders-dlq" },
      },
      {
        name: "units-svc",
        table: { name: unprotected, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-units" },
        onFailure: { type: "sqs", queueName: "units-dlq" },
      },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), "lazarus-pitr-"));
  writeFileSync(join(dir, "lazarus.config.json"), JSON.stringify(raw));
  process.env.LAZARUS_CONFIG = join(dir, "lazarus.config.json");
  config = parseConfig(raw);
  for (let n = 0; n < 250; n++) await dynamodb.send(new PutItemCommand({ TableName: table, Item: item(n) }));
});

const start = (body: Record<string, unknown>) => call<{ job: PitrJobView }>(startPitr, "/api/pitr", {}, { method: "POST", body });

describe("starting a restore: the console's own validation", () => {
  it("offers the window and a suggested target name", async () => {
    as("admin");
    const { status, body } = await call<{ enabled: boolean; suggestedTarget: string }>(getWindow, "/api/pitr/window?service=orders-svc", {});
    expect(status).toBe(200);
    expect(body.enabled).toBe(true);
    expect(body.suggestedTarget).toMatch(new RegExp(`^${table}-restored-\\d{8}T\\d{6}Z$`));
  });

  it("refuses a table without PITR with a 400 that says how to enable it", async () => {
    as("admin");
    const { status, body } = await start({ service: "units-svc", time: "latest", targetTable: uniqueName("units-restored") });
    expect(status).toBe(400);
    expect(body.error?.code).toBe("pitr-disabled");
    expect(body.error?.message).toContain("point-in-time recovery is not enabled");
    expect(body.error?.message).toContain("update-continuous-backups");
  });

  it("refuses a time outside the restorable window", async () => {
    as("admin");
    const { status, body } = await start({ service: "orders-svc", time: "2001-01-01T00:00:00Z", targetTable: uniqueName("orders-restored") });
    expect(status).toBe(400);
    expect(body.error?.code).toBe("time-outside-window");
    expect(body.error?.message).toContain("outside");
  });

  it("refuses a time with milliseconds or without Z as invalid input", async () => {
    as("admin");
    expect((await start({ service: "orders-svc", time: "2024-01-01T00:00:00.123Z", targetTable: uniqueName("o-r") })).status).toBe(400);
    expect((await start({ service: "orders-svc", time: "2024-01-01 00:00", targetTable: uniqueName("o-r") })).status).toBe(400);
  });

  it("refuses a target name that is taken, is a configured table, or is not a table name", async () => {
    as("admin");
    const taken = await start({ service: "orders-svc", time: "latest", targetTable: unprotected });
    expect(taken.status).toBe(400);
    expect(taken.body.error?.code).toBe("target-name-invalid");
    const other = uniqueName("pitr-existing");
    await createTable(other, false);
    const exists = await start({ service: "orders-svc", time: "latest", targetTable: other });
    expect(exists.status).toBe(400);
    expect(exists.body.error?.code).toBe("target-exists");
    expect(exists.body.error?.message).toContain("already exists");
    expect((await start({ service: "orders-svc", time: "latest", targetTable: "no/slashes" })).status).toBe(400);
  });

  it("is for admins only", async () => {
    as("support");
    expect((await start({ service: "orders-svc", time: "latest", targetTable: uniqueName("x") })).status).toBe(403);
  });
});

describe("restore, track, compare, copy back", () => {
  let job: PitrJobView;
  let compare: CompareState;

  it("starts the restore, audits it, and tracks it to ACTIVE", async () => {
    as("admin");
    const target = uniqueName(`${table}-restored`);
    const started = await start({ service: "orders-svc", time: "latest", targetTable: target });
    expect(started.status).toBe(201);
    job = started.body.job;
    expect(job.targetTable).toBe(target);
    const tracked = await call<{ job: PitrJobView }>(getJob, `/api/pitr/${job.id}`, { id: job.id });
    expect(tracked.status).toBe(200);
    expect(tracked.body.job.status).toBe("ACTIVE");
    expect(tracked.body.job.activeAt).toBeDefined();
    expect(tracked.body.job.elapsedSeconds).toBeGreaterThanOrEqual(0);
    const listed = await call<{ jobs: PitrJobView[] }>(listPitr, "/api/pitr", {});
    expect(listed.body.jobs.map((j) => j.id)).toContain(job.id);

    const day = new Date().toISOString().slice(0, 10);
    const audit = await listAuditEntries(s3, config, { day: { year: +day.slice(0, 4), month: +day.slice(5, 7), day: +day.slice(8, 10) } as never, limit: 500 });
    const mine = audit.entries.filter((e) => e.operationId === job.auditId);
    expect(mine.map((e) => e.outcome)).toEqual(["started", "succeeded"]);
    expect(mine.every((e) => e.action === "pitr-restore")).toBe(true);
  });

  it("shows the checklist of what PITR does not bring back", async () => {
    as("admin");
    const { status, body } = await call<{ items: { id: string; state: string; command?: string }[] }>(getChecklist, `/api/pitr/${job.id}/checklist`, { id: job.id });
    expect(status).toBe(200);
    const ids = body.items.map((i) => i.id);
    expect(ids).toEqual(expect.arrayContaining(["stream", "ttl", "pitr", "deletion-protection", "gsi", "lsi", "tags", "autoscaling", "iam", "alarms"]));
    expect(body.items.find((i) => i.id === "stream")?.state).toBe("todo");
    expect(body.items.find((i) => i.id === "ttl")?.command).toContain("update-time-to-live");
  });

  it("compares restored and live with exact counts", async () => {
    as("admin");
    // Since the restore: 5 deleted, 3 created, 4 changed (one of them only in a number's text).
    for (const n of [10, 11, 12, 13, 14]) await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: key(n) }));
    for (const n of [300, 301, 302]) await dynamodb.send(new PutItemCommand({ TableName: table, Item: item(n) }));
    for (const n of [20, 21, 22]) await dynamodb.send(new PutItemCommand({ TableName: table, Item: item(n, { status: { S: "corrupted" } }) }));
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: item(23, { total: { N: "0" } }) }));

    const posted = await call<{ compare: CompareState }>(postCompare, `/api/pitr/${job.id}/compare`, { id: job.id }, { method: "POST", body: { segments: 4 } });
    expect(posted.status).toBe(202);
    for (let i = 0; i < 100; i++) {
      compare = (await call<{ compare: CompareState }>(getCompare, `/api/pitr/${job.id}/compare`, { id: job.id })).body.compare;
      if (compare.status !== "running") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(compare.status).toBe("done");
    expect(compare.segments).toBe(4);
    expect(compare.scanned).toEqual({ live: 248, restored: 250 });
    expect(compare.counts).toEqual({ "only-in-restored": 5, "only-in-live": 3, changed: 4 });
    expect(compare.identical).toBe(241);
  });

  it("pages a category, with the item diff for changed items", async () => {
    as("admin");
    const { status, body } = await call<{ entries: CompareEntryView[]; pages: number; total: number }>(
      getCategory,
      `/api/pitr/${job.id}/compare/changed?compareId=${compare.compareId}&page=0`,
      { id: job.id, category: "changed" },
    );
    expect(status).toBe(200);
    expect(body.total).toBe(4);
    const e22 = body.entries.find((e) => e.key.PK && "S" in e.key.PK && e.key.PK.S === "ORDER#022")!;
    expect(e22.changes).toEqual([{ kind: "changed", path: ["status"], archived: { S: "open" }, live: { S: "corrupted" } }]);
  });

  it("copies back the changed items, refusing one changed after the compare", async () => {
    as("admin");
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: item(21, { status: { S: "edited-after-compare" } }) }));
    const { status, body } = await call<{ result: CopyBackResult }>(postCopyBack, `/api/pitr/${job.id}/copy-back`, { id: job.id }, {
      method: "POST",
      body: { compareId: compare.compareId, category: "changed", selection: { all: true } },
    });
    expect(status).toBe(200);
    expect(body.result.counts).toEqual({ copied: 3, "changed-since-compare": 1, erased: 0, failed: 0 });
    const refused = body.result.items.find((i) => i.outcome === "changed-since-compare")!;
    expect(refused.key.PK).toEqual({ S: "ORDER#021" });
    expect(await getLiveItem(dynamodb, table, key(22))).toEqual(item(22));
    expect(await getLiveItem(dynamodb, table, key(23))).toEqual(item(23));
    expect((await getLiveItem(dynamodb, table, key(21)))?.status).toEqual({ S: "edited-after-compare" });

    // Audited: the outcome names where the per-item list is kept, and that list says what was written.
    const today = new Date();
    const audit = await listAuditEntries(s3, config, { day: { year: today.getUTCFullYear(), month: today.getUTCMonth() + 1, day: today.getUTCDate() }, limit: 1000 });
    const entries = audit.entries.filter((e) => e.operationId === body.result.auditId);
    expect(entries.map((e) => e.outcome)).toEqual(["started", "succeeded"]);
    expect(entries[1]!.mode).toBe("copy-back-changed");
    const results = entries[1]!.details?.results as string;
    expect(results).toMatch(new RegExp(`^s3://${config.archive.bucket}/.+/copy-back/${body.result.auditId}\\.json$`));
    const stored = JSON.parse(
      await (await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: results.replace(`s3://${config.archive.bucket}/`, "") }))).Body!.transformToString(),
    ) as { items: { key: { PK: { S: string } }; outcome: string }[] };
    expect(stored.items.map((i) => `${i.key.PK.S}:${i.outcome}`).sort()).toEqual(["ORDER#020:copied", "ORDER#021:changed-since-compare", "ORDER#022:copied", "ORDER#023:copied"]);
  });

  it("copies back chosen deleted items, refusing erased keys and keys re-created since", async () => {
    as("admin");
    const page = await call<{ entries: CompareEntryView[] }>(getCategory, `/api/pitr/${job.id}/compare/only-in-restored?compareId=${compare.compareId}`, {
      id: job.id,
      category: "only-in-restored",
    });
    const byPk = new Map(page.body.entries.map((e) => [(e.key.PK as { S: string }).S, e.id]));
    await writeErasure(s3, config, findService(config, "orders-svc")!, { S: "ORDER#010" }, { erasedAt: new Date(), auditId: "erasure-test", records: 1 });
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: item(11, { status: { S: "re-created" } }) }));
    const ids = ["ORDER#010", "ORDER#011", "ORDER#012", "ORDER#013"].map((pk) => byPk.get(pk)!);
    const { status, body } = await call<{ result: CopyBackResult }>(postCopyBack, `/api/pitr/${job.id}/copy-back`, { id: job.id }, {
      method: "POST",
      body: { compareId: compare.compareId, category: "only-in-restored", selection: { ids } },
    });
    expect(status).toBe(200);
    expect(body.result.counts).toEqual({ copied: 2, "changed-since-compare": 1, erased: 1, failed: 0 });
    expect(body.result.items.find((i) => i.outcome === "erased")?.message).toMatch(/^erased on \d{4}-\d{2}-\d{2}$/);
    expect(await getLiveItem(dynamodb, table, key(12))).toEqual(item(12));
    expect(await getLiveItem(dynamodb, table, key(10))).toBeNull();
    expect(await getLiveItem(dynamodb, table, key(14))).toBeNull();
    // The stored list names the erased key by its hash only.
    const today = new Date();
    const audit = await listAuditEntries(s3, config, { day: { year: today.getUTCFullYear(), month: today.getUTCMonth() + 1, day: today.getUTCDate() }, limit: 1000 });
    const results = audit.entries.find((e) => e.operationId === body.result.auditId && e.outcome !== "started")!.details!.results as string;
    const stored = await (await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: results.replace(`s3://${config.archive.bucket}/`, "") }))).Body!.transformToString();
    expect(stored).toContain("ORDER#012");
    expect(stored).not.toContain("ORDER#010");
    expect(stored).toContain(erasureKeyHash("orders-svc", { S: "ORDER#010" }));
  });

  it("refuses a copy-back chosen from an older compare than the latest", async () => {
    as("admin");
    const { status, body } = await call<{ error: { message: string } }>(postCopyBack, `/api/pitr/${job.id}/copy-back`, { id: job.id }, {
      method: "POST",
      body: { compareId: "00000000-0000-4000-8000-000000000000", category: "changed", selection: { all: true } },
    });
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain("a newer compare exists");
  });

  it("shows a compare whose server stopped as stalled, and lets a new one start", async () => {
    as("admin");
    // What a server that died mid-compare leaves behind: a running state nobody updates.
    const stale = new Date(Date.now() - 5 * 60_000).toISOString();
    const orphan: CompareState = { ...compare, compareId: "11111111-1111-4111-8111-111111111111", status: "running", updatedAt: stale };
    delete orphan.finishedAt;
    await saveCompareState(s3, config, orphan);
    await claimLatestCompare(s3, config, job.id, orphan.compareId, (await loadLatestCompare(s3, config, job.id)).etag);

    const seen = (await call<{ compare: CompareState }>(getCompare, `/api/pitr/${job.id}/compare`, { id: job.id })).body.compare;
    expect(seen.status).toBe("stalled");
    expect(seen.error).toContain("run the compare again");
    const again = await call<{ compare: CompareState }>(postCompare, `/api/pitr/${job.id}/compare`, { id: job.id }, { method: "POST", body: { segments: 2 } });
    expect(again.status).toBe(202);
    expect(again.body.compare.compareId).not.toBe(orphan.compareId);
    for (let i = 0; i < 100; i++) {
      compare = (await call<{ compare: CompareState }>(getCompare, `/api/pitr/${job.id}/compare`, { id: job.id })).body.compare;
      if (compare.status !== "running") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(compare.status).toBe("done");
  });

  it("lets only one of two instances that saw no running compare start one", async () => {
    const service = findService(config, "orders-svc")!;
    // Both instances read latest.json before either wrote: the running-compare check passes for both.
    const { etag } = await loadLatestCompare(s3, config, job.id);
    const attempts = await Promise.allSettled([0, 1].map(() => startCompare({ s3, dynamodb }, config, service, job, { segments: 2, latestEtag: etag })));
    const started = attempts.filter((a) => a.status === "fulfilled");
    const refused = attempts.filter((a) => a.status === "rejected");
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(CompareStartedElsewhereError);
    compare = await (started[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof startCompare>>>).value.done;
    expect(compare.status).toBe("done");
    expect((await loadLatestCompare(s3, config, job.id)).state?.compareId).toBe(compare.compareId);
  });

  it("refuses a selection that is not in the compare", async () => {
    as("admin");
    const { status } = await call(postCopyBack, `/api/pitr/${job.id}/copy-back`, { id: job.id }, {
      method: "POST",
      body: { compareId: compare.compareId, category: "changed", selection: { ids: ["99:0"] } },
    });
    expect(status).toBe(400);
  });
});

describe("copy-back under throttling", () => {
  it("retries throttled writes with backoff and copies every item once", async () => {
    as("admin");
    const started = await start({ service: "orders-svc", time: "latest", targetTable: uniqueName(`${table}-throttle`) });
    expect(started.status).toBe(201);
    const job = started.body.job;
    for (const n of [100, 101, 102]) await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: key(n) }));
    const service = findService(config, "orders-svc")!;
    const { done } = await startCompare({ s3, dynamodb }, config, service, { ...job, status: "ACTIVE" }, { segments: 2, latestEtag: null });
    const state = await done;
    expect(state.counts["only-in-restored"]).toBe(3);

    // No SDK retries: every retry below is the copy-back's own.
    const throttled = createDynamoDBClient({ region: "us-east-1", maxAttempts: 1 });
    let failures = 4;
    let puts = 0;
    throttled.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "PutItemCommand") {
          puts++;
          if (failures-- > 0) throw Object.assign(new Error("Rate exceeded"), { name: "ProvisionedThroughputExceededException", $metadata: {} });
        }
        return next(args);
      },
      { step: "initialize", name: "injectThrottling" },
    );
    const result = await copyBack({ s3, dynamodb: throttled }, config, service, job, state, { compareId: state.compareId, category: "only-in-restored", selection: { all: true } }, {
      id: "test:admin", email: "admin@example.com", name: "Test admin", role: "admin",
    });
    expect(result.counts).toEqual({ copied: 3, "changed-since-compare": 0, erased: 0, failed: 0 });
    expect(puts).toBe(7);
    for (const n of [100, 101, 102]) expect(await getLiveItem(dynamodb, table, key(n))).toEqual(item(n));

    const again = await copyBack({ s3, dynamodb }, config, service, job, state, { compareId: state.compareId, category: "only-in-restored", selection: { all: true } }, {
      id: "test:admin", email: "admin@example.com", name: "Test admin", role: "admin",
    });
    expect(again.counts).toEqual({ copied: 0, "changed-since-compare": 3, erased: 0, failed: 0 });
  });
});
