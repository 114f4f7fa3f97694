import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { CreateBucketCommand, ListObjectVersionsCommand, ListObjectsV2Command, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GET as search } from "@/app/api/search/route";
import { GET as retrievalStatus, POST as retrieve } from "@/app/api/services/[service]/records/retrieval/route";
import { POST as restore } from "@/app/api/services/[service]/records/restore/route";
import { getArchivedRecord, listDayRecords, UnsafeArchiveKeyError } from "@/lib/archive/archive-reader";
import type { AttributeMap, KeyValue } from "@/lib/archive/attribute-value";
import { findDeletionsByPartitionKey } from "@/lib/archive/key-lookup";
import { dayPrefix } from "@/lib/archive/layout";
import { rebuildIndex } from "@/lib/archive/reindex";
import type { SessionUser } from "@/lib/auth/roles";
import { getSessionUser } from "@/lib/auth/session";
import { createDynamoDBClient, createS3Client } from "@/lib/aws/clients";
import { findService, parseConfig } from "@/lib/config/load";
import type { LazarusConfig, ServiceConfig } from "@/lib/config/schema";
import type { SearchResponse } from "@/lib/http/api-types";
import { createJob, startJob } from "@/lib/bulk-restore/jobs";
import { JobStore } from "@/lib/bulk-restore/job-store";
import { startRunner } from "@/lib/bulk-restore/runner";
import { eraseSubject } from "@/lib/erasure/erase";
import { planErasure } from "@/lib/erasure/erasure-plan";
import { confirmationText } from "@/lib/erasure/erasure-request";
import { getLiveItem } from "@/lib/restore/live-item";
import { createPkSkTable, motoEnv, uniqueName } from "../support/aws";
import { callRoute } from "../support/route-request";
import { removeRecord } from "../support/stream-events";

/**
 * The seed's layout named objects `{PK}_{SK}.json` with the key as it was, so a key
 * holding "/../", "//" or "/./" made an object name with such segments. S3 keys are
 * opaque: these objects are read and restored when the bucket lists them, and the same
 * names typed by a user are still refused when no such object exists.
 */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
vi.mocked(getSessionUser).mockResolvedValue({ id: "test:support", email: "support@example.com", name: "Test support", role: "support" });

const day = { year: 2023, month: 11, day: 2 };
const at = new Date("2023-11-02T08:00:00Z");
const LEGACY_PKS = ["ORG/../42", "ORG//43", "ORG/./44"];
// Each path below gets its own objects, on days of their own, so the restores above do not decide its plan.
const BULK_DAY = { year: 2023, month: 11, day: 3 };
const BULK_PKS = ["BULK/../1", "BULK//2", "BULK/./3"];
const COLD_DAY = { year: 2023, month: 11, day: 4 };
const COLD_PK = "COLD/../7";
const ERASE_DAY = { year: 2023, month: 11, day: 5 };
const ERASE_PK = "SUBJ//../9";
const admin: SessionUser = { id: "u-admin", email: "admin@example.com", name: "Ada Admin", role: "admin" };
const officer: SessionUser = { id: "u-compliance", email: "cora@example.com", name: "Cora Compliance", role: "compliance" };

let s3: S3Client;
let dynamodb: DynamoDBClient;
let config: LazarusConfig;
let service: ServiceConfig;
let base: string;

function keysOf(pk: string): Record<string, KeyValue> {
  return { PK: { S: pk }, SK: { S: "MEMBER" } };
}

function itemOf(pk: string): AttributeMap {
  return { ...keysOf(pk), email: { S: `${pk.length}@example.com` }, seats: { N: "12345678901234567890.5" } };
}

const legacyKey = (pk: string) => `${base}${pk}_MEMBER.json`;
const legacyKeyOn = (d: typeof day, pk: string) => `${dayPrefix(config.archive.prefix, service.name, d)}${pk}_MEMBER.json`;

async function putLegacy(d: typeof day, pk: string, storageClass?: "GLACIER") {
  const record = removeRecord({ keys: keysOf(pk), at: new Date(Date.UTC(d.year, d.month - 1, d.day, 8)), oldImage: itemOf(pk) });
  await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: legacyKeyOn(d, pk), Body: JSON.stringify(record), ...(storageClass ? { StorageClass: storageClass } : {}) }));
}

beforeAll(async () => {
  const { region } = motoEnv();
  s3 = createS3Client({ region });
  dynamodb = createDynamoDBClient({ region });
  const bucket = uniqueName("legacy-names");
  const table = uniqueName("legacy-contacts");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  await createPkSkTable(dynamodb, table);
  const raw = {
    region,
    archive: { bucket, prefix: "archive/" },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: table, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
    ],
  };
  // The routes read the config file, as the console does.
  const dir = mkdtempSync(join(tmpdir(), "lazarus-legacy-"));
  writeFileSync(join(dir, "lazarus.config.json"), JSON.stringify(raw));
  process.env.LAZARUS_CONFIG = join(dir, "lazarus.config.json");
  config = parseConfig(raw);
  service = findService(config, "usr-contact-svc")!;
  base = dayPrefix(config.archive.prefix, service.name, day);
  for (const pk of LEGACY_PKS) {
    const record = removeRecord({ keys: keysOf(pk), at, oldImage: itemOf(pk) });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: legacyKey(pk), Body: JSON.stringify(record) }));
  }
  // A neighbour whose name the traversal below would reach if anything resolved "..".
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${base}42_MEMBER.json`, Body: JSON.stringify(removeRecord({ keys: keysOf("42"), at })) }));
  for (const pk of BULK_PKS) await putLegacy(BULK_DAY, pk);
  await putLegacy(COLD_DAY, COLD_PK);
  await putLegacy(ERASE_DAY, ERASE_PK);
});

describe("seed-era names with '..', '//' or '/./'", () => {
  it("are stored under exactly those names (S3 does not resolve them)", async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.archive.bucket, Prefix: base }));
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual([...LEGACY_PKS.map(legacyKey), `${base}42_MEMBER.json`].sort());
  });

  it("are listed as legacy objects of their day", async () => {
    const { entries } = await listDayRecords(s3, config, service, day, { limit: 100 });
    const byKey = new Map(entries.map((e) => [e.archiveKey, e]));
    for (const pk of LEGACY_PKS) expect(byKey.get(legacyKey(pk)), pk).toMatchObject({ kind: "legacy", name: `${pk}_MEMBER.json` });
  });

  it("open: each reads its own object, not the one its name would resolve to", async () => {
    for (const pk of LEGACY_PKS) {
      const result = await getArchivedRecord(s3, config, service, legacyKey(pk));
      expect(result, pk).toMatchObject({ ok: true, archiveKey: legacyKey(pk), deletion: { format: "legacy", keys: keysOf(pk), oldImage: itemOf(pk) } });
    }
  });

  it("are found by key search once indexed", async () => {
    const report = await rebuildIndex(s3, config, service);
    expect(report.errors).toEqual([]);
    for (const pk of LEGACY_PKS) {
      const found = await findDeletionsByPartitionKey(s3, config, service, { S: pk });
      expect(found.unreadable, pk).toEqual([]);
      expect(found.deletions.map((d) => d.archiveKey), pk).toEqual([legacyKey(pk)]);
    }
    const response = await callRoute(search, `/api/search?q=${encodeURIComponent("ORG/")}&match=prefix&service=usr-contact-svc`);
    expect(response).toMatchObject({ status: 200, body: { unreadable: 0 } });
    const rows = (response.body as unknown as SearchResponse).results;
    expect(rows.map((r) => [r.archiveKey, r.partitionKey]).sort()).toEqual(LEGACY_PKS.map((pk) => [legacyKey(pk), pk]).sort());
  });

  it("are restored through the restore route, exactly as archived", async () => {
    for (const pk of LEGACY_PKS) {
      const response = await callRoute(restore, "/api/services/usr-contact-svc/records/restore", {
        method: "POST",
        params: { service: "usr-contact-svc" },
        body: { archiveKey: legacyKey(pk), mode: "no-clobber", ttl: { action: "keep" } },
      });
      expect(response, pk).toMatchObject({ status: 200, body: { outcome: "restored" } });
      expect(await getLiveItem(dynamodb, service.table.name, keysOf(pk))).toEqual(itemOf(pk));
    }
  });

  it("are still refused, with a 400 that says why, when typed and no such object exists", async () => {
    const typed = `${base}ORG/../../../../x_MEMBER.json`;
    await expect(getArchivedRecord(s3, config, service, typed)).rejects.toThrow(UnsafeArchiveKeyError);
    const response = await callRoute(restore, "/api/services/usr-contact-svc/records/restore", {
      method: "POST",
      params: { service: "usr-contact-svc" },
      body: { archiveKey: `${base}ORG/../42_MEMBER.json/../../42_MEMBER.json`, mode: "no-clobber", ttl: { action: "keep" } },
    });
    expect(response).toMatchObject({
      status: 400,
      body: { error: { code: "invalid-input", message: expect.stringMatching(/"\." or "\.\." path segment, and the archive holds no object of exactly that name/) } },
    });
    expect(await getLiveItem(dynamodb, service.table.name, keysOf("42"))).toBeNull();
  });

  it("are restored by a bulk restore, picked one by one or by a day's filter", async () => {
    const clients = { s3, dynamodb };
    const picked = await createJob(clients, config, { kind: "archive-keys", service: service.name, archiveKeys: BULK_PKS.slice(0, 2).map((pk) => legacyKeyOn(BULK_DAY, pk)) }, admin);
    expect(picked.plan.counts).toMatchObject({ absent: 2, unreadable: 0 });
    const filtered = await createJob(clients, config, { kind: "filter", service: service.name, from: "2023-11-03", to: "2023-11-03" }, admin);
    expect(filtered.plan.counts).toMatchObject({ absent: 3, unreadable: 0 });
    const items = await new JobStore(s3, config).items(filtered.id);
    expect(items.map((item) => item.archiveKey).sort()).toEqual(BULK_PKS.map((pk) => legacyKeyOn(BULK_DAY, pk)).sort());

    const deps = { s3, dynamodb, config, backoff: { maxAttempts: 3, baseMs: 1, maxMs: 5 } };
    await startJob(deps, filtered.id, { overwriteConflicting: false, ttl: { action: "keep" } }, admin);
    expect(await startRunner(deps, filtered.id)).toBe("completed");
    const outcomes = (await new JobStore(s3, config).chunkResults(filtered.id)).flatMap((c) => c.items);
    expect(outcomes.map((r) => r.outcome)).toEqual(["restored", "restored", "restored"]);
    for (const pk of BULK_PKS) expect(await getLiveItem(dynamodb, service.table.name, keysOf(pk)), pk).toEqual(itemOf(pk));
  });

  it("are still refused in a bulk selection when typed and no such object exists", async () => {
    const typed = `${dayPrefix(config.archive.prefix, service.name, BULK_DAY)}BULK/../../1_MEMBER.json`;
    await expect(createJob({ s3, dynamodb }, config, { kind: "archive-keys", service: service.name, archiveKeys: [legacyKeyOn(BULK_DAY, BULK_PKS[0]!), typed] }, admin)).rejects.toThrow(
      UnsafeArchiveKeyError,
    );
  });

  it("are retrieved from Glacier through the retrieval route", async () => {
    // Moved to Glacier as the lifecycle rule would, after the key search above indexed it.
    await putLegacy(COLD_DAY, COLD_PK, "GLACIER");
    const key = legacyKeyOn(COLD_DAY, COLD_PK);
    const query = `/api/services/usr-contact-svc/records/retrieval?archiveKey=${encodeURIComponent(key)}`;
    expect(await callRoute(retrievalStatus, query, { params: { service: service.name } })).toMatchObject({ status: 200, body: { state: "not-requested", storageClass: "GLACIER" } });
    const requested = await callRoute(retrieve, "/api/services/usr-contact-svc/records/retrieval", {
      method: "POST",
      params: { service: service.name },
      body: { archiveKey: key, tier: "Standard", days: 1 },
    });
    // moto makes the copy at once; S3 reports in-progress for hours first.
    expect(requested.status).toBe(200);
    expect(["in-progress", "available"]).toContain(requested.body.state);

    const typed = `${dayPrefix(config.archive.prefix, service.name, COLD_DAY)}COLD/../../7_MEMBER.json`;
    const refused = await callRoute(retrieve, "/api/services/usr-contact-svc/records/retrieval", {
      method: "POST",
      params: { service: service.name },
      body: { archiveKey: typed, tier: "Standard", days: 1 },
    });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: "invalid-input", message: expect.stringMatching(/holds no object of exactly that name/) } } });
    expect((await callRoute(retrievalStatus, `/api/services/usr-contact-svc/records/retrieval?archiveKey=${encodeURIComponent(typed)}`, { params: { service: service.name } })).status).toBe(400);
  });

  it("are erased, every version and index entry, and nothing else", async () => {
    // Indexed by the key search test above, as `npm run reindex` would.
    expect((await findDeletionsByPartitionKey(s3, config, service, { S: ERASE_PK })).deletions).toHaveLength(1);
    const key = legacyKeyOn(ERASE_DAY, ERASE_PK);
    const plan = await planErasure(s3, config, { match: "exact", key: ERASE_PK });
    expect(plan.blockers).toEqual([]);
    expect(plan.records.map((r) => r.deletion.archiveKey)).toEqual([key]);
    const result = await eraseSubject(s3, config, { query: { match: "exact", key: ERASE_PK }, mode: "erase", confirmation: confirmationText("erase", ERASE_PK), actor: officer });
    expect(result).toMatchObject({ outcome: "succeeded", summary: { records: 1, remaining: [] } });
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: config.archive.bucket, Prefix: key }));
    expect([...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])].filter((v) => v.Key === key)).toEqual([]);
    expect((await findDeletionsByPartitionKey(s3, config, service, { S: ERASE_PK })).deletions).toEqual([]);
    // The other legacy objects of other keys are untouched.
    for (const pk of LEGACY_PKS) expect((await getArchivedRecord(s3, config, service, legacyKey(pk))).ok, pk).toBe(true);
  });
});
