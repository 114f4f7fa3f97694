import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DescribeContinuousBackupsCommand } from "@aws-sdk/client-dynamodb";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { GET as getReport } from "@/app/api/protection/route";
import { POST as postFix } from "@/app/api/protection/[service]/fixes/route";
import { listAuditEntries } from "@/lib/audit/audit-log";
import type { Role } from "@/lib/auth/roles";
import { getSessionUser } from "@/lib/auth/session";
import { createCloudWatchClient, createDynamoDBClient, createIamClient, createLambdaClient, createS3Client, createSqsClient } from "@/lib/aws/clients";
import { parseConfig } from "@/lib/config/load";
import type { LazarusConfig } from "@/lib/config/schema";
import { expectedAlarmNames } from "@/lib/protection/protection-rules";
import type { ProtectionReport, ServiceProtection } from "@/lib/protection/protection-types";
import { provisionLocalStack } from "../../scripts/local-stack/provision";
import { uniqueName, motoEnv } from "../support/aws";
import { callRoute } from "../support/route-request";

/**
 * The protection report and the admin fixes through their routes, against moto:
 * a table provisioned as infra would be green where moto can tell, one created
 * bare is red with the fix, and enabling PITR from the console turns it green.
 */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
const session = vi.mocked(getSessionUser);
const as = (role: Role) => session.mockResolvedValue({ id: `test:${role}`, email: `${role}@example.com`, name: `Test ${role}`, role });

const ORIGIN = "http://localhost:3000";
type Handler = (request: NextRequest, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function call(handler: Handler, path: string, params: Record<string, string>, init: { method?: string; body?: unknown } = {}) {
  return callRoute(handler, path, { ...init, params, headers: { origin: ORIGIN } });
}

let config: LazarusConfig;
let protectedName: string;
let bareName: string;
let bareTable: string;

const checkOf = (service: ServiceProtection | undefined, id: string) => service?.checks.find((c) => c.id === id);

async function report(): Promise<ProtectionReport> {
  as("viewer");
  const { status, body } = await call(getReport as Handler, "/api/protection", {});
  expect(status).toBe(200);
  return body as unknown as ProtectionReport;
}

beforeAll(async () => {
  const { region } = motoEnv();
  protectedName = uniqueName("svc-protected");
  bareName = uniqueName("svc-bare");
  bareTable = uniqueName("tbl-bare");
  const service = (name: string, table: string, queue: string) => ({
    name,
    table: { name: table, partitionKey: { name: "PK", type: "S" }, ttlAttribute: "expiresAt" },
    archiver: { functionName: uniqueName("archiver") },
    onFailure: { type: "sqs", queueName: queue },
  });
  const raw = {
    region: "us-east-1",
    archive: { bucket: uniqueName("lz-protection") },
    // moto's restorable window starts when PITR is enabled, i.e. now: the coverage rule is tested below and in the unit tests.
    protection: { pitrCoverageDays: 0 },
    services: [service(protectedName, uniqueName("tbl-protected"), uniqueName("dlq"))],
  };
  // Provision only the protected service; the bare one's table is created by hand without PITR or deletion protection.
  await provisionLocalStack(parseConfig(raw), {
    s3: createS3Client({ region }),
    dynamodb: createDynamoDBClient({ region }),
    sqs: createSqsClient({ region }),
    lambda: createLambdaClient({ region }),
    iam: createIamClient({ region }),
  });
  await createDynamoDBClient({ region }).send(
    new CreateTableCommand({
      TableName: bareTable,
      KeySchema: [{ AttributeName: "PK", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "PK", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
      StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" },
    }),
  );
  const full = { ...raw, services: [...raw.services, service(bareName, bareTable, uniqueName("dlq-missing"))] };
  const dir = mkdtempSync(join(tmpdir(), "lazarus-protection-"));
  writeFileSync(join(dir, "lazarus.config.json"), JSON.stringify(full));
  process.env.LAZARUS_CONFIG = join(dir, "lazarus.config.json");
  config = parseConfig(full);
});

describe("protection report against moto", () => {
  it("provisioning creates every alarm infra names, and the report finds them all", async () => {
    const cloudwatch = createCloudWatchClient({ region: config.region });
    const service = config.services.find((s) => s.name === protectedName)!;
    const names = expectedAlarmNames(service);
    expect(names).toEqual(
      ["iterator-age", "archiver-errors", "throttles", "destination-delivery-failures", "near-timeout", "stalled", "failed-records", "dlq-depth"].map((c) => `lazarus-${protectedName}-${c}`),
    );
    const alarms = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names }));
    expect((alarms.MetricAlarms ?? []).map((a) => a.AlarmName).sort()).toEqual([...names].sort());
    const alarmsCheck = checkOf((await report()).services.find((s) => s.service === protectedName), "alarms");
    expect(alarmsCheck?.summary).toBe("None in ALARM");
    expect(alarmsCheck?.facts.map((f) => f.label)).toEqual(names);
  });

  it("a provisioned table is green for PITR, deletion protection, stream and TTL; a bare one is red with the fix", async () => {
    const r = await report();
    const good = r.services.find((s) => s.service === protectedName);
    for (const id of ["pitr", "deletion-protection", "stream", "ttl", "dlq"]) expect(checkOf(good, id)?.status, id).toBe("green");
    // moto holds no event source mapping (docs/LOCAL-STACK.md): without the local-stack description it is red.
    expect(checkOf(good, "mapping")?.status).toBe("red");
    expect(checkOf(good, "alarms")?.facts).toContainEqual({ label: `lazarus-${protectedName}-dlq-depth`, value: expect.stringMatching(/OK|INSUFFICIENT_DATA/) });
    // An empty archive has nothing to seal.
    expect(checkOf(good, "seal")).toMatchObject({ status: "green", summary: "Up to date (lag 0 days)" });

    const bare = r.services.find((s) => s.service === bareName);
    expect(bare?.status).toBe("red");
    expect(checkOf(bare, "pitr")).toMatchObject({ status: "red" });
    expect(checkOf(bare, "pitr")?.findings[0]).toMatchObject({
      command: `aws dynamodb update-continuous-backups --table-name ${bareTable} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true`,
      consoleFix: "enable-pitr",
    });
    expect(checkOf(bare, "deletion-protection")?.status).toBe("red");
    expect(checkOf(bare, "stream")?.status).toBe("red");
    expect(checkOf(bare, "ttl")?.status).toBe("amber");
    // The queue does not exist: that check is unknown with the reason, and the report still answers.
    expect(checkOf(bare, "dlq")?.status).toBe("unknown");
    expect(checkOf(bare, "alarms")?.summary).toBe("Not found");
  });

  it("with LAZARUS_LOCAL_STACK_MAPPINGS=1 the mapping check describes the local runner's mapping as infra configures it", async () => {
    const { buildProtectionReport } = await import("@/lib/protection/protection-report");
    const { protectionClients, protectionReportOptions } = await import("@/lib/protection/protection-clients");
    const { TtlCache } = await import("@/lib/protection/ttl-cache");
    process.env.LAZARUS_LOCAL_STACK_MAPPINGS = "1";
    try {
      const r = await buildProtectionReport(protectionClients(config), config, { ...protectionReportOptions(config), cache: new TtlCache(1) });
      const mapping = checkOf(r.services.find((s) => s.service === protectedName), "mapping");
      // SQS-only destination: amber, with everything else as infra sets it.
      expect(mapping?.status).toBe("amber");
      expect(mapping?.facts).toEqual(
        expect.arrayContaining([
          { label: "Maximum retry attempts", value: 5 },
          { label: "Partial batch responses", value: true },
          { label: "Filter", value: '{"eventName":["REMOVE"]}' },
          { label: "Described by", value: expect.stringContaining("local stack") },
        ]),
      );
    } finally {
      delete process.env.LAZARUS_LOCAL_STACK_MAPPINGS;
    }
  });

  it("with the default coverage policy a freshly enabled PITR is amber, saying when it reaches the policy", async () => {
    const { buildProtectionReport } = await import("@/lib/protection/protection-report");
    const { protectionClients } = await import("@/lib/protection/protection-clients");
    const { TtlCache } = await import("@/lib/protection/ttl-cache");
    const strict = { ...config, protection: { ...config.protection, pitrCoverageDays: 30 } };
    const r = await buildProtectionReport(protectionClients(strict), strict, { cache: new TtlCache(1) });
    const pitr = checkOf(r.services.find((s) => s.service === protectedName), "pitr");
    expect(pitr?.status).toBe("amber");
    expect(pitr?.findings[0]?.fix).toMatch(/reaches 30 days on \d{4}-\d{2}-\d{2}/);
  });

  it("enabling PITR from the route turns it green and writes started + succeeded audit entries", async () => {
    as("viewer");
    const refused = await call(postFix as Handler, `/api/protection/${bareName}/fixes`, { service: bareName }, { method: "POST", body: { fix: "enable-pitr", confirmTable: bareTable } });
    expect(refused.status).toBe(403);

    as("admin");
    const mismatch = await call(postFix as Handler, `/api/protection/${bareName}/fixes`, { service: bareName }, { method: "POST", body: { fix: "enable-pitr", confirmTable: "other" } });
    expect(mismatch.status).toBe(400);

    const started = new Date();
    const { status, body } = await call(postFix as Handler, `/api/protection/${bareName}/fixes`, { service: bareName }, { method: "POST", body: { fix: "enable-pitr", confirmTable: bareTable } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ outcome: "succeeded", fix: "enable-pitr", table: bareTable });

    const backups = await createDynamoDBClient({ region: config.region }).send(new DescribeContinuousBackupsCommand({ TableName: bareTable }));
    expect(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe("ENABLED");
    // The fix invalidates the cached describe: the next report already shows it.
    const after = await report();
    expect(checkOf(after.services.find((s) => s.service === bareName), "pitr")?.status).not.toBe("red");

    const day = { year: started.getUTCFullYear(), month: started.getUTCMonth() + 1, day: started.getUTCDate() };
    const audit = await listAuditEntries(createS3Client({ region: config.region }), config, { day });
    const entries = audit.entries.filter((e) => e.operationId === body.auditId);
    expect(entries.map((e) => e.outcome)).toEqual(["started", "succeeded"]);
    expect(entries[0]).toMatchObject({ action: "protection-change", role: "admin", service: bareName, table: bareTable, details: { fix: "enable-pitr" } });
  });

  it("enabling deletion protection from the route turns it green", async () => {
    as("admin");
    const { status } = await call(postFix as Handler, `/api/protection/${bareName}/fixes`, { service: bareName }, { method: "POST", body: { fix: "enable-deletion-protection", confirmTable: bareTable } });
    expect(status).toBe(200);
    expect(checkOf((await report()).services.find((s) => s.service === bareName), "deletion-protection")?.status).toBe("green");
  });

  it("answers a monitoring system's bearer token, without a session, with the same report", async () => {
    const token = "a-monitoring-token-of-more-than-32-characters";
    vi.stubEnv("NEXTAUTH_SECRET", "a-secret-of-at-least-thirty-two-characters");
    vi.stubEnv("LAZARUS_DEMO_USERS", "true");
    vi.stubEnv("LAZARUS_DEMO_PASSWORD", "demo-password");
    vi.stubEnv("LAZARUS_MONITORING_TOKEN", token);
    onTestFinished(() => void vi.unstubAllEnvs());
    const viewed = await report();
    session.mockResolvedValue(null);
    const { status, body } = await callRoute(getReport, "/api/protection", { headers: { authorization: `Bearer ${token}` } });
    expect(status).toBe(200);
    const monitored = body as unknown as ProtectionReport;
    expect(monitored.status).toBe(viewed.status);
    expect(monitored.services.map((s) => [s.service, s.status])).toEqual(viewed.services.map((s) => [s.service, s.status]));
    expect((await callRoute(getReport, "/api/protection", { headers: { authorization: "Bearer not-the-token" } })).status).toBe(401);
    expect((await callRoute(getReport, "/api/protection")).status).toBe(401);
  });
});
