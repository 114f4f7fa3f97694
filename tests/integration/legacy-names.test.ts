import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { CreateBucketCommand, ListObjectsV2Command, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GET as search } from "@/app/api/search/route";
import { POST as restore } from "@/app/api/services/[service]/records/restore/route";
import { getArchivedRecord, listDayRecords, UnsafeArchiveKeyError } from "@/lib/archive/archive-reader";
import type { AttributeMap, KeyValue } from "@/lib/archive/attribute-value";
import { findDeletionsByPartitionKey } from "@/lib/archive/key-lookup";
import { dayPrefix } from "@/lib/archive/layout";
import { rebuildIndex } from "@/lib/archive/reindex";
import { getSessionUser } from "@/lib/auth/session";
import { createDynamoDBClient, createS3Client } from "@/lib/aws/clients";
import { findService, parseConfig } from "@/lib/config/load";
import type { LazarusConfig, ServiceConfig } from "@/lib/config/schema";
import type { SearchResponse } from "@/lib/http/api-types";
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
});
