import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutBucketVersioningCommand, type S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { POST as requestRetrieval } from "@/app/api/services/[service]/records/retrieval/route";
import { archiverTargetFor, archiveStreamRecord } from "@/lib/archive/archiver";
import { listAuditEntries } from "@/lib/audit/audit-log";
import { getSessionUser } from "@/lib/auth/session";
import { createS3Client } from "@/lib/aws/clients";
import { findService, loadConfigFile } from "@/lib/config/load";
import type { LazarusConfig } from "@/lib/config/schema";
import { eraseSubject } from "@/lib/erasure/erase";
import { erasureKeyHash } from "@/lib/erasure/erasure-ledger";
import { confirmationText } from "@/lib/erasure/erasure-request";
import { uniqueName, motoEnv } from "../support/aws";
import { callRoute } from "../support/route-request";
import { removeRecord } from "../support/stream-events";

/** A Glacier retrieval asked for a record erased since its page was loaded: refused, and the log does not get the key back. */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
const admin = { id: "test:admin", email: "admin@example.com", name: "Test admin", role: "admin" as const };
vi.mocked(getSessionUser).mockResolvedValue(admin);

const SUBJECT = "CONTACT#erased-glacier";
let s3: S3Client;
let config: LazarusConfig;

beforeAll(async () => {
  const { region } = motoEnv();
  s3 = createS3Client({ region });
  const bucket = uniqueName("retrieval-erased");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  const dir = mkdtempSync(join(tmpdir(), "lazarus-retrieval-"));
  const raw = {
    region,
    archive: { bucket, prefix: "deleted/" },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" } },
        archiver: { functionName: "archiver-usr" },
        onFailure: { type: "sqs", queueName: "usr-dlq" },
      },
    ],
  };
  writeFileSync(join(dir, "lazarus.config.json"), JSON.stringify(raw));
  process.env.LAZARUS_CONFIG = join(dir, "lazarus.config.json");
  config = loadConfigFile(process.env.LAZARUS_CONFIG);
});

describe("Glacier retrieval of an erased record", () => {
  it("answers 410 'erased on <date>' and audits the refusal by key hash and location, without the object name", async () => {
    const service = findService(config, "usr-contact-svc")!;
    const outcome = await archiveStreamRecord(
      s3,
      archiverTargetFor(config, service),
      removeRecord({ keys: { PK: { S: SUBJECT } }, oldImage: { PK: { S: SUBJECT }, email: { S: "subject@example.com" } }, at: new Date("2024-05-01T08:00:00Z") }),
    );
    if (outcome.status !== "archived") throw new Error(outcome.status);
    const erasure = await eraseSubject(s3, config, {
      query: { match: "exact", key: SUBJECT },
      mode: "erase",
      confirmation: confirmationText("erase", SUBJECT),
      actor: { id: "u-compliance", email: "cora@example.com", name: "Cora Compliance", role: "compliance" },
    });
    expect(erasure).toMatchObject({ outcome: "succeeded", summary: { records: 1 } });

    const response = await callRoute(requestRetrieval, "/api/services/usr-contact-svc/records/retrieval", {
      method: "POST",
      params: { service: "usr-contact-svc" },
      body: { archiveKey: outcome.archiveKey, tier: "Bulk", days: 1 },
    });

    const today = new Date().toISOString().slice(0, 10);
    expect(response.status).toBe(410);
    expect(response.body.error).toEqual({ code: "erased", message: `erased on ${today}` });
    const now = new Date();
    const { entries } = await listAuditEntries(s3, config, { day: { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() }, limit: 1000 });
    const retrievals = entries.filter((e) => e.action === "glacier-retrieval");
    expect(retrievals).toHaveLength(1);
    expect(retrievals[0]).toMatchObject({
      outcome: "refused",
      message: `erased on ${today}`,
      actor: { email: "admin@example.com" },
      details: { code: "erased", keyHash: erasureKeyHash("usr-contact-svc", { S: SUBJECT }), tier: "Bulk", days: 1 },
    });
    expect(retrievals[0]!.archiveKey).toBeUndefined();
    expect(JSON.stringify(retrievals[0])).not.toContain("erased-glacier");
  });
});
