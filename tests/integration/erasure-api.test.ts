import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutBucketVersioningCommand } from "@aws-sdk/client-s3";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { POST as erase } from "@/app/api/erasure/route";
import { POST as plan } from "@/app/api/erasure/plan/route";
import { archiverTargetFor, archiveStreamRecord } from "@/lib/archive/archiver";
import type { Role } from "@/lib/auth/roles";
import { getSessionUser } from "@/lib/auth/session";
import { createS3Client } from "@/lib/aws/clients";
import { findService, parseConfig } from "@/lib/config/load";
import { uniqueName, motoEnv } from "../support/aws";
import { removeRecord } from "../support/stream-events";

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
const session = vi.mocked(getSessionUser);
const as = (role: Role) => session.mockResolvedValue({ id: `test:${role}`, email: `${role}@example.com`, name: `Test ${role}`, role });
const ORIGIN = "http://localhost:3000";

type Handler = (request: NextRequest, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function post(handler: Handler, path: string, body: unknown) {
  const request = new NextRequest(`${ORIGIN}${path}`, {
    method: "POST",
    headers: { "sec-fetch-site": "same-origin", host: "localhost:3000", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const response = await handler(request, { params: Promise.resolve({}) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  const { region } = motoEnv();
  const s3 = createS3Client({ region });
  const bucket = uniqueName("erasure-api");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  const raw = {
    region,
    archive: { bucket },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-usr" },
        onFailure: { type: "sqs", queueName: "usr-dlq" },
      },
    ],
  };
  const config = parseConfig(raw);
  const service = findService(config, "usr-contact-svc")!;
  const keys = { PK: { S: "CONTACT#api-1" }, SK: { S: "PROFILE" } } as const;
  await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys, oldImage: { ...keys, email: { S: "a@example.com" } }, at: new Date("2024-03-10T09:00:00Z") }));
  const dir = mkdtempSync(join(tmpdir(), "lazarus-erasure-api-"));
  writeFileSync(join(dir, "lazarus.config.json"), JSON.stringify(raw));
  process.env.LAZARUS_CONFIG = join(dir, "lazarus.config.json");
});

describe("the erasure API", () => {
  it("plans, refuses a wrong confirmation, then erases", async () => {
    as("compliance");
    const found = await post(plan as Handler, "/api/erasure/plan", { match: "exact", key: "CONTACT#api-1" });
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ services: ["usr-contact-svc"], blockers: [], failureCopies: [] });
    expect((found.body.findings as unknown[]).length).toBe(1);
    expect(found.body.findings).toMatchObject([{ versions: 1, indexEntries: 1, lock: { state: "none" }, attributeNames: ["PK", "SK", "email"] }]);

    const wrong = await post(erase as Handler, "/api/erasure", { match: "exact", key: "CONTACT#api-1", mode: "erase", confirmation: "ERASE CONTACT#api-2" });
    expect(wrong.status).toBe(400);

    const done = await post(erase as Handler, "/api/erasure", { match: "exact", key: "CONTACT#api-1", mode: "erase", confirmation: "ERASE CONTACT#api-1" });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ outcome: "succeeded", summary: { records: 1, objectVersionsRemoved: 1, indexEntriesRemoved: 1 } });

    const again = await post(plan as Handler, "/api/erasure/plan", { match: "exact", key: "CONTACT#api-1" });
    expect(again.body.findings).toEqual([]);
  });

  it("is for compliance and admin only", async () => {
    as("support");
    expect((await post(plan as Handler, "/api/erasure/plan", { match: "exact", key: "x" })).status).toBe(403);
  });
});
