import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { CreateBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "../../lib/aws/clients";
import { findService, parseConfig } from "../../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { createArchiverHandler } from "../../lib/archive/archiver";
import type { KeyValue } from "../../lib/archive/attribute-value";
import { findDeletionsByPartitionKey } from "../../lib/archive/key-lookup";
import { listObjects } from "../../lib/archive/object-listing";
import { rebuildIndex } from "../../lib/archive/reindex";
import { removeRecord, streamEvent } from "../support/stream-events";
import { uniqueName, motoEnv } from "../support/aws";

const execFileAsync = promisify(execFile);

/** Runs the CLI as a person would; resolves with its exit code instead of throwing. */
async function runReindex(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync("npm", ["run", "--silent", "reindex", "--", ...args], { env, cwd: process.cwd() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}
const PREFIX = "arc/";
let region: string;
let endpoint: string;
let s3: S3Client;

function configFor(bucket: string): LazarusConfig {
  return parseConfig({
    region,
    archive: { bucket, prefix: PREFIX },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
    ],
  });
}

const INDEX = `${PREFIX}usr-contact-svc/_by-key/`;

/** Every index entry of the service, with its body. */
async function snapshotIndex(config: LazarusConfig): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  for await (const object of listObjects(s3, { bucket: config.archive.bucket, prefix: INDEX })) {
    const got = await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: object.key }));
    entries.set(object.key, (await got.Body?.transformToString()) ?? "");
  }
  return entries;
}

async function deleteIndex(config: LazarusConfig) {
  const keys: string[] = [];
  for await (const object of listObjects(s3, { bucket: config.archive.bucket, prefix: INDEX })) keys.push(object.key);
  for (let i = 0; i < keys.length; i += 1000) {
    await s3.send(new DeleteObjectsCommand({ Bucket: config.archive.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) } }));
  }
}

/** An archive written by the real archiver handler, plus the seed's legacy objects and some debris. */
async function seededArchive(): Promise<{ config: LazarusConfig; service: ServiceConfig; archived: string[]; legacy: string[] }> {
  const bucket = uniqueName("reindex");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const config = configFor(bucket);
  const service = findService(config, "usr-contact-svc")!;
  const handler = createArchiverHandler({
    s3,
    target: { bucket, prefix: PREFIX, service: service.name, table: service.table.name, partitionKey: "PK", sortKey: "SK" },
  });
  const keys: Array<[string, string]> = [
    ["USER#1", "PROFILE"],
    ["USER#1", "PROFILE"],
    ["USER#2/x", "../.."],
    ["ünïcødé 🚀", "%_~"],
    ["x".repeat(2048), "y".repeat(1024)],
  ];
  const records = [
    ...keys.map(([pk, sk], i) => removeRecord({ keys: { PK: { S: pk }, SK: { S: sk } }, at: new Date(Date.UTC(2024, 0, 30 + i, 12)), ttl: i % 2 === 1 })),
    ...Array.from({ length: 40 }, (_, i) => removeRecord({ keys: { PK: { S: `CONTACT#${i}` }, SK: { S: "PROFILE" } }, at: new Date(Date.UTC(2024, 1, 1 + (i % 28), i)) })),
  ];
  const response = await handler(streamEvent(...records));
  expect(response.batchItemFailures).toEqual([]);
  const listed: string[] = [];
  for await (const o of listObjects(s3, { bucket, prefix: `${PREFIX}usr-contact-svc/2024/` })) listed.push(o.key);

  const legacyKeys: Array<Record<string, KeyValue>> = [
    { PK: { S: "USER#1" }, SK: { S: "ADDRESS" } },
    { PK: { S: "CONTACT#123" }, SK: { S: "PROFILE" } },
  ];
  const legacy = legacyKeys.map((k) => `${PREFIX}usr-contact-svc/2023/11/02/${(k.PK as { S: string }).S}_${(k.SK as { S: string }).S}.json`);
  await Promise.all(
    legacyKeys.map((k, i) =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: legacy[i], Body: JSON.stringify(removeRecord({ keys: k, at: new Date("2023-11-02T08:00:00Z"), ttl: true })) })),
    ),
  );
  return { config, service, archived: listed, legacy };
}

beforeAll(() => {
  ({ region, endpoint } = motoEnv());
  s3 = createS3Client({ region });
});

describe("rebuilding the index", () => {
  it("recreates exactly the archiver's index entries after the whole index is deleted, and indexes legacy objects", async () => {
    const { config, service, archived, legacy } = await seededArchive();
    const corrupt = `${PREFIX}usr-contact-svc/2024/02/10/101010Z_manual_USER#5_PROFILE_0123456789abcdef.json`;
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: corrupt, Body: "{ not json" }));
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: `${PREFIX}usr-contact-svc/2024/02/10/README.txt`, Body: "hello" }));
    const frozen = `${PREFIX}usr-contact-svc/2022/01/03/USER#7_PROFILE.json`;
    const frozenRecord = removeRecord({ keys: { PK: { S: "USER#7" }, SK: { S: "PROFILE" } }, at: new Date("2022-01-03T00:00:00Z") });
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: frozen, Body: JSON.stringify(frozenRecord), StorageClass: "GLACIER" }));
    const written = await snapshotIndex(config);
    expect(written.size).toBe(archived.length);

    // Legacy objects had no entries: the first rebuild adds them, and reports the corrupt object.
    const first = await rebuildIndex(s3, config, service, { concurrency: 8 });
    expect(first).toMatchObject({ scanned: archived.length + legacy.length + 3, created: legacy.length, alreadyPresent: archived.length, pruned: 0 });
    expect(first.errors.sort((a, b) => (a.key < b.key ? -1 : 1))).toEqual([
      { key: frozen, message: expect.stringContaining("restore it to index it") },
      { key: corrupt, message: expect.stringContaining("corrupt") },
    ]);
    expect(first.skipped).toEqual([{ key: `${PREFIX}usr-contact-svc/2024/02/10/README.txt`, reason: "not a .json object" }]);
    // Present entries cost no GET: only the legacy objects, the corrupt and the frozen one are read.
    expect(first.requests.get).toBe(legacy.length + 2);
    const withLegacy = await snapshotIndex(config);
    const legacyEntries = [...withLegacy.keys()].filter((k) => !written.has(k));
    expect(legacyEntries.sort()).toEqual([`${INDEX}CONTACT#123/2023/11/02/CONTACT#123_PROFILE.json`, `${INDEX}USER#1/2023/11/02/USER#1_ADDRESS.json`]);
    // A legacy deletion is now found by key, next to the archiver's.
    const user1 = await findDeletionsByPartitionKey(s3, config, service, { S: "USER#1" });
    expect(user1.deletions.map((d) => d.archiveKey)).toContain(legacy[0]);
    expect(user1.deletions).toHaveLength(3);

    await deleteIndex(config);
    expect((await snapshotIndex(config)).size).toBe(0);
    const dry = await rebuildIndex(s3, config, service, { dryRun: true });
    expect(dry).toMatchObject({ created: archived.length + legacy.length, alreadyPresent: 0 });
    expect((await snapshotIndex(config)).size).toBe(0);

    const rebuilt = await rebuildIndex(s3, config, service, { concurrency: 4 });
    expect(rebuilt).toMatchObject({ created: archived.length + legacy.length, alreadyPresent: 0, pruned: 0 });
    expect(rebuilt.errors.map((e) => e.key).sort()).toEqual([frozen, corrupt].sort());
    // Same names, same bytes as the archiver wrote.
    expect(await snapshotIndex(config)).toEqual(withLegacy);

    const again = await rebuildIndex(s3, config, service);
    expect(again).toMatchObject({ created: 0, alreadyPresent: archived.length + legacy.length });
  });

  it("prunes entries whose archive object is gone, and only those", async () => {
    const { config, service, archived } = await seededArchive();
    const before = await snapshotIndex(config);
    const erased = archived.find((k) => k.includes("_USER#2%2Fx_"))!;
    await s3.send(new DeleteObjectCommand({ Bucket: config.archive.bucket, Key: erased }));
    const orphan = [...before.keys()].find((k) => k.endsWith(erased.slice(`${PREFIX}usr-contact-svc/`.length)))!;
    expect(orphan.startsWith(`${INDEX}USER#2%2Fx/`)).toBe(true);

    const withoutPrune = await rebuildIndex(s3, config, service);
    expect(withoutPrune.pruned).toBe(0);
    const dry = await rebuildIndex(s3, config, service, { prune: true, dryRun: true });
    expect(dry.pruned).toBe(1);
    expect((await snapshotIndex(config)).has(orphan)).toBe(true);

    const pruned = await rebuildIndex(s3, config, service, { prune: true });
    expect(pruned).toMatchObject({ pruned: 1, errors: [] });
    const after = await snapshotIndex(config);
    expect([...before.keys()].filter((k) => !after.has(k))).toEqual([orphan]);
    expect((await findDeletionsByPartitionKey(s3, config, service, { S: "USER#2/x" })).deletions).toEqual([]);
  });
});

describe("npm run reindex", () => {
  it("prints a summary and fails when an object cannot be indexed", async () => {
    const { config, legacy } = await seededArchive();
    const dir = mkdtempSync(join(tmpdir(), "reindex-"));
    const file = join(dir, "lazarus.config.json");
    writeFileSync(file, JSON.stringify({ ...config, services: config.services }));
    const env = { ...process.env, LAZARUS_CONFIG: file, AWS_ENDPOINT_URL: endpoint };
    const ok = await runReindex(["--service", "usr-contact-svc"], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`usr-contact-svc: `);
    expect(ok.stdout).toContain(`${legacy.length} index entries created`);

    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: `${PREFIX}usr-contact-svc/2024/03/01/USER#1_X.json`, Body: "[]" }));
    const failed = await runReindex(["--all", "--dry-run"], env);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/error +arc\/usr-contact-svc\/2024\/03\/01\/USER#1_X\.json: foreign/);

    const usage = await runReindex(["--service", "nope"], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown service "nope"');
  }, 60_000);
});
