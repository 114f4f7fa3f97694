import { beforeAll, describe, expect, it } from "vitest";
import { DeleteObjectCommand, ListObjectVersionsCommand, type S3Client } from "@aws-sdk/client-s3";
import { archiverTargetFor, archiveStreamRecord } from "../../lib/archive/archiver";
import { ErasedKeysByService, recordCallEvent } from "../../lib/attribution/record-calls";
import type { SessionUser } from "../../lib/auth/roles";
import { createS3Client } from "../../lib/aws/clients";
import { findService } from "../../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { eraseSubject } from "../../lib/erasure/erase";
import { planErasure, planFindings } from "../../lib/erasure/erasure-plan";
import { confirmationText } from "../../lib/erasure/erasure-request";
import { recheckErasures } from "../../lib/erasure/erasure-recheck";
import { recheckDelayMs } from "../../lib/erasure/ledger-format";
import { cloudTrailEventFor, type LocalCall, type LocalPrincipal } from "../../scripts/local-stack/cloudtrail-events";
import { motoEnv, uniqueName } from "../support/aws";
import { attributionConfig, cleanupJob, supportEngineer } from "../support/attribution";
import { removeRecord } from "../support/stream-events";
import { findTraces } from "../support/trace-scan";

/**
 * Attribution records (who made each delete call) carry the deleted key in their names
 * and bodies: an erasure of the subject removes every version of them, and leaves those
 * of a customer whose key starts with the subject's untouched.
 */

const SUBJECT = "CONTACT#subj-77";
const CONTROL = "CONTACT#subj-770";
const officer: SessionUser = { id: "u-compliance", email: "cora@example.com", name: "Cora Compliance", role: "compliance" };
const support = supportEngineer;
const cleanup = cleanupJob("cleanup-run-42");

let region: string;
let s3: S3Client;

interface World {
  bucket: string;
  table: string;
  config: LazarusConfig;
  service: ServiceConfig;
}

async function world(): Promise<World> {
  const table = uniqueName("usr-contact");
  const config = await attributionConfig(s3, region, { bucketName: "attr-erasure", tables: { "usr-contact-svc": table }, versioned: true });
  return { bucket: config.archive.bucket, table, config, service: findService(config, "usr-contact-svc")! };
}

/** A deletion as it happens: the call recorded through the attribution code, the stream record archived. */
async function deleteWithCall(w: World, pk: string, sk: string, callAt: string, deletedAt: string, principal: LocalPrincipal): Promise<void> {
  const call: LocalCall = { api: "DeleteItem", principal, at: new Date(callAt), region, deletes: [{ table: w.table, key: { PK: pk, SK: sk } }] };
  const recorded = await recordCallEvent(s3, w.config, cloudTrailEventFor(call));
  expect(recorded.written).toBe(1);
  const keys = { PK: { S: pk }, SK: { S: sk } };
  const image = { ...keys, name: { S: `${pk} name` } };
  const outcome = await archiveStreamRecord(s3, archiverTargetFor(w.config, w.service), removeRecord({ keys, oldImage: image, at: new Date(deletedAt) }));
  if (outcome.status !== "archived") throw new Error(`fixture not archived: ${outcome.status}`);
}

/** Every version and delete marker under the attribution folder: key and version id. */
async function attributionVersions(w: World): Promise<string[]> {
  const out: string[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: w.bucket, Prefix: "deleted/_attribution/", ...(keyMarker ? { KeyMarker: keyMarker, VersionIdMarker: versionIdMarker } : {}) }));
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) out.push(`${v.Key}@${v.VersionId}`);
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
  return out.sort();
}

const SUBJECT_NEEDLES = [`"${SUBJECT}"`, `${SUBJECT}_`, `${SUBJECT}/`];

beforeAll(() => {
  ({ region } = motoEnv());
  s3 = createS3Client({ region });
});

describe("erasure and attribution records", () => {
  it("removes every version of the subject's attribution records, the neighbouring day's included, and leaves a longer key's alone", async () => {
    const w = await world();
    // Called a second before midnight, archived after it: the call is filed under the day before the record.
    await deleteWithCall(w, SUBJECT, "PROFILE", "2026-03-10T23:59:59Z", "2026-03-11T00:00:01Z", support);
    await deleteWithCall(w, SUBJECT, "ADDRESS", "2026-03-11T10:30:00Z", "2026-03-11T10:30:01Z", cleanup);
    await deleteWithCall(w, CONTROL, "PROFILE", "2026-03-11T10:30:00Z", "2026-03-11T10:30:01Z", cleanup);
    await deleteWithCall(w, CONTROL, "ADDRESS", "2026-03-10T23:59:59Z", "2026-03-11T00:00:01Z", support);
    // A subject's record whose current version is a delete marker: its data is in a noncurrent version.
    const before = await attributionVersions(w);
    const hidden = before.find((v) => v.includes(`/${SUBJECT}_ADDRESS/`))!.split("@")[0]!;
    await s3.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: hidden }));
    const control = (await attributionVersions(w)).filter((v) => v.includes(`/${CONTROL}_`));
    expect(control).toHaveLength(2);

    const plan = await planErasure(s3, w.config, { match: "exact", key: SUBJECT });
    expect(plan.records).toHaveLength(2);
    expect(plan.attributions).toHaveLength(2);
    expect(planFindings(plan).attributionRecords).toBe(2);

    const result = await eraseSubject(s3, w.config, { query: { match: "exact", key: SUBJECT }, mode: "erase", confirmation: confirmationText("erase", SUBJECT), actor: officer });

    expect(await findTraces(s3, [w.bucket], SUBJECT_NEEDLES)).toEqual([]);
    expect(result.outcome).toBe("succeeded");
    if (result.outcome === "refused") return;
    expect(result.summary.attributionRecordsRemoved).toBe(2);
    // PROFILE's one version; ADDRESS's data version and its delete marker.
    expect(result.summary.attributionVersionsRemoved).toBe(3);
    expect(result.summary.remaining).toEqual([]);
    expect(result.message).toContain("2 attribution record(s)");
    expect(await attributionVersions(w)).toEqual(control);
  });

  it("reports an attribution record of the subject written while the erasure ran, never calling the erasure clean", async () => {
    const w = await world();
    await deleteWithCall(w, SUBJECT, "PROFILE", "2026-03-11T10:30:00Z", "2026-03-11T10:30:01Z", support);
    const late: LocalCall = { api: "DeleteItem", principal: cleanup, at: new Date("2026-03-11T10:31:00Z"), region, deletes: [{ table: w.table, key: { PK: SUBJECT, SK: "ADDRESS" } }] };
    // A function instance that listed the ledger before the erasure: within its cache period it does not know of it.
    const stale = new ErasedKeysByService(s3, w.config.archive);
    await stale.of(w.service.name).erasureCovering({ S: "someone-else" }, new Date(), new Date());

    const result = await eraseSubject(
      s3,
      w.config,
      { query: { match: "exact", key: SUBJECT }, mode: "erase", confirmation: confirmationText("erase", SUBJECT), actor: officer },
      () => new Date(),
      { onStep: async (step) => void (step === "index-entries-deleted" && (await recordCallEvent(s3, w.config, cloudTrailEventFor(late), new Date(), stale))) },
    );

    expect(result.outcome).toBe("failed");
    if (result.outcome === "refused") return;
    expect(result.summary.attributionRecordsRemoved).toBe(1);
    expect(result.summary.remaining).toEqual([{ location: expect.stringMatching(/^usr-contact-svc\/_attribution\/#sha256:[0-9a-f]{32}$/), reason: "1 version(s) of an attribution record still present" }]);
    // The report names where, never the key.
    expect(JSON.stringify(result)).not.toContain("subj-77");
  });

  it("writes nothing for a call delivered after its key was erased (a late or redelivered event), and records the call of another key", async () => {
    const w = await world();
    const call: LocalCall = { api: "DeleteItem", principal: support, at: new Date("2026-03-11T10:30:00Z"), region, deletes: [{ table: w.table, key: { PK: SUBJECT, SK: "PROFILE" } }] };
    await deleteWithCall(w, SUBJECT, "PROFILE", "2026-03-11T10:30:00Z", "2026-03-11T10:30:01Z", support);
    const result = await eraseSubject(s3, w.config, { query: { match: "exact", key: SUBJECT }, mode: "erase", confirmation: confirmationText("erase", SUBJECT), actor: officer });
    expect(result.outcome).toBe("succeeded");

    expect(await recordCallEvent(s3, w.config, cloudTrailEventFor(call))).toMatchObject({ keys: 1, written: 0, erased: 1 });
    const later: LocalCall = { ...call, at: new Date("2026-03-11T10:32:00Z"), deletes: [{ table: w.table, key: { PK: SUBJECT, SK: "ADDRESS" } }] };
    expect(await recordCallEvent(s3, w.config, cloudTrailEventFor(later))).toMatchObject({ written: 0, erased: 1 });
    expect(await findTraces(s3, [w.bucket], SUBJECT_NEEDLES)).toEqual([]);

    const other: LocalCall = { ...call, deletes: [{ table: w.table, key: { PK: CONTROL, SK: "PROFILE" } }] };
    expect(await recordCallEvent(s3, w.config, cloudTrailEventFor(other))).toMatchObject({ written: 1, erased: 0 });
  });
  it("has the scheduled re-check remove a late attribution record written within the cache window, and keep a longer key's", async () => {
    const w = await world();
    const t0 = Date.now();
    const at = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();
    await deleteWithCall(w, SUBJECT, "PROFILE", at(-10 * 60_000), at(-10 * 60_000 + 1_000), support);
    await deleteWithCall(w, CONTROL, "PROFILE", at(-9 * 60_000), at(-9 * 60_000 + 1_000), support);
    const stale = new ErasedKeysByService(s3, w.config.archive);
    await stale.of(w.service.name).erasureCovering({ S: "someone-else" }, new Date(), new Date());
    const erasure = await eraseSubject(s3, w.config, { query: { match: "exact", key: SUBJECT }, mode: "erase", confirmation: confirmationText("erase", SUBJECT), actor: officer });
    expect(erasure.outcome).toBe("succeeded");
    // A call made before the erasure, delivered after it to an instance whose ledger cache predates it.
    const late: LocalCall = { api: "DeleteItem", principal: cleanup, at: new Date(at(-5 * 60_000)), region, deletes: [{ table: w.table, key: { PK: SUBJECT, SK: "ADDRESS" } }] };
    expect(await recordCallEvent(s3, w.config, cloudTrailEventFor(late), new Date(), stale)).toMatchObject({ written: 1 });
    expect(await findTraces(s3, [w.bucket], SUBJECT_NEEDLES)).not.toEqual([]);
    const control = (await attributionVersions(w)).filter((v) => v.includes(`/${CONTROL}_`));
    expect(control).toHaveLength(1);

    const recheck = await recheckErasures(s3, w.config, { now: new Date(Date.now() + recheckDelayMs(w.service) + 60_000) });
    expect(await findTraces(s3, [w.bucket], SUBJECT_NEEDLES)).toEqual([]);
    expect(recheck).toMatchObject({ due: 1, attributionRecordsRemoved: 1, attributionVersionsRemoved: 1, remaining: [] });
    expect(JSON.stringify(recheck)).not.toContain("subj-77");
    expect((await attributionVersions(w)).filter((v) => v.includes(`/${CONTROL}_`))).toEqual(control);
  });
});
