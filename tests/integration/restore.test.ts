import { beforeAll, describe, expect, it } from "vitest";
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type KeySchemaElement,
  type AttributeDefinition,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3ServiceException, type S3Client } from "@aws-sdk/client-s3";
import { createDynamoDBClient, createS3Client } from "../../lib/aws/clients";
import { findService, parseConfig } from "../../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { archiverTargetFor, archiveStreamRecord } from "../../lib/archive/archiver";
import { ArchiveInputError, getArchivedRecord } from "../../lib/archive/archive-reader";
import type { AttributeMap, KeyValue } from "../../lib/archive/attribute-value";
import { listAuditEntries, type AuditEntry } from "../../lib/audit/audit-log";
import type { SessionUser } from "../../lib/auth/roles";
import { getLiveItem, itemFingerprint } from "../../lib/restore/live-item";
import { planRestore } from "../../lib/restore/restore-planner";
import { restoreRecord, type RestoreRequest, type RestoreResult } from "../../lib/restore/restore-record";
import { toSdkItem } from "../../lib/restore/sdk-attribute-value";
import { removeRecord } from "../support/stream-events";
import { uniqueName, motoEnv } from "../support/aws";

let s3: S3Client;
let dynamodb: DynamoDBClient;
let config: LazarusConfig;
let service: ServiceConfig;
let table: string;

const support: SessionUser = { id: "u-support", email: "support@example.com", name: "Sam Support", role: "support" };
const admin: SessionUser = { id: "u-admin", email: "admin@example.com", name: "Ada Admin", role: "admin" };
const DELETED_AT = new Date("2024-03-10T09:00:00Z");
const PAST_TTL = "1710061200"; // 2024-03-10T09:00:00Z: this item expired

/** Every type DynamoDB has, at the edges that break naive code. */
function awkwardItem(pk: string): AttributeMap {
  return {
    PK: { S: pk },
    SK: { S: "PROFILE" },
    balance: { N: "12345678901234567890123456789012345678" },
    tiny: { N: "-0.00000000000000000000000000000000000001" },
    avatar: { B: "AAEC/w==" },
    tags: { SS: ["gold", "early", "ünïcødé"] },
    scores: { NS: ["1", "99999999999999999999999999999999999999", "-3.5"] },
    blobs: { BS: ["AQ==", "AgM="] },
    address: { M: { city: { S: "Lyon" }, geo: { M: { lat: { N: "45.764043" }, lng: { N: "4.835659" } } }, lines: { L: [{ S: "1 rue A" }, { NULL: true }] } } },
    history: { L: [{ M: { at: { N: "1700000000" } } }, { L: [{ BOOL: false }, { B: "/w==" }] }, { SS: ["x"] }] },
    empty: { S: "" },
    flag: { BOOL: true },
    nothing: { NULL: true },
    note: { S: "private note that must never reach the audit log" },
    expiresAt: { N: PAST_TTL },
  };
}

async function archive(item: AttributeMap, at = DELETED_AT): Promise<string> {
  const keys: Record<string, KeyValue> = { PK: item.PK as KeyValue, SK: item.SK as KeyValue };
  const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys, oldImage: item, at, ttl: true }));
  if (outcome.status !== "archived") throw new Error(`fixture not archived: ${outcome.status}`);
  return outcome.archiveKey;
}

async function readItem(tableName: string, pk: string): Promise<AttributeMap | null> {
  return getLiveItem(dynamodb, tableName, { PK: { S: pk }, SK: { S: "PROFILE" } });
}

async function putLive(tableName: string, item: AttributeMap) {
  await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: toSdkItem(item) }));
}

async function createTable(name: string, keySchema: KeySchemaElement[], definitions: AttributeDefinition[]) {
  await dynamodb.send(new CreateTableCommand({ TableName: name, KeySchema: keySchema, AttributeDefinitions: definitions, BillingMode: "PAY_PER_REQUEST" }));
}

function request(archiveKey: string, extra: Partial<RestoreRequest> = {}): RestoreRequest {
  return { service, archiveKey, mode: "no-clobber", ttl: { action: "keep" }, actor: support, ...extra };
}

const clients = () => ({ s3, dynamodb });

async function auditEntriesOf(result: RestoreResult): Promise<AuditEntry[]> {
  const now = new Date();
  const day = { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() };
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await listAuditEntries(s3, config, { day, ...(cursor ? { cursor } : {}), limit: 1000 });
    expect(page.unreadable).toEqual([]);
    entries.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  return entries.filter((e) => e.operationId === result.auditId);
}

beforeAll(async () => {
  const { region } = motoEnv();
  s3 = createS3Client({ region });
  dynamodb = createDynamoDBClient({ region });
  const bucket = uniqueName("restore");
  table = uniqueName("contacts");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  config = parseConfig({
    region,
    archive: { bucket, prefix: "deleted/" },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: table, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" }, ttlAttribute: "expiresAt" },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
    ],
  });
  service = findService(config, "usr-contact-svc")!;
  await createTable(
    table,
    [
      { AttributeName: "PK", KeyType: "HASH" },
      { AttributeName: "SK", KeyType: "RANGE" },
    ],
    [
      { AttributeName: "PK", AttributeType: "S" },
      { AttributeName: "SK", AttributeType: "S" },
    ],
  );
});

describe("no-clobber restore", () => {
  it("writes the archived item back byte-identical when no live item has its key", async () => {
    const item = awkwardItem("USER#absent");
    const archiveKey = await archive(item);
    const archived = await getArchivedRecord(s3, config, service, archiveKey);
    expect(archived.ok).toBe(true);

    const result = await restoreRecord(clients(), config, request(archiveKey));

    expect(result).toMatchObject({ outcome: "restored", table });
    // GetItem's raw answer, not our own reader: the bytes DynamoDB now holds.
    const raw = await dynamodb.send(new GetItemCommand({ TableName: table, Key: toSdkItem({ PK: { S: "USER#absent" }, SK: { S: "PROFILE" } }), ConsistentRead: true }));
    expect(raw.Item?.balance).toEqual({ N: "12345678901234567890123456789012345678" });
    expect(raw.Item?.avatar).toEqual({ B: new Uint8Array([0, 1, 2, 255]) });
    const live = await readItem(table, "USER#absent");
    expect(live).toEqual(archived.ok ? archived.deletion.oldImage : null);
    expect(planRestore({ service, oldImage: item, live, now: new Date() }).comparison).toEqual({ status: "identical" });
  });

  it("refuses over a live item and leaves it untouched", async () => {
    const item = awkwardItem("USER#present");
    const archiveKey = await archive(item);
    const live: AttributeMap = { PK: { S: "USER#present" }, SK: { S: "PROFILE" }, name: { S: "re-created since" } };
    await putLive(table, live);

    const result = await restoreRecord(clients(), config, request(archiveKey));

    expect(result).toMatchObject({ outcome: "refused", code: "live-item-exists" });
    expect(await readItem(table, "USER#present")).toEqual(live);
    const entries = await auditEntriesOf(result);
    expect(entries.map((e) => e.outcome)).toEqual(["started", "refused"]);
    expect(entries[1]).toMatchObject({ details: { code: "live-item-exists" } });
  });
});

describe("overwrite restore", () => {
  it("refuses a stale view and leaves the live item untouched", async () => {
    const item = awkwardItem("USER#stale");
    const archiveKey = await archive(item);
    const seen: AttributeMap = { PK: { S: "USER#stale" }, SK: { S: "PROFILE" }, name: { S: "what the admin saw" } };
    await putLive(table, seen);
    const plan = planRestore({ service, oldImage: item, live: await readItem(table, "USER#stale"), now: new Date() });
    const changed: AttributeMap = { ...seen, name: { S: "edited by someone else meanwhile" } };
    await putLive(table, changed);

    const result = await restoreRecord(clients(), config, request(archiveKey, { mode: "overwrite", expectedLiveFingerprint: plan.liveFingerprint, actor: admin }));

    expect(result).toMatchObject({ outcome: "refused", code: "live-item-changed", message: expect.stringMatching(/changed since you looked at it/) });
    expect(await readItem(table, "USER#stale")).toEqual(changed);
    const entries = await auditEntriesOf(result);
    expect(entries.map((e) => e.outcome)).toEqual(["refused"]);
  });

  it("refuses when the live item the admin saw was deleted since", async () => {
    const item = awkwardItem("USER#vanished");
    const archiveKey = await archive(item);
    await putLive(table, { PK: { S: "USER#vanished" }, SK: { S: "PROFILE" } });
    const fingerprint = itemFingerprint(await readItem(table, "USER#vanished"));
    await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: toSdkItem({ PK: { S: "USER#vanished" }, SK: { S: "PROFILE" } }) }));

    const result = await restoreRecord(clients(), config, request(archiveKey, { mode: "overwrite", expectedLiveFingerprint: fingerprint, actor: admin }));

    expect(result).toMatchObject({ outcome: "refused", code: "live-item-changed" });
    expect(await readItem(table, "USER#vanished")).toBeNull();
  });

  it("overwrites the live item the admin saw with the archived one", async () => {
    const item = awkwardItem("USER#overwrite");
    const archiveKey = await archive(item);
    await putLive(table, { PK: { S: "USER#overwrite" }, SK: { S: "PROFILE" }, tags: { SS: ["b", "a"] }, nested: { M: { l: { L: [{ N: "1" }] } } } });
    const plan = planRestore({ service, oldImage: item, live: await readItem(table, "USER#overwrite"), now: new Date() });
    expect(plan.comparison.status).toBe("changed");

    const result = await restoreRecord(clients(), config, request(archiveKey, { mode: "overwrite", expectedLiveFingerprint: plan.liveFingerprint, actor: admin }));

    expect(result).toMatchObject({ outcome: "restored", table });
    expect(await readItem(table, "USER#overwrite")).toEqual(item);
    const entries = await auditEntriesOf(result);
    expect(entries.map((e) => [e.outcome, e.details?.guard])).toEqual([
      ["started", "attributes-unchanged"],
      ["succeeded", undefined],
    ]);
  });

  it("refuses when the live item changes between its check and the write", async () => {
    const item = awkwardItem("USER#race");
    const archiveKey = await archive(item);
    const seen: AttributeMap = { PK: { S: "USER#race" }, SK: { S: "PROFILE" }, counter: { N: "1" } };
    await putLive(table, seen);
    const fingerprint = itemFingerprint(await readItem(table, "USER#race"));
    // Another writer slips in right before the PutItem.
    const racing = createDynamoDBClient({ region: config.region });
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "PutItemCommand") await putLive(table, { ...seen, counter: { N: "2" } });
        return next(args);
      },
      { step: "initialize" },
    );

    const result = await restoreRecord({ s3, dynamodb: racing }, config, request(archiveKey, { mode: "overwrite", expectedLiveFingerprint: fingerprint, actor: admin }));

    expect(result).toMatchObject({ outcome: "refused", code: "live-item-changed" });
    expect(await readItem(table, "USER#race")).toEqual({ ...seen, counter: { N: "2" } });
    expect((await auditEntriesOf(result)).map((e) => e.outcome)).toEqual(["started", "refused"]);
  });

  it("conditions on the key alone when the live item has too many attributes for one expression", async () => {
    const item = awkwardItem("USER#wide");
    const archiveKey = await archive(item);
    const wide: AttributeMap = { PK: { S: "USER#wide" }, SK: { S: "PROFILE" } };
    for (let i = 0; i < 200; i++) wide[`attr${i}`] = { N: String(i) };
    await putLive(table, wide);

    const result = await restoreRecord(clients(), config, request(archiveKey, { mode: "overwrite", expectedLiveFingerprint: itemFingerprint(wide), actor: admin }));

    expect(result).toMatchObject({ outcome: "restored" });
    expect(await readItem(table, "USER#wide")).toEqual(item);
    expect((await auditEntriesOf(result))[0]?.details?.guard).toBe("key-exists");
  });

  it("restores into an absent key when the admin saw it absent", async () => {
    const archiveKey = await archive(awkwardItem("USER#overwrite-absent"));
    const result = await restoreRecord(clients(), config, request(archiveKey, { mode: "overwrite", expectedLiveFingerprint: "absent", actor: admin }));
    expect(result).toMatchObject({ outcome: "restored" });
  });

  it("needs the fingerprint of what the admin saw", async () => {
    const archiveKey = await archive(awkwardItem("USER#no-fingerprint"));
    await expect(restoreRecord(clients(), config, request(archiveKey, { mode: "overwrite", actor: admin }))).rejects.toThrow(ArchiveInputError);
  });
});

describe("TTL choices", () => {
  it("drop removes only the TTL attribute", async () => {
    const item = awkwardItem("USER#ttl-drop");
    const archiveKey = await archive(item);
    const result = await restoreRecord(clients(), config, request(archiveKey, { ttl: { action: "drop" } }));
    expect(result).toMatchObject({ outcome: "restored" });
    const { expiresAt: _dropped, ...rest } = item;
    expect(await readItem(table, "USER#ttl-drop")).toEqual(rest);
  });

  it("extend sets only the TTL attribute, to the chosen time in epoch seconds", async () => {
    const item = awkwardItem("USER#ttl-extend");
    const archiveKey = await archive(item);
    const until = new Date(Date.now() + 30 * 86_400_000);
    const result = await restoreRecord(clients(), config, request(archiveKey, { ttl: { action: "extend", until: until.toISOString() } }));
    expect(result).toMatchObject({ outcome: "restored" });
    expect(await readItem(table, "USER#ttl-extend")).toEqual({ ...item, expiresAt: { N: String(Math.floor(until.getTime() / 1000)) } });
  });

  it("refuses an extension that is not in the future, writing nothing", async () => {
    const archiveKey = await archive(awkwardItem("USER#ttl-past"));
    const result = await restoreRecord(clients(), config, request(archiveKey, { ttl: { action: "extend", until: "2020-01-01T00:00:00Z" } }));
    expect(result).toMatchObject({ outcome: "refused", code: "ttl-choice-invalid" });
    expect(await readItem(table, "USER#ttl-past")).toBeNull();
    expect((await auditEntriesOf(result)).map((e) => e.outcome)).toEqual(["refused"]);
  });

  it("restores an expired item as it is when asked to keep the TTL", async () => {
    const item = awkwardItem("USER#ttl-keep");
    const archiveKey = await archive(item);
    expect(planRestore({ service, oldImage: item, live: null, now: new Date() }).ttl).toMatchObject({ expired: true });
    expect(await restoreRecord(clients(), config, request(archiveKey))).toMatchObject({ outcome: "restored" });
    expect((await readItem(table, "USER#ttl-keep"))?.expiresAt).toEqual({ N: PAST_TTL });
  });
});

describe("restore into another table", () => {
  it("writes into a table keyed like the service's, and nowhere else", async () => {
    const side = uniqueName("contacts-pitr");
    await createTable(
      side,
      [
        { AttributeName: "PK", KeyType: "HASH" },
        { AttributeName: "SK", KeyType: "RANGE" },
      ],
      [
        { AttributeName: "PK", AttributeType: "S" },
        { AttributeName: "SK", AttributeType: "S" },
      ],
    );
    const item = awkwardItem("USER#side");
    const archiveKey = await archive(item);

    const result = await restoreRecord(clients(), config, request(archiveKey, { targetTable: side, actor: admin }));

    expect(result).toMatchObject({ outcome: "restored", table: side });
    expect(await readItem(side, "USER#side")).toEqual(item);
    expect(await readItem(table, "USER#side")).toBeNull();
    expect((await auditEntriesOf(result)).map((e) => [e.outcome, e.table])).toEqual([
      ["started", side],
      ["succeeded", side],
    ]);
  });

  it("refuses a table keyed differently, saying what differs", async () => {
    const other = uniqueName("numbers");
    await createTable(other, [{ AttributeName: "PK", KeyType: "HASH" }], [{ AttributeName: "PK", AttributeType: "N" }]);
    const archiveKey = await archive(awkwardItem("USER#wrong-table"));

    const result = await restoreRecord(clients(), config, request(archiveKey, { targetTable: other, actor: admin }));

    expect(result).toMatchObject({ outcome: "refused", code: "target-table-invalid" });
    expect(result.outcome === "refused" && result.message).toMatch(/partition key is "PK" \(N\), expected "PK" \(S\).*no sort key, expected "SK" \(S\)/);
    expect((await auditEntriesOf(result)).map((e) => e.outcome)).toEqual(["refused"]);
  });

  it("refuses a table that does not exist, and a name that is not a table name", async () => {
    const archiveKey = await archive(awkwardItem("USER#no-table"));
    const result = await restoreRecord(clients(), config, request(archiveKey, { targetTable: uniqueName("missing"), actor: admin }));
    expect(result).toMatchObject({ outcome: "refused", code: "target-table-invalid", message: expect.stringMatching(/does not exist/) });
    await expect(restoreRecord(clients(), config, request(archiveKey, { targetTable: "../etc", actor: admin }))).rejects.toThrow(ArchiveInputError);
  });
});

describe("archive and audit failures", () => {
  it("refuses an archive object that sits in Glacier", async () => {
    const archiveKey = await archive(awkwardItem("USER#cold"));
    const body = await (await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: archiveKey }))).Body!.transformToString();
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: archiveKey, Body: body, StorageClass: "GLACIER" }));

    const result = await restoreRecord(clients(), config, request(archiveKey));

    expect(result).toMatchObject({ outcome: "refused", code: "archive-unreadable", message: expect.stringMatching(/GLACIER.*retriev/) });
    expect(await readItem(table, "USER#cold")).toBeNull();
  });

  it("writes nothing when the write-ahead audit entry cannot be written", async () => {
    const archiveKey = await archive(awkwardItem("USER#unaudited"));
    const failingS3 = createS3Client({ region: config.region });
    failingS3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "PutObjectCommand") {
          throw new S3ServiceException({ name: "AccessDenied", $fault: "client", $metadata: { httpStatusCode: 403 }, message: "Access Denied" });
        }
        return next(args);
      },
      { step: "initialize" },
    );

    await expect(restoreRecord({ s3: failingS3, dynamodb }, config, request(archiveKey))).rejects.toMatchObject({ name: "AccessDenied" });
    expect(await readItem(table, "USER#unaudited")).toBeNull();
  });

  it("audits who, role, service, table, key, archive object, mode and outcome, never the item", async () => {
    const archiveKey = await archive(awkwardItem("USER#audited"));
    const result = await restoreRecord(clients(), config, request(archiveKey, { ttl: { action: "drop" } }));
    const entries = await auditEntriesOf(result);
    expect(entries).toHaveLength(2);
    for (const entry of entries) {
      expect(entry).toMatchObject({
        schemaVersion: 1,
        operationId: result.auditId,
        actor: { id: "u-support", email: "support@example.com", name: "Sam Support" },
        role: "support",
        action: "restore",
        service: "usr-contact-svc",
        table,
        key: { PK: { S: "USER#audited" }, SK: { S: "PROFILE" } },
        archiveKey,
        mode: "no-clobber",
        details: { ttl: "drop" },
      });
      expect(JSON.stringify(entry)).not.toMatch(/private note|12345678901234567890123456789012345678/);
    }
    expect(entries.map((e) => e.outcome)).toEqual(["started", "succeeded"]);
    expect(Date.parse(entries[0]!.at)).toBeLessThan(Date.parse(entries[1]!.at));
  });
});
