import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it, type ExpectStatic } from "vitest";
import { formatDay, type CalendarDay } from "../../lib/archive/archive-input";
import { getArchivedRecord, listDays } from "../../lib/archive/archive-reader";
import { readDayManifest } from "../../lib/archive/sealed-store";
import { sealDay } from "../../lib/archive/sealer";
import type { SessionUser } from "../../lib/auth/roles";
import { createDynamoDBClient } from "../../lib/aws/clients";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { eraseSubject, type ErasureResult, type ErasureStep } from "../../lib/erasure/erase";
import { planErasure } from "../../lib/erasure/erasure-plan";
import { confirmationText } from "../../lib/erasure/erasure-request";
import { restoreRecord } from "../../lib/restore/restore-record";
import { fromSdkItem } from "../../lib/restore/sdk-attribute-value";
import { createPkSkTable, motoEnv } from "../support/aws";
import { archiveAll, deletionsOfDay, lookUp, personNeedles, personRecord, readDay, sealingFixture, withoutSubject } from "../support/sealing";
import { StepKiller } from "../support/kill-at-step";
import { findTraces } from "../support/trace-scan";

/**
 * Erasure reaching sealed days: the subject's records come out of the bundles, the
 * manifests and the month summary, and out of every older version of them; every other
 * customer's record in the same bundles stays readable, counted and restorable exactly
 * once, byte for byte. Killed between its steps and run again, it ends the same way.
 */

const officer: SessionUser = { id: "u-compliance", email: "cora@example.com", name: "Cora Compliance", role: "compliance" };
const admin: SessionUser = { id: "u-admin", email: "ada@example.com", name: "Ada Admin", role: "admin" };
const NOW = new Date("2024-09-01T00:00:00Z");

type Archive = { s3: S3Client; config: LazarusConfig; service: ServiceConfig; failures: string; configPath: string };

/** An archive of its own: the kill tests each take one, so they run at once while killed erasures' leases run out. */
async function archive(): Promise<Archive> {
  const fixture = await sealingFixture("erase-sealed", { failures: true });
  return { ...fixture, failures: fixture.failures!, configPath: fixture.configPath(mkdtempSync(join(tmpdir(), "lazarus-erase-sealed-"))) };
}

let s3: S3Client;
let dynamodb: DynamoDBClient;
let config: LazarusConfig;
let service: ServiceConfig;
let shared: Archive;

beforeAll(async () => {
  shared = await archive();
  ({ s3, config, service } = shared);
  dynamodb = createDynamoDBClient({ region: motoEnv().region });
  await createPkSkTable(dynamodb, service.table.name);
});

/** A killed erasure holds its days' leases until they run out: short ones here, and the next erasure waits for them. Long enough that a live erasure renews them in time on a loaded machine. */
const KILLED_LEASE_MS = 5_000;

function erase(key: string, { s3, config }: Archive = shared): Promise<ErasureResult> {
  return eraseSubject(s3, config, { query: { match: "exact", key }, mode: "erase", confirmation: confirmationText("erase", key), actor: officer }, () => NOW, {
    lease: { waitMs: KILLED_LEASE_MS * 5, pollMs: 200 },
  });
}

async function seal(day: CalendarDay, { s3, config, service }: Archive = shared, check: ExpectStatic = expect): Promise<void> {
  const report = await sealDay(s3, config, service, day, { now: NOW, manifestPageRows: 10 });
  check(report.outcome).not.toBe("failed");
}

async function expectNoTrace(key: string, { s3, config, failures }: Archive = shared, check: ExpectStatic = expect): Promise<void> {
  check(await findTraces(s3, [config.archive.bucket, failures], personNeedles(key))).toEqual([]);
}

describe("erasing a subject whose records are in a sealed day", () => {
  const day = { year: 2024, month: 3, day: 5 };
  const SUBJECT = "SUBJ#77";
  const CONTROL = "SUBJ#770";

  it("takes them out of the bundle, the manifest and the summary, and leaves everyone else's records as they were", async () => {
    await archiveAll(s3, config, service, [
      ...deletionsOfDay(day, 24, "C"),
      personRecord(SUBJECT, "SESSION-a", "2024-03-05T08:00:00Z"),
      personRecord(SUBJECT, "SESSION-b", "2024-03-05T15:30:00Z", true),
      personRecord(CONTROL, "SESSION-a", "2024-03-05T09:00:00Z"),
    ]);
    await seal(day);
    const before = await readDay(s3, config, service, day);
    expect(before.counts?.records).toBe(27);
    const bundle = (await readDayManifest(s3, config, service, day))!.parts.map((p) => p.key);
    expect(bundle).toHaveLength(1);

    const plan = await planErasure(s3, config, { match: "exact", key: SUBJECT }, NOW);
    expect(plan.blockers).toEqual([]);
    expect(plan.sealedDays.map((d) => [formatDay(d.day), d.names.length, d.parts])).toEqual([["2024-03-05", 2, bundle]]);

    const result = await erase(SUBJECT);
    expect(result).toMatchObject({ outcome: "succeeded", summary: { records: 2, sealedRecordsRemoved: 2, bundlesRewritten: 1, remaining: [] } });

    const after = await readDay(s3, config, service, day);
    expect(after).toEqual(withoutSubject(before, SUBJECT, { ttl: 1, manual: 1 }));
    expect(after.names.filter((n) => n.includes(`_${CONTROL}_`))).toHaveLength(1);
    const month = await listDays(s3, config, service, day);
    expect(month.days.find((d) => d.day.day === 5)).toMatchObject({ records: 25, sealed: { records: 25 } });
    expect(await lookUp(s3, config, service, SUBJECT)).toEqual([]);
    expect(await lookUp(s3, config, service, CONTROL)).toEqual([after.images[after.names.findIndex((n) => n.includes(`_${CONTROL}_`))]]);
    expect(await readDayManifest(s3, config, service, day)).toMatchObject({ records: 25, parts: [{ key: bundle[0], records: 25 }] });
    await expectNoTrace(SUBJECT);

    // The control customer, in the same bundle, is restored with every attribute as it was deleted.
    const controlKey = after.names.find((n) => n.includes(`_${CONTROL}_`))!;
    const restore = await restoreRecord({ s3, dynamodb }, config, { service, archiveKey: controlKey, mode: "no-clobber", ttl: { action: "keep" }, actor: admin });
    expect(restore.outcome).toBe("restored");
    const live = await dynamodb.send(new GetItemCommand({ TableName: service.table.name, Key: { PK: { S: CONTROL }, SK: { S: "SESSION-a" } } }));
    expect(fromSdkItem(live.Item!)).toEqual(JSON.parse(after.images[after.names.indexOf(controlKey)]!));
  });
});

describe("erasing a subject with records in sealed and open days", () => {
  const sealedDay = { year: 2024, month: 4, day: 10 };
  const openDay = { year: 2024, month: 4, day: 12 };
  const SUBJECT = "SUBJ#88";

  it("removes every deletion: two bundle parts of one day, a redelivered copy beside them, and the open day's object", async () => {
    const first = personRecord(SUBJECT, "SESSION-1", "2024-04-10T06:00:00Z");
    await archiveAll(s3, config, service, [...deletionsOfDay(sealedDay, 15, "D"), first]);
    await seal(sealedDay);
    // A late record joins the sealed day as a second part, and the first deletion is delivered again.
    await archiveAll(s3, config, service, [...deletionsOfDay(sealedDay, 5, "L"), personRecord(SUBJECT, "SESSION-2", "2024-04-10T20:00:00Z", true)]);
    await seal(sealedDay);
    await archiveAll(s3, config, service, [first]);
    await archiveAll(s3, config, service, [...deletionsOfDay(openDay, 6, "O"), personRecord(SUBJECT, "SESSION-3", "2024-04-12T11:00:00Z")]);
    const manifest = (await readDayManifest(s3, config, service, sealedDay))!;
    expect(manifest.parts).toHaveLength(2);
    const beforeSealed = await readDay(s3, config, service, sealedDay);
    const beforeOpen = await readDay(s3, config, service, openDay);
    expect([beforeSealed.counts?.records, beforeOpen.counts?.records]).toEqual([22, 7]);

    const result = await erase(SUBJECT);
    expect(result).toMatchObject({ outcome: "succeeded", summary: { records: 3, sealedRecordsRemoved: 2, bundlesRewritten: 2, remaining: [] } });

    expect(await readDay(s3, config, service, sealedDay)).toEqual(withoutSubject(beforeSealed, SUBJECT, { ttl: 1, manual: 1 }));
    expect(await readDay(s3, config, service, openDay)).toEqual(withoutSubject(beforeOpen, SUBJECT, { ttl: 0, manual: 1 }));
    expect(await lookUp(s3, config, service, SUBJECT)).toEqual([]);
    expect(await lookUp(s3, config, service, "L#2")).toHaveLength(1);
    await expectNoTrace(SUBJECT);
    // Nothing is left to find: a second erasure finds nothing and changes nothing.
    expect((await planErasure(s3, config, { match: "exact", key: SUBJECT }, NOW)).records).toEqual([]);
  });
});

describe("erasing every record of a sealed day", () => {
  it("leaves the day sealed and empty: listed with no records, counted 0, and nothing of the subject anywhere", async () => {
    const day = { year: 2024, month: 6, day: 20 };
    const SUBJECT = "SUBJ#99";
    await archiveAll(s3, config, service, [personRecord(SUBJECT, "SESSION-a", "2024-06-20T10:00:00Z"), personRecord(SUBJECT, "SESSION-b", "2024-06-20T11:00:00Z")]);
    await seal(day);
    expect((await erase(SUBJECT)).outcome).toBe("succeeded");
    const seen = await readDay(s3, config, service, day);
    expect(seen).toMatchObject({ names: [], problem: undefined });
    expect(seen.counts?.records ?? 0).toBe(0);
    expect(await readDayManifest(s3, config, service, day)).toMatchObject({ records: 0, pages: [] });
    await expectNoTrace(SUBJECT);
  });
});

describe.concurrent("an erasure killed between its steps in a sealed day", () => {
  const KILL_POINTS: { step: ErasureStep; label: string }[] = [
    { step: "bundle-rewritten", label: "after the bundle is rewritten" },
    { step: "manifest-written", label: "after the manifest" },
    { step: "summary-written", label: "after the month summary" },
    { step: "bundle-versions-deleted", label: "after the old versions are deleted" },
  ];

  async function eraseUntilKilled(processes: StepKiller, configPath: string, key: string, step: ErasureStep): Promise<void> {
    await processes.killAt("tests/support/erase-process.ts", [configPath, key, step, String(KILLED_LEASE_MS)], step);
  }

  KILL_POINTS.forEach(({ step, label }, i) => {
    it(`${label}: everyone else reads once, byte for byte, and erasing again finishes`, async ({ expect, onTestFinished }) => {
      const own = await archive();
      const { s3, config, service } = own;
      const processes = new StepKiller("the erasure");
      onTestFinished(() => processes.cleanUp());
      const day = { year: 2024, month: 5, day: i + 1 };
      const subject = `KILL#${i}`;
      await archiveAll(s3, config, service, [
        ...deletionsOfDay(day, 18, `K${i}`),
        personRecord(subject, "SESSION-a", `${formatDay(day)}T07:00:00Z`),
        personRecord(subject, "SESSION-b", `${formatDay(day)}T19:00:00Z`),
      ]);
      await seal(day, own, expect);
      const before = await readDay(s3, config, service, day);
      const expected = withoutSubject(before, subject, { ttl: 0, manual: 2 });

      await eraseUntilKilled(processes, own.configPath, subject, step);
      // Right after the kill, every other record of the day reads with its bytes.
      for (const [n, name] of expected.names.entries()) {
        const read = await getArchivedRecord(s3, config, service, name);
        expect(read.ok && JSON.stringify(read.deletion.oldImage)).toBe(expected.images[n]);
      }

      const again = await erase(subject, own);
      expect(again).toMatchObject({ outcome: "succeeded", summary: { remaining: [] } });
      expect(await readDay(s3, config, service, day)).toEqual(expected);
      expect(await lookUp(s3, config, service, `K${i}#4`)).toEqual([expected.images[expected.names.findIndex((n) => n.includes(`_K${i}#4_`))]]);
      expect(await lookUp(s3, config, service, subject)).toEqual([]);
      await expectNoTrace(subject, own, expect);
    }, 240_000);
  });
});
