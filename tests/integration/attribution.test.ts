import { beforeAll, describe, expect, it } from "vitest";
import { ListObjectsV2Command, ListObjectVersionsCommand, type S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "../../lib/aws/clients";
import type { LazarusConfig } from "../../lib/config/schema";
import { archiverTargetFor, archiveStreamRecord } from "../../lib/archive/archiver";
import { recordCallEvent } from "../../lib/attribution/record-calls";
import { attributeDeletion, type ArchivedDeletion } from "../../lib/attribution/join";
import { listDayAttributions } from "../../lib/attribution/attribution-store";
import { cloudTrailEventFor, type LocalCall, type LocalPrincipal } from "../../scripts/local-stack/cloudtrail-events";
import { removeRecord } from "../support/stream-events";
import { motoEnv } from "../support/aws";
import { attributionConfig, cleanupJob, contactAndOrderTables, supportEngineer } from "../support/attribution";

let s3: S3Client;
let region: string;

const support: LocalPrincipal = { ...supportEngineer, sourceIdentity: "nina@example.com" };
const cleanup = cleanupJob("cleanup-run-42");

const newConfig = (): Promise<LazarusConfig> => attributionConfig(s3, region, { bucketName: "attr", tables: contactAndOrderTables, deliveryDelayMinutes: 15 });

const serviceOf = (config: LazarusConfig, table: string) => config.services.find((s) => s.table.name === table)!;

/** Archives a deletion through the real archiver, as the stream would deliver it. */
async function archiveDeletion(config: LazarusConfig, table: string, pk: string, sk: string, at: Date): Promise<ArchivedDeletion> {
  const service = serviceOf(config, table);
  const keys = { PK: { S: pk }, SK: { S: sk } };
  const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys, at }));
  if (outcome.status !== "archived") throw new Error(`not archived: ${outcome.status}`);
  return { service: service.name, table, key: { partitionKey: keys.PK, sortKey: keys.SK }, deletedAt: new Date(Math.floor(at.getTime() / 1000) * 1000), deletionType: "manual" };
}

const call = (c: Omit<LocalCall, "region">): Record<string, unknown> => cloudTrailEventFor({ ...c, region });
const later = (at: Date, minutes: number) => new Date(at.getTime() + minutes * 60_000);

beforeAll(() => {
  region = motoEnv().region;
  s3 = createS3Client({ region });
});

describe("attribution against S3", () => {
  it("finds who deleted a key whether the call arrives before or after its stream record", async () => {
    const config = await newConfig();
    const at = new Date("2026-11-20T10:31:05.400Z");
    // The CloudTrail event first, the deletion archived afterwards.
    await recordCallEvent(s3, config, call({ api: "DeleteItem", principal: support, at, deletes: [{ table: "usr-contact", key: { PK: "CONTACT#c-1001", SK: "PROFILE" } }] }));
    const deletion = await archiveDeletion(config, "usr-contact", "CONTACT#c-1001", "PROFILE", at);
    const found = await attributeDeletion(s3, config.archive, config.attribution, deletion, later(at, 1));
    expect(found).toMatchObject({
      state: "found",
      confidence: "exact",
      record: { api: "DeleteItem", sourceIp: "192.0.2.10", principal: { roleArn: "arn:aws:iam::111122223333:role/support-engineer", roleSessionName: "nina.support", sourceIdentity: "nina@example.com" } },
    });

    // A deletion archived before its call arrives: not yet known, then found.
    const at2 = new Date("2026-11-20T10:40:00Z");
    const second = await archiveDeletion(config, "usr-contact", "CONTACT#c-1002", "PROFILE", at2);
    expect(await attributeDeletion(s3, config.archive, config.attribution, second, later(at2, 2))).toMatchObject({ state: "pending" });
    await recordCallEvent(s3, config, call({ api: "DeleteItem", principal: cleanup, at: new Date("2026-11-20T10:40:01Z"), deletes: [{ table: "usr-contact", key: { PK: "CONTACT#c-1002", SK: "PROFILE" } }] }));
    expect(await attributeDeletion(s3, config.archive, config.attribution, second, later(at2, 6))).toMatchObject({ state: "found", record: { principal: { label: "order-cleanup-job/cleanup-run-42" } } });
  });

  it("writes a redelivered event once, and out-of-order events each to their own key", async () => {
    const config = await newConfig();
    const t1 = new Date("2026-11-21T09:00:00Z");
    const t2 = new Date("2026-11-21T09:05:00Z");
    const first = call({ api: "DeleteItem", principal: support, at: t1, deletes: [{ table: "usr-contact", key: { PK: "CONTACT#c-7", SK: "PROFILE" } }] });
    const second = call({ api: "DeleteItem", principal: cleanup, at: t2, deletes: [{ table: "usr-contact", key: { PK: "CONTACT#c-7", SK: "PROFILE" } }] });
    // Delivered out of order, and the first one three times.
    expect((await recordCallEvent(s3, config, second)).written).toBe(1);
    expect((await recordCallEvent(s3, config, first)).written).toBe(1);
    expect(await recordCallEvent(s3, config, first)).toMatchObject({ written: 0, duplicates: 1 });
    await recordCallEvent(s3, config, first);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: config.archive.bucket, Prefix: "deleted/_attribution/" }));
    expect(versions.Versions ?? []).toHaveLength(2);

    // The key was re-created and deleted again: each deletion gets its own caller.
    const d1 = await archiveDeletion(config, "usr-contact", "CONTACT#c-7", "PROFILE", t1);
    const d2 = await archiveDeletion(config, "usr-contact", "CONTACT#c-7", "PROFILE", t2);
    const now = later(t2, 60);
    expect(await attributeDeletion(s3, config.archive, config.attribution, d1, now)).toMatchObject({ state: "found", record: { principal: { roleSessionName: "nina.support" } } });
    expect(await attributeDeletion(s3, config.archive, config.attribution, d2, now)).toMatchObject({ state: "found", record: { principal: { roleSessionName: "cleanup-run-42" } } });
  });

  it("attributes each of a BatchWriteItem's 25 deletes across two tables", async () => {
    const config = await newConfig();
    const at = new Date("2026-11-22T10:31:00Z");
    const deletes = Array.from({ length: 25 }, (_, i) =>
      i < 15 ? { table: "sor-service-order", key: { PK: `ORDER#o-${i}`, SK: "HEADER" } } : { table: "usr-contact", key: { PK: `CONTACT#b-${i}`, SK: "PROFILE" } },
    );
    expect(await recordCallEvent(s3, config, call({ api: "BatchWriteItem", principal: cleanup, at, deletes }))).toMatchObject({ keys: 25, written: 25 });
    const orders = await listDayAttributions(s3, config.archive, "sor-service-order-svc", at);
    const contacts = await listDayAttributions(s3, config.archive, "usr-contact-svc", at);
    expect([orders.length, contacts.length]).toEqual([15, 10]);
    expect(new Set([...orders, ...contacts].map((c) => c.principalLabel))).toEqual(new Set(["order-cleanup-job/cleanup-run-42"]));
    const d = await archiveDeletion(config, "sor-service-order", "ORDER#o-7", "HEADER", at);
    expect(await attributeDeletion(s3, config.archive, config.attribution, d, later(at, 30))).toMatchObject({ state: "found", confidence: "exact", record: { api: "BatchWriteItem" } });
  });

  it("records nothing for a TransactWriteItems whose condition failed", async () => {
    const config = await newConfig();
    const at = new Date("2026-11-22T11:00:00Z");
    const outcome = await recordCallEvent(
      s3,
      config,
      call({ api: "TransactWriteItems", principal: cleanup, at, errorCode: "TransactionCanceledException", deletes: [{ table: "usr-contact", key: { PK: "CONTACT#t-1", SK: "PROFILE" } }] }),
    );
    expect(outcome).toMatchObject({ keys: 0, written: 0 });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.archive.bucket, Prefix: "deleted/_attribution/" }));
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it("attributes a PartiQL DELETE by the key literals CloudTrail keeps", async () => {
    const config = await newConfig();
    const at = new Date("2026-11-22T12:00:00Z");
    await recordCallEvent(s3, config, call({ api: "ExecuteStatement", principal: support, at, deletes: [{ table: "usr-contact", key: { PK: "CONTACT#p-1", SK: "PROFILE" } }] }));
    const d = await archiveDeletion(config, "usr-contact", "CONTACT#p-1", "PROFILE", at);
    expect(await attributeDeletion(s3, config.archive, config.attribution, d, later(at, 30))).toMatchObject({ state: "found", confidence: "exact", record: { api: "ExecuteStatement" } });
  });

  it("says why when no call matches: trail off, or not in the trail once the delivery delay has passed", async () => {
    const config = await newConfig();
    const at = new Date("2026-11-23T08:00:00Z");
    const d = await archiveDeletion(config, "usr-contact", "CONTACT#n-1", "PROFILE", at);
    expect(await attributeDeletion(s3, config.archive, config.attribution, d, later(at, 20))).toEqual({ state: "no-event", reason: "not-recorded" });
    expect(await attributeDeletion(s3, config.archive, { ...config.attribution, globalTables: ["usr-contact"] }, d, later(at, 20))).toEqual({ state: "no-event", reason: "replicated" });
    expect(await attributeDeletion(s3, config.archive, { ...config.attribution, enabled: false }, d, later(at, 20))).toEqual({ state: "no-event", reason: "trail-off" });
    expect(await attributeDeletion(s3, config.archive, config.attribution, { ...d, deletionType: "ttl" }, later(at, 20))).toEqual({ state: "ttl" });
  });
});
