import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, PutBucketVersioningCommand, type S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { GET as listRoute } from "@/app/api/approvals/route";
import { GET as getRoute } from "@/app/api/approvals/[requestId]/route";
import { POST as approveRoute } from "@/app/api/approvals/[requestId]/approve/route";
import { POST as rejectRoute } from "@/app/api/approvals/[requestId]/reject/route";
import { POST as withdrawRoute } from "@/app/api/approvals/[requestId]/withdraw/route";
import { POST as planRoute } from "@/app/api/bulk-restore/plan/route";
import { POST as runRoute } from "@/app/api/bulk-restore/[jobId]/run/route";
import { POST as eraseRoute } from "@/app/api/erasure/route";
import { GET as compareRoute } from "@/app/api/services/[service]/records/compare/route";
import { POST as restoreRoute } from "@/app/api/services/[service]/records/restore/route";
import { approveRequest, requestApprovalIfNeeded } from "@/lib/approvals/approvals";
import { ApprovalStore } from "@/lib/approvals/approval-store";
import type { ApprovalRequest, ApprovalRequestedResponse } from "@/lib/approvals/approval-types";
import { archiverTargetFor, archiveStreamRecord } from "@/lib/archive/archiver";
import type { AttributeMap } from "@/lib/archive/attribute-value";
import { listAuditEntries } from "@/lib/audit/audit-log";
import type { SessionUser } from "@/lib/auth/roles";
import { getSessionUser } from "@/lib/auth/session";
import { createDynamoDBClient, createS3Client } from "@/lib/aws/clients";
import { JobStore } from "@/lib/bulk-restore/job-store";
import { findService, parseConfig } from "@/lib/config/load";
import type { LazarusConfig } from "@/lib/config/schema";
import type { CompareResponse } from "@/lib/http/api-types";
import { getLiveItem } from "@/lib/restore/live-item";
import { createPkSkTable, motoEnv, uniqueName } from "../support/aws";
import { callRoute } from "../support/route-request";
import { removeRecord } from "../support/stream-events";

/**
 * Four-eyes approvals end to end against moto, through the routes: an action under
 * approval becomes a request instead of running; a second person with the role runs
 * it; self-approval, a second approval, an expired request and a changed plan are
 * refused; two approvals at once run it once; without `approvals` nothing changes.
 */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
const session = vi.mocked(getSessionUser);

const adminA: SessionUser = { id: "u-admin-a", email: "ada@example.com", name: "Ada Admin", role: "admin" };
const adminB: SessionUser = { id: "u-admin-b", email: "bob@example.com", name: "Bob Admin", role: "admin" };
const adminC: SessionUser = { id: "u-admin-c", email: "cy@example.com", name: "Cy Admin", role: "admin" };
const complianceA: SessionUser = { id: "u-comp-a", email: "cora@example.com", name: "Cora Compliance", role: "compliance" };
const complianceB: SessionUser = { id: "u-comp-b", email: "dan@example.com", name: "Dan Compliance", role: "compliance" };
const as = (user: SessionUser) => session.mockResolvedValue(user);

const SERVICE = "usr-contact-svc";
const DAY = "2024-03-05";
let s3: S3Client;
let dynamodb: DynamoDBClient;
let table: string;
let withApprovals: LazarusConfig;
let withApprovalsPath: string;
let withoutApprovalsPath: string;
const archiveKeys = new Map<string, string>();
const images = new Map<string, AttributeMap>();

const useConfig = (path: string) => {
  process.env.LAZARUS_CONFIG = path;
};

beforeAll(async () => {
  const { region } = motoEnv();
  s3 = createS3Client({ region });
  dynamodb = createDynamoDBClient({ region });
  const bucket = uniqueName("approvals");
  table = uniqueName("approvals-contacts");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  await createPkSkTable(dynamodb, table);
  const base = {
    region,
    archive: { bucket, prefix: "" },
    services: [
      {
        name: SERVICE,
        table: { name: table, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), "lazarus-approvals-"));
  withoutApprovalsPath = join(dir, "without.json");
  withApprovalsPath = join(dir, "with.json");
  writeFileSync(withoutApprovalsPath, JSON.stringify(base));
  const approvals = { restoreOverwrite: true, bulkRestore: { aboveItems: 1 }, erasure: true };
  writeFileSync(withApprovalsPath, JSON.stringify({ ...base, approvals }));
  withApprovals = parseConfig({ ...base, approvals });
  const service = findService(withApprovals, SERVICE)!;
  for (const [i, pk] of ["USER#1", "USER#2", "USER#3", "USER#4", "USER#5", "USER#6", "USER#7", "ERASE#1", "ERASE#2", "BULK#1", "BULK#2"].entries()) {
    const keys = { PK: { S: pk }, SK: { S: "PROFILE" } };
    const oldImage: AttributeMap = { ...keys, name: { S: `Archived ${pk}` }, balance: { N: "12345678901234567890123456789012345678" } };
    const outcome = await archiveStreamRecord(s3, archiverTargetFor(withApprovals, service), removeRecord({ keys, at: new Date(Date.parse(`${DAY}T10:00:00Z`) + i * 1000), oldImage }));
    if (outcome.status !== "archived") throw new Error(`fixture not archived: ${outcome.status}`);
    archiveKeys.set(pk, outcome.archiveKey);
    images.set(pk, oldImage);
  }
  useConfig(withApprovalsPath);
});

const keyOf = (pk: string) => ({ PK: { S: pk }, SK: { S: "PROFILE" } });
const putLive = (pk: string, name: string) => dynamodb.send(new PutItemCommand({ TableName: table, Item: { ...keyOf(pk), name: { S: name } } }));
const live = (pk: string) => getLiveItem(dynamodb, table, keyOf(pk));

async function fingerprintOf(pk: string): Promise<string> {
  const { body } = await callRoute<CompareResponse>(compareRoute, `/api/services/${SERVICE}/records/compare?archiveKey=${encodeURIComponent(archiveKeys.get(pk)!)}`, { params: { service: SERVICE } });
  return body.liveFingerprint;
}

/** An overwrite restore of `pk` over a live item, as the record page sends it. */
async function requestOverwrite(pk: string) {
  await putLive(pk, `Live ${pk}`);
  as(adminA);
  const expectedLiveFingerprint = await fingerprintOf(pk);
  return callRoute<ApprovalRequestedResponse>(restoreRoute, `/api/services/${SERVICE}/records/restore`, {
    method: "POST",
    params: { service: SERVICE },
    body: { archiveKey: archiveKeys.get(pk), mode: "overwrite", expectedLiveFingerprint, ttl: { action: "keep" } },
  });
}

const approve = (id: string) => callRoute<{ request: ApprovalRequest; error?: unknown }>(approveRoute, `/api/approvals/${id}/approve`, { method: "POST", params: { requestId: id } });
const show = (id: string) => callRoute<{ request: ApprovalRequest }>(getRoute, `/api/approvals/${id}`, { params: { requestId: id } });

async function todaysAudit() {
  const now = new Date();
  const { entries } = await listAuditEntries(s3, withApprovals, { day: { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() }, limit: 1000 });
  return entries;
}

async function approvalAudit(requestId: string) {
  return (await todaysAudit()).filter((e) => e.action === "approval" && e.operationId === requestId);
}

describe("without approvals in the config", () => {
  it("runs an overwrite restore at once, as before", async () => {
    useConfig(withoutApprovalsPath);
    try {
      await putLive("USER#7", "Live USER#7");
      as(adminA);
      const expectedLiveFingerprint = await fingerprintOf("USER#7");
      const restored = await callRoute(restoreRoute, `/api/services/${SERVICE}/records/restore`, {
        method: "POST",
        params: { service: SERVICE },
        body: { archiveKey: archiveKeys.get("USER#7"), mode: "overwrite", expectedLiveFingerprint, ttl: { action: "keep" } },
      });
      expect(restored).toMatchObject({ status: 200, body: { outcome: "restored", table } });
      expect(await live("USER#7")).toEqual(images.get("USER#7"));
      const { approvals: _, ...config } = withApprovals;
      expect(await requestApprovalIfNeeded({ s3, dynamodb }, config, adminA, { kind: "erasure", input: { match: "exact", key: "ERASE#1", mode: "erase", confirmation: "ERASE ERASE#1" } })).toBeNull();
    } finally {
      useConfig(withApprovalsPath);
    }
  });
});

describe("an overwrite restore under approval", () => {
  it("becomes a request; the requester cannot approve it; another admin runs it; a second approval is refused", async () => {
    const requested = await requestOverwrite("USER#1");
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ outcome: "approval-requested", request: { kind: "restore", url: expect.stringMatching(/^\/approvals\//) } });
    const id = requested.body.request.id;
    // Nothing ran.
    expect(await live("USER#1")).toMatchObject({ name: { S: "Live USER#1" } });

    as(adminA);
    const self = await approve(id);
    expect(self).toMatchObject({ status: 403, body: { error: { code: "self-approval" } } });

    // Compliance may approve erasures, not overwrites: it neither sees nor approves this one.
    as(complianceA);
    expect((await show(id)).status).toBe(403);
    expect((await approve(id)).status).toBe(403);

    as(adminB);
    const seen = await show(id);
    expect(seen.body.request).toMatchObject({ status: "pending", requestedBy: { email: adminA.email }, summary: { title: expect.stringContaining("Overwrite"), counts: { differences: 2 } } });
    const approved = await approve(id);
    expect(approved).toMatchObject({ status: 200, body: { request: { status: "executed", decidedBy: { email: adminB.email }, result: { outcome: "succeeded" } } } });
    expect(await live("USER#1")).toEqual(images.get("USER#1"));

    as(adminC);
    const again = await approve(id);
    expect(again).toMatchObject({ status: 409, body: { error: { code: "approval-not-pending" } } });

    const steps = (await approvalAudit(id)).map((e) => [e.details?.step, e.outcome, e.actor.email, e.details?.requestedBy]);
    expect(steps).toEqual(
      expect.arrayContaining([
        ["requested", "succeeded", adminA.email, adminA.email],
        ["refused", "refused", adminA.email, adminA.email],
        ["approved", "succeeded", adminB.email, adminA.email],
        ["executed", "succeeded", adminB.email, adminA.email],
        ["refused", "refused", adminC.email, adminA.email],
      ]),
    );
    const approvedEntry = (await approvalAudit(id)).find((e) => e.details?.step === "approved");
    expect(approvedEntry?.details).toMatchObject({ requestedBy: adminA.email, decidedBy: adminB.email });
  });

  it("is refused and must be planned again when the live item changed since the request", async () => {
    const requested = await requestOverwrite("USER#2");
    const id = requested.body.request.id;
    await putLive("USER#2", "Changed by someone else");
    as(adminB);
    const refused = await approve(id);
    expect(refused).toMatchObject({ status: 409, body: { error: { code: "replan-needed" } } });
    expect(await live("USER#2")).toMatchObject({ name: { S: "Changed by someone else" } });
    expect((await show(id)).body.request.status).toBe("stale");
    expect((await approve(id)).status).toBe(409);
  });

  it("is refused once expired, and shows as expired", async () => {
    await putLive("USER#3", "Live USER#3");
    as(adminA);
    const expectedLiveFingerprint = await fingerprintOf("USER#3");
    const longAgo = new Date(Date.now() - 25 * 3_600_000);
    const requested = await requestApprovalIfNeeded({ s3, dynamodb }, withApprovals, adminA, {
      kind: "restore",
      input: { service: SERVICE, body: { archiveKey: archiveKeys.get("USER#3")!, mode: "overwrite", expectedLiveFingerprint, ttl: { action: "keep" } } },
    }, longAgo);
    const id = requested!.request.id;
    as(adminB);
    expect((await show(id)).body.request.status).toBe("expired");
    const refused = await approve(id);
    expect(refused).toMatchObject({ status: 409, body: { error: { code: "approval-expired" } } });
    expect(await live("USER#3")).toMatchObject({ name: { S: "Live USER#3" } });
    expect((await approvalAudit(id)).some((e) => e.details?.step === "expired")).toBe(true);
  });

  it("can be rejected with a reason by another admin, and withdrawn only by its requester", async () => {
    const first = await requestOverwrite("USER#4");
    const id = first.body.request.id;
    as(adminB);
    const rejected = await callRoute<{ request: ApprovalRequest }>(rejectRoute, `/api/approvals/${id}/reject`, { method: "POST", params: { requestId: id }, body: { reason: "Wrong customer" } });
    expect(rejected).toMatchObject({ status: 200, body: { request: { status: "rejected", reason: "Wrong customer", decidedBy: { email: adminB.email } } } });
    expect((await approve(id)).status).toBe(409);

    const second = await requestOverwrite("USER#4");
    const other = second.body.request.id;
    as(adminB);
    const notYours = await callRoute(withdrawRoute, `/api/approvals/${other}/withdraw`, { method: "POST", params: { requestId: other } });
    expect(notYours).toMatchObject({ status: 403, body: { error: { code: "not-requester" } } });
    as(adminA);
    const withdrawn = await callRoute<{ request: ApprovalRequest }>(withdrawRoute, `/api/approvals/${other}/withdraw`, { method: "POST", params: { requestId: other } });
    expect(withdrawn.body.request.status).toBe("withdrawn");
    as(adminB);
    expect((await approve(other)).status).toBe(409);
    expect(await live("USER#4")).toMatchObject({ name: { S: "Live USER#4" } });
  });
});

describe("a bulk restore under approval", () => {
  async function planJob(pks: string[]): Promise<string> {
    as(adminA);
    const planned = await callRoute<{ job: { id: string } }>(planRoute, "/api/bulk-restore/plan", {
      method: "POST",
      body: { selection: { kind: "archive-keys", service: SERVICE, archiveKeys: pks.map((pk) => archiveKeys.get(pk)) } },
    });
    expect(planned.status).toBe(201);
    return planned.body.job.id;
  }
  const run = (jobId: string) => callRoute<ApprovalRequestedResponse & { job?: unknown }>(runRoute, `/api/bulk-restore/${jobId}/run`, { method: "POST", params: { jobId }, body: {} });

  it("runs at once at or below the item threshold", async () => {
    const jobId = await planJob(["USER#6"]);
    const started = await run(jobId);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ job: { status: "running" } });
  });

  it("runs once when two approvers (on two console instances) approve at the same moment", async () => {
    const jobId = await planJob(["USER#5", "ERASE#2"]);
    const requested = await run(jobId);
    expect(requested.body.outcome).toBe("approval-requested");
    const id = requested.body.request.id;
    expect((await new JobStore(s3, withApprovals).get(jobId)).value.status).toBe("planned");

    // Each instance with its own clients, as two servers would have.
    const instance = () => ({ s3: createS3Client({ region: "us-east-1" }), dynamodb: createDynamoDBClient({ region: "us-east-1" }) });
    const outcomes = await Promise.allSettled([approveRequest(instance(), withApprovals, adminB, id), approveRequest(instance(), withApprovals, adminC, id)]);
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toMatchObject({ status: 409, code: "approval-not-pending" });

    const job = (await new JobStore(s3, withApprovals).get(jobId)).value;
    expect(job.status === "running" || job.status === "completed").toBe(true);
    expect(job.run?.startedBy.email).toBe(adminA.email);
    const starts = (await todaysAudit()).filter((e) => e.action === "bulk-restore" && e.outcome === "started" && e.details?.jobId === jobId);
    expect(starts).toHaveLength(1);
    expect((await approvalAudit(id)).filter((e) => e.details?.step === "approved")).toHaveLength(1);
  });
});

describe("a bulk restore whose plan no longer matches", () => {
  it("is refused at approval and turns stale: the requester must plan it again", async () => {
    as(adminA);
    const planned = await callRoute<{ job: { id: string } }>(planRoute, "/api/bulk-restore/plan", {
      method: "POST",
      body: { selection: { kind: "archive-keys", service: SERVICE, archiveKeys: [archiveKeys.get("BULK#1"), archiveKeys.get("BULK#2")] } },
    });
    const jobId = planned.body.job.id;
    const requested = await callRoute<ApprovalRequestedResponse>(runRoute, `/api/bulk-restore/${jobId}/run`, { method: "POST", params: { jobId }, body: {} });
    const id = requested.body.request.id;
    expect((await show(id)).body.request.summary.counts).toMatchObject({ absent: 2, conflicting: 0 });

    // An item the plan saw absent is live again: a no-clobber run would now skip it, an overwrite would clobber it.
    await putLive("BULK#2", "Re-created since the plan");
    as(adminB);
    expect(await approve(id)).toMatchObject({ status: 409, body: { error: { code: "replan-needed" } } });
    expect((await show(id)).body.request.status).toBe("stale");
    expect((await new JobStore(s3, withApprovals).get(jobId)).value.status).toBe("planned");
    expect(await live("BULK#1")).toBeNull();
  });
});

describe("the request store", () => {
  it("refuses a write made from a version someone else has already replaced (S3 If-Match)", async () => {
    const requested = await requestOverwrite("USER#6");
    const store = new ApprovalStore(s3, withApprovals);
    const read = await store.get(requested.body.request.id);
    await store.replace({ ...read.value, status: "withdrawn" }, read.etag);
    await expect(store.replace({ ...read.value, status: "approved" }, read.etag)).rejects.toMatchObject({ status: 409, code: "approval-not-pending" });
    expect((await store.get(read.value.id)).value.status).toBe("withdrawn");
  });
});

describe("the approvals routes, role by role", () => {
  const viewer: SessionUser = { id: "u-viewer", email: "vic@example.com", name: "Vic Viewer", role: "viewer" };
  const support: SessionUser = { id: "u-support", email: "sue@example.com", name: "Sue Support", role: "support" };

  it("refuse viewers and support everywhere, and list only what compliance or admins may see", async () => {
    const requested = await requestOverwrite("USER#6");
    const id = requested.body.request.id;
    for (const user of [viewer, support]) {
      as(user);
      expect((await callRoute(listRoute, "/api/approvals", {})).status, user.role).toBe(403);
      expect((await show(id)).status, user.role).toBe(403);
      expect((await approve(id)).status, user.role).toBe(403);
      expect((await callRoute(rejectRoute, `/api/approvals/${id}/reject`, { method: "POST", params: { requestId: id }, body: { reason: "no" } })).status, user.role).toBe(403);
      expect((await callRoute(withdrawRoute, `/api/approvals/${id}/withdraw`, { method: "POST", params: { requestId: id } })).status, user.role).toBe(403);
    }
    as(complianceA);
    const forCompliance = await callRoute<{ requests: ApprovalRequest[] }>(listRoute, "/api/approvals", {});
    expect(forCompliance.status).toBe(200);
    expect(forCompliance.body.requests.map((r) => r.id)).not.toContain(id);
    as(adminB);
    const forAdmin = await callRoute<{ requests: ApprovalRequest[] }>(listRoute, "/api/approvals?status=pending", {});
    expect(forAdmin.body.requests.map((r) => r.id)).toContain(id);
    // Nobody approved: the live item is still the one the requester saw.
    expect(await live("USER#6")).toMatchObject({ name: { S: "Live USER#6" } });
  });
});

describe("an erasure under approval", () => {
  const body = { match: "exact", key: "ERASE#1", mode: "erase", confirmation: "ERASE ERASE#1" };

  it("is requested by one compliance officer and run when another approves", async () => {
    as(complianceA);
    const wrong = await callRoute(eraseRoute, "/api/erasure", { method: "POST", body: { ...body, confirmation: "ERASE nope" } });
    expect(wrong.status).toBe(400);
    const requested = await callRoute<ApprovalRequestedResponse>(eraseRoute, "/api/erasure", { method: "POST", body });
    expect(requested).toMatchObject({ status: 202, body: { outcome: "approval-requested", request: { kind: "erasure" } } });
    const id = requested.body.request.id;

    as(complianceB);
    const listed = await callRoute<{ requests: ApprovalRequest[] }>(listRoute, "/api/approvals?status=pending", {});
    expect(listed.body.requests.map((r) => r.id)).toContain(id);
    expect(listed.body.requests.every((r) => r.kind === "erasure")).toBe(true);
    const seen = await show(id);
    expect(seen.body.request.summary).toMatchObject({ counts: { records: 1 } });
    const approved = await approve(id);
    expect(approved).toMatchObject({ status: 200, body: { request: { status: "executed", result: { outcome: "succeeded" } } } });
  });
});
