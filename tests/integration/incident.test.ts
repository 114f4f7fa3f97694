import { beforeAll, describe, expect, it } from "vitest";
import { type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { archiverTargetFor, archiveStreamRecord } from "../../lib/archive/archiver";
import type { AttributeMap } from "../../lib/archive/attribute-value";
import { recordCallEvent } from "../../lib/attribution/record-calls";
import { listAuditEntries } from "../../lib/audit/audit-log";
import type { SessionUser } from "../../lib/auth/roles";
import { createDynamoDBClient, createS3Client } from "../../lib/aws/clients";
import { JobStore } from "../../lib/bulk-restore/job-store";
import { createJob, startJob } from "../../lib/bulk-restore/jobs";
import { selectionSchema } from "../../lib/bulk-restore/job-types";
import { startRunner } from "../../lib/bulk-restore/runner";
import type { LazarusConfig } from "../../lib/config/schema";
import { incidentQuerySchema } from "../../lib/incidents/incident-params";
import { queryIncident } from "../../lib/incidents/incident-query";
import { getLiveItem } from "../../lib/restore/live-item";
import { cloudTrailEventFor, type LocalCall } from "../../scripts/local-stack/cloudtrail-events";
import { createPkSkTable, motoEnv, uniqueName } from "../support/aws";
import { attributionConfig, cleanupJob, supportEngineer } from "../support/attribution";
import { removeRecord } from "../support/stream-events";

/**
 * The incident view's query against moto: the callers seen in a window, one role across
 * its sessions and two tables, nothing of another caller's the same day, and what it
 * costs in requests; and a bulk restore that leaves out the items unticked in its plan.
 */

let s3: S3Client;
let dynamodb: DynamoDBClient;
let region: string;
const requests = new Map<string, number>();

const support = supportEngineer;
const cleanupA = cleanupJob("run-41");
const cleanupB = cleanupJob("run-42");
const admin: SessionUser = { id: "u-admin", email: "admin@example.com", name: "Ada Admin", role: "admin" };

const newConfig = (tables: { orders: string; contacts: string }): Promise<LazarusConfig> =>
  attributionConfig(s3, region, { bucketName: "incident", tables: { "usr-contact-svc": tables.contacts, "sor-service-order-svc": tables.orders } });

async function archive(config: LazarusConfig, table: string, pk: string, at: Date, extra: { ttl?: boolean; image?: AttributeMap } = {}): Promise<string> {
  const service = config.services.find((s) => s.table.name === table)!;
  const keys = { PK: { S: pk }, SK: { S: "DETAILS" } };
  const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys, at, oldImage: extra.image ?? { ...keys, status: { S: "scheduled" } }, ...(extra.ttl ? { ttl: true } : {}) }));
  if (outcome.status !== "archived") throw new Error(`not archived: ${outcome.status}`);
  return outcome.archiveKey;
}

async function call(config: LazarusConfig, c: Omit<LocalCall, "region">): Promise<void> {
  await recordCallEvent(s3, config, cloudTrailEventFor({ ...c, region }));
}

beforeAll(() => {
  region = motoEnv().region;
  s3 = createS3Client({ region });
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      requests.set(context.commandName ?? "?", (requests.get(context.commandName ?? "?") ?? 0) + 1);
      return next(args);
    },
    { step: "finalizeRequest", name: "incidentRequestCounter" },
  );
  dynamodb = createDynamoDBClient({ region });
});

describe("incident view", () => {
  it("lists a role's deletions across sessions and tables in the window, and no one else's", async () => {
    const tables = { orders: uniqueName("orders"), contacts: uniqueName("contacts") };
    const config = await newConfig(tables);
    const day = "2026-11-24";
    const t = (time: string) => new Date(`${day}T${time}Z`);

    // Hours before the incident, support deletes two orders by hand: legitimate.
    const legit = [await archive(config, tables.orders, "ORDER#o-1", t("07:12:03")), await archive(config, tables.orders, "ORDER#o-2", t("10:31:30"))];
    await call(config, { api: "DeleteItem", principal: support, at: t("07:12:03"), deletes: [{ table: tables.orders, key: { PK: "ORDER#o-1", SK: "DETAILS" } }] });
    await call(config, { api: "DeleteItem", principal: support, at: t("10:31:30"), deletes: [{ table: tables.orders, key: { PK: "ORDER#o-2", SK: "DETAILS" } }] });
    // The clean-up job, two sessions of its role, one BatchWriteItem across both tables.
    const incident = [
      await archive(config, tables.orders, "ORDER#o-10", t("10:30:05")),
      await archive(config, tables.orders, "ORDER#o-11", t("10:30:05")),
      await archive(config, tables.contacts, "CONTACT#c-10", t("10:30:05")),
      await archive(config, tables.orders, "ORDER#o-12", t("10:44:59")),
    ];
    await call(config, {
      api: "BatchWriteItem",
      principal: cleanupA,
      at: t("10:30:05"),
      deletes: [
        { table: tables.orders, key: { PK: "ORDER#o-10", SK: "DETAILS" } },
        { table: tables.orders, key: { PK: "ORDER#o-11", SK: "DETAILS" } },
        { table: tables.contacts, key: { PK: "CONTACT#c-10", SK: "DETAILS" } },
      ],
    });
    await call(config, { api: "DeleteItem", principal: cleanupB, at: t("10:44:59"), deletes: [{ table: tables.orders, key: { PK: "ORDER#o-12", SK: "DETAILS" } }] });
    // The same role after the window, and a TTL expiry inside it: neither is listed.
    await archive(config, tables.orders, "ORDER#o-13", t("10:46:00"));
    await call(config, { api: "DeleteItem", principal: cleanupB, at: t("10:46:00"), deletes: [{ table: tables.orders, key: { PK: "ORDER#o-13", SK: "DETAILS" } }] });
    await archive(config, tables.orders, "ORDER#o-14", t("10:35:00"), { ttl: true });

    const now = new Date("2026-11-25T00:00:00Z");
    const window = incidentQuerySchema.parse({ from: `${day}T10:30`, to: `${day}T10:45` });
    requests.clear();
    const seen = await queryIncident(s3, config, window, now);
    // One LIST per service for the window's one day, nothing read: the callers come from names.
    expect(Object.fromEntries(requests)).toEqual({ ListObjectsV2Command: 2 });
    expect(seen.principals.map((p) => [p.label, p.calls])).toEqual([
      ["order-cleanup-job/run-41", 3],
      ["order-cleanup-job/run-42", 1],
      ["support-engineer/nina.support", 1],
    ]);
    expect(seen.roles).toEqual([
      { role: "order-cleanup-job", sessions: 2, calls: 4 },
      { role: "support-engineer", sessions: 1, calls: 1 },
    ]);
    expect(seen.records).toEqual([]);

    requests.clear();
    const byRole = await queryIncident(s3, config, { ...window, who: "role:arn:aws:iam::111122223333:role/order-cleanup-job" }, now);
    expect(byRole.records.map((r) => r.archiveKey).sort()).toEqual([...incident].sort());
    expect(byRole.records.some((r) => legit.includes(r.archiveKey))).toBe(false);
    expect(byRole.records.find((r) => r.partitionKey === "CONTACT#c-10")).toMatchObject({ service: "usr-contact-svc", table: tables.contacts, principal: "order-cleanup-job/run-41", api: "BatchWriteItem", confidence: "exact" });
    expect(byRole.perMinute).toEqual([
      { minute: `${day}T10:30`, counts: { [tables.orders]: 2, [tables.contacts]: 1 } },
      { minute: `${day}T10:44`, counts: { [tables.orders]: 1 } },
    ]);
    // Per service and day: the attribution LIST and the archive day's LIST (a day not yet sealable: no manifest GET).
    expect(requests.get("ListObjectsV2Command")).toBe(4);
    expect(requests.get("GetObjectCommand") ?? 0).toBeLessThanOrEqual(2);

    const oneSession = await queryIncident(s3, config, { ...window, who: "principal:order-cleanup-job/run-42" }, now);
    expect(oneSession.records.map((r) => r.partitionKey)).toEqual(["ORDER#o-12"]);
    const bySupport = await queryIncident(s3, config, { ...window, who: "role:support-engineer" }, now);
    expect(bySupport.records.map((r) => r.partitionKey)).toEqual(["ORDER#o-2"]);
  });

  it("refuses a window that runs backwards or longer than a week", () => {
    expect(incidentQuerySchema.safeParse({ from: "2026-11-24T10:45", to: "2026-11-24T10:30" }).success).toBe(false);
    expect(incidentQuerySchema.safeParse({ from: "2026-11-01T00:00", to: "2026-11-08T00:00" }).success).toBe(false);
    expect(incidentQuerySchema.safeParse({ from: "2026-11-24T25:00", to: "2026-11-24T26:00" }).success).toBe(false);
    expect(incidentQuerySchema.safeParse({ from: "2026-11-24T10:30", to: "2026-11-24T10:45", who: "someone" }).success).toBe(false);
  });
});

describe("bulk restore: time-of-day window and exclusions", () => {
  it("selects a day's deletions between two times, and runs only the items left ticked, recording the others", async () => {
    const tables = { orders: uniqueName("orders"), contacts: uniqueName("contacts") };
    const config = await newConfig(tables);
    await createPkSkTable(dynamodb, tables.orders);
    const day = "2024-05-07";
    for (const [pk, time] of [["ORDER#t-1", "07:10:00"], ["ORDER#t-2", "10:30:00"], ["ORDER#t-3", "10:38:12"], ["ORDER#t-4", "10:41:59"], ["ORDER#t-5", "10:42:00"]] as const) {
      await archive(config, tables.orders, pk, new Date(`${day}T${time}Z`));
    }
    expect(selectionSchema.safeParse({ kind: "filter", service: "sor-service-order-svc", from: day, to: day, timeFrom: "10:42", timeTo: "10:30" }).success).toBe(false);
    const job = await createJob({ s3, dynamodb }, config, { kind: "filter", service: "sor-service-order-svc", from: day, to: day, timeFrom: "10:30", timeTo: "10:41" }, admin);
    const items = await new JobStore(s3, config).items(job.id);
    expect(items.map((i) => i.keyText)).toEqual(["ORDER#t-2 / DETAILS", "ORDER#t-3 / DETAILS", "ORDER#t-4 / DETAILS"]);

    const left = items.find((i) => i.keyText.startsWith("ORDER#t-3"))!.i;
    const deps = { s3, dynamodb, config, leaseMs: 400 };
    await expect(startJob(deps, job.id, { overwriteConflicting: false, ttl: { action: "keep" }, exclude: [7] }, admin)).rejects.toThrow(/cannot be excluded/);
    await startJob(deps, job.id, { overwriteConflicting: false, ttl: { action: "keep" }, exclude: [left] }, admin);
    expect(await startRunner(deps, job.id)).toBe("completed");

    const live = async (pk: string) => (await getLiveItem(dynamodb, tables.orders, { PK: { S: pk }, SK: { S: "DETAILS" } })) !== null;
    expect([await live("ORDER#t-2"), await live("ORDER#t-3"), await live("ORDER#t-4")]).toEqual([true, false, true]);

    const stored = await new JobStore(s3, config).get(job.id);
    expect(stored.value.options?.exclude).toEqual([left]);
    const results = (await new JobStore(s3, config).chunkResults(job.id)).flatMap((c) => c.items);
    expect(results.find((r) => r.i === left)).toMatchObject({ outcome: "skipped", reason: expect.stringMatching(/excluded/) });
    const today = new Date();
    const day0 = { year: today.getUTCFullYear(), month: today.getUTCMonth() + 1, day: today.getUTCDate() };
    const audit = (await listAuditEntries(s3, config, { day: day0, limit: 1000 })).entries.filter((e) => e.action === "bulk-restore" && e.details?.jobId === job.id);
    expect(audit.find((e) => e.outcome === "started")?.details).toMatchObject({ excludedCount: 1, excluded: [left] });
  });
});
