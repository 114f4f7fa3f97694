import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand, GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it, type ExpectStatic } from "vitest";
import { formatDay, type CalendarDay } from "../../lib/archive/archive-input";
import { CLOCK_MARGIN_MS, DayLeaseLostError, dayLeaseKey, takeDayLease, takeDayLeases } from "../../lib/archive/day-lease";
import { createS3Client } from "../../lib/aws/clients";
import { readDayManifest } from "../../lib/archive/sealed-store";
import { sealDay, sealService, type DaySealReport, type SealStep } from "../../lib/archive/sealer";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { eraseSubject, type ErasureHooks, type ErasureResult, type ErasureStep } from "../../lib/erasure/erase";
import { confirmationText } from "../../lib/erasure/erasure-request";
import { StepKiller } from "../support/kill-at-step";
import { archiveAll, deletionsOfDay, lookUp, personNeedles, personRecord, readDay, sealingFixture, withoutSubject } from "../support/sealing";
import { findTraces } from "../support/trace-scan";

/**
 * A seal and an erasure of the same day, started together: whichever comes first holds
 * the day's lease, the other waits (the erasure) or leaves the day for the next run (the
 * sealer). Whatever the order, and when the holder is killed mid-way, the subject ends
 * up in no object version (bundles read member by member), and every other record of
 * the day reads, counts and looks up exactly once, byte for byte.
 */

const NOW = new Date("2024-09-01T00:00:00Z");
const officer = { id: "u-compliance", email: "cora@example.com", name: "Cora Compliance", role: "compliance" } as const;
/** Short leases, so the kill tests wait seconds for a crashed holder's lease to run out, not minutes; long enough that a live holder renews in time on a loaded machine while other tests run beside it. */
const LEASE_MS = 5_000;
/** A killed holder's lease, judged by S3's clock: its length, the margin, and a second for S3's whole-second stamps. */
const LEASE_RUNS_OUT_MS = LEASE_MS + CLOCK_MARGIN_MS + 1_200;

type Archive = { s3: S3Client; config: LazarusConfig; service: ServiceConfig; failures: string; configPath: string };

/** An archive of its own: the races and kills each take one, so they run at once (all of a day's leases are checked released). */
async function archive(): Promise<Archive> {
  const fixture = await sealingFixture("seal-erase-race", { failures: true });
  return { ...fixture, failures: fixture.failures!, configPath: fixture.configPath(mkdtempSync(join(tmpdir(), "lazarus-seal-erase-"))) };
}

let s3: S3Client;
let config: LazarusConfig;
let service: ServiceConfig;

beforeAll(async () => {
  ({ s3, config, service } = await archive());
});

function erase({ s3, config }: Archive, key: string, hooks: ErasureHooks = {}): Promise<ErasureResult> {
  return eraseSubject(s3, config, { query: { match: "exact", key }, mode: "erase", confirmation: confirmationText("erase", key), actor: officer }, () => NOW, hooks);
}

function seal({ s3, config, service }: Archive, day: CalendarDay, onStep?: (step: SealStep) => Promise<void> | void): Promise<DaySealReport> {
  return sealDay(s3, config, service, day, { now: NOW, manifestPageRows: 10, lease: { leaseMs: LEASE_MS }, ...(onStep ? { onStep } : {}) });
}

/** A point where one side stops until the test lets it go on. */
function gate<T extends string>(at: T) {
  let reached!: () => void;
  let open!: () => void;
  const reachedP = new Promise<void>((r) => (reached = r));
  const openP = new Promise<void>((r) => (open = r));
  return {
    reached: reachedP,
    open,
    hook: async (step: string) => {
      if (step !== at) return;
      reached();
      await openP;
    },
  };
}

async function dayWithSubject({ s3, config, service }: Archive, day: CalendarDay, subject: string, tag: string, expect: ExpectStatic) {
  await archiveAll(s3, config, service, [
    ...deletionsOfDay(day, 16, tag),
    personRecord(subject, "SESSION-a", `${formatDay(day)}T07:00:00Z`),
    personRecord(subject, "SESSION-b", `${formatDay(day)}T19:00:00Z`, true),
  ]);
  const before = await readDay(s3, config, service, day);
  expect(before.counts?.records).toBe(18);
  return withoutSubject(before, subject, { ttl: 1, manual: 1 });
}

async function expectErasedAndIntact({ s3, config, service, failures }: Archive, day: CalendarDay, subject: string, expected: Awaited<ReturnType<typeof dayWithSubject>>, tag: string, expect: ExpectStatic) {
  expect(await findTraces(s3, [config.archive.bucket, failures], personNeedles(subject))).toEqual([]);
  expect(await readDay(s3, config, service, day)).toEqual(expected);
  expect(await lookUp(s3, config, service, subject)).toEqual([]);
  expect(await lookUp(s3, config, service, `${tag}#4`)).toEqual([expected.images[expected.names.findIndex((n) => n.includes(`_${tag}#4_`))]]);
  // Every lease was released: nothing left under _leases/.
  const leases = await s3.send(new ListObjectVersionsCommand({ Bucket: config.archive.bucket, Prefix: `${config.archive.prefix}_leases/${service.name}/` }));
  expect([...(leases.Versions ?? []), ...(leases.DeleteMarkers ?? [])]).toEqual([]);
}

describe("the day lease in S3", () => {
  const day = { year: 2024, month: 2, day: 3 };

  it("is taken once (If-None-Match), refused to a second taker while live, and taken over with If-Match once expired", async () => {
    const first = await takeDayLease(s3, config, service, day, "seal", { leaseMs: 1_000, holder: "sealer-1" });
    expect("lease" in first).toBe(true);
    const second = await takeDayLease(s3, config, service, day, "erase", { holder: "officer" });
    expect(second).toEqual({ busy: expect.objectContaining({ holder: "sealer-1", purpose: "seal", date: "2024-02-03", service: service.name }) });

    if ("lease" in first) await first.lease.release();

    // A holder that crashed: its half-second lease is still there, and has run out by S3's clock.
    const key = dayLeaseKey(config.archive.prefix, service.name, day);
    const crashed = { schemaVersion: 1, service: service.name, date: "2024-02-03", holder: "crashed", purpose: "seal", takenAt: "2024-02-03T00:00:00.000Z", expiresAt: "2024-02-03T00:00:00.500Z" };
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: key, Body: JSON.stringify(crashed), Metadata: { "lease-ms": "500" }, IfNoneMatch: "*" }));
    await new Promise((r) => setTimeout(r, 500 + CLOCK_MARGIN_MS + 1_200));
    const racers = await Promise.all([1, 2, 3].map((i) => takeDayLease(s3, config, service, day, "erase", { holder: `racer-${i}` })));
    expect(racers.filter((r) => "lease" in r)).toHaveLength(1);
    expect(racers.filter((r) => "busy" in r).map((r) => ("busy" in r ? r.busy.holder : ""))).toEqual(expect.arrayContaining([expect.stringMatching(/^racer-/)]));
    const winner = racers.find((r) => "lease" in r);
    if (!winner || !("lease" in winner)) throw new Error("no racer took the lease");
    winner.lease.assertHeld();
    await winner.lease.release();
    // Released: the winner's version and the crashed holder's are gone, so nothing is left to trip the next taker.
    const left = await s3.send(new ListObjectVersionsCommand({ Bucket: config.archive.bucket, Prefix: key }));
    expect([...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])]).toEqual([]);
  });

  it("moto_server honours If-None-Match and If-Match on PutObject, which the lease relies on", async () => {
    const Key = `${config.archive.prefix}probe/conditional-writes.json`;
    const Bucket = config.archive.bucket;
    // Each write holds other bytes: S3's ETag is the MD5 of the body, so equal bodies would match the same If-Match.
    let n = 0;
    const put = (extra: object) => s3.send(new PutObjectCommand({ Bucket, Key, Body: JSON.stringify({ write: ++n }), ...extra }));
    const created = await put({ IfNoneMatch: "*" });
    await expect(put({ IfNoneMatch: "*" })).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    await expect(put({ IfMatch: '"0123456789abcdef0123456789abcdef"' })).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    const replaced = await put({ IfMatch: created.ETag });
    await expect(put({ IfMatch: created.ETag })).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    expect((await s3.send(new GetObjectCommand({ Bucket, Key }))).ETag).toBe(replaced.ETag);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: Key }));
    for (const v of versions.Versions ?? []) await s3.send(new DeleteObjectCommand({ Bucket, Key, VersionId: v.VersionId }));
  });

  it("a busy day held by one erasure makes another wait, then refuse, releasing what it took", async () => {
    const other = { year: 2024, month: 2, day: 4 };
    const held = await takeDayLeases(s3, config, [{ service, day }], "erase");
    await expect(takeDayLeases(s3, config, [{ service, day: other }, { service, day }], "erase", { waitMs: 300, pollMs: 100 })).rejects.toThrow(
      `day 2024-02-03 of ${service.name} is being edited by an erasure; try again in a minute`,
    );
    // The day it had taken first was given back.
    const again = await takeDayLeases(s3, config, [{ service, day: other }], "erase", { waitMs: 0 });
    await again.releaseAll();
    await held.releaseAll();
  });
});

/**
 * Holders run on different machines (the sealing function, the console, the re-check): a
 * machine whose clock is minutes off must neither take a live lease nor keep working on one
 * that S3 already lets someone else take. Clocks are skewed through the lease's wall-clock
 * option; S3 (moto_server here) keeps the true time.
 */
describe("the day lease trusts S3's clock, not the machines'", () => {
  const TEN_MINUTES = 10 * 60_000;
  const fast = () => new Date(Date.now() + TEN_MINUTES);
  const slow = () => new Date(Date.now() - TEN_MINUTES);

  /** A client whose lease writes stop reaching S3 once cut: a holder partitioned away, or crashed, while its lease stays. */
  function cuttableClient() {
    const client = createS3Client({ region: config.region });
    let cut = false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (cut && context.commandName === "PutObjectCommand") throw Object.assign(new Error("connection reset"), { name: "TimeoutError" });
        return next(args);
      },
      { step: "initialize", name: "cutLeaseWrites" },
    );
    return { client, cut: () => (cut = true) };
  }

  it("moto_server stamps a read with S3's Date and the object's Last-Modified, to the second", async () => {
    const Key = `${config.archive.prefix}probe/clock.json`;
    const Bucket = config.archive.bucket;
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: "{}" }));
    const command = new GetObjectCommand({ Bucket, Key });
    let headers: Record<string, string> = {};
    command.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        headers = (out.response as { headers: Record<string, string> }).headers;
        return out;
      },
      { step: "deserialize", name: "probeHeaders" },
    );
    const out = await s3.send(command);
    const date = new Date(headers.date ?? "");
    expect(Math.abs(date.getTime() - Date.now())).toBeLessThan(5_000);
    expect(date.getTime() % 1_000).toBe(0);
    expect(out.LastModified?.getTime()).toBeLessThanOrEqual(date.getTime());
    expect((out.LastModified?.getTime() ?? 1) % 1_000).toBe(0);
  });

  it("a taker whose clock runs 10 minutes fast does not take a live lease", async () => {
    const day = { year: 2024, month: 3, day: 1 };
    const holder = await takeDayLease(s3, config, service, day, "seal", { holder: "sealer" });
    if (!("lease" in holder)) throw new Error("the day was busy");
    const taker = await takeDayLease(s3, config, service, day, "erase", { holder: "fast-officer", now: fast });
    expect(taker).toEqual({ busy: expect.objectContaining({ holder: "sealer", purpose: "seal" }) });
    // The busy day's end is S3's: about 5 minutes from now, not the fast clock's idea of it.
    if ("busy" in taker) expect(Math.abs(Date.parse(taker.busy.expiresAt) - (Date.now() + 5 * 60_000))).toBeLessThan(10_000);
    holder.lease.assertHeld();
    await holder.lease.release();
  });

  it("a holder whose clock runs 10 minutes slow stops before a taker whose clock runs fast can take over", async () => {
    const day = { year: 2024, month: 3, day: 2 };
    const leaseMs = 1_500;
    const partitioned = cuttableClient();
    const taken = await takeDayLease(partitioned.client, config, service, day, "seal", { holder: "slow-sealer", leaseMs, now: slow });
    if (!("lease" in taken)) throw new Error("the day was busy");
    // Its renewals no longer reach S3: only its own count of time can stop it.
    partitioned.cut();
    const holderStopped = () => {
      try {
        taken.lease.assertHeld();
        return false;
      } catch (error) {
        if (error instanceof DayLeaseLostError) return true;
        throw error;
      }
    };
    const started = Date.now();
    let takenOver = false;
    while (!takenOver && Date.now() - started < 15_000) {
      const stoppedBefore = holderStopped();
      const attempt = await takeDayLease(s3, config, service, day, "erase", { holder: "fast-officer", leaseMs: 60_000, now: fast });
      if ("lease" in attempt) {
        takenOver = true;
        // At the moment S3's clock let the taker in, the holder had already stopped.
        expect(stoppedBefore).toBe(true);
        await attempt.lease.release();
      } else {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(takenOver).toBe(true);
    expect(holderStopped()).toBe(true);
    await taken.lease.release().catch(() => undefined);
  }, 30_000);

  it("a crashed holder's lease is taken over after its length, even when the holder's clock ran 10 minutes fast", async () => {
    const day = { year: 2024, month: 3, day: 3 };
    const leaseMs = 1_000;
    const crashed = cuttableClient();
    const taken = await takeDayLease(crashed.client, config, service, day, "seal", { holder: "fast-sealer", leaseMs, now: fast });
    if (!("lease" in taken)) throw new Error("the day was busy");
    crashed.cut();
    const wroteAt = Date.now();
    let winner: Awaited<ReturnType<typeof takeDayLease>> | null = null;
    while (Date.now() - wroteAt < 10_000) {
      const attempt = await takeDayLease(s3, config, service, day, "erase", { holder: "officer" });
      if ("lease" in attempt) {
        winner = attempt;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!winner || !("lease" in winner)) throw new Error("the crashed holder's lease was never taken over");
    const waited = Date.now() - wroteAt;
    // Not before its length and the margin (S3's whole seconds may shorten that by up to a second), and soon after.
    expect(waited).toBeGreaterThanOrEqual(leaseMs + CLOCK_MARGIN_MS - 1_000);
    expect(waited).toBeLessThan(leaseMs + CLOCK_MARGIN_MS + 2_500);
    await winner.lease.release();
  }, 30_000);
});

describe.concurrent("a seal and an erasure of the same day, started together", () => {
  it("seal first: the erasure waits for the seal, then takes the subject out of the new bundle", async ({ expect }) => {
    const own = await archive();
    const { s3, config, service } = own;
    const day = { year: 2024, month: 5, day: 7 };
    const SUBJECT = "RACE#1";
    const expected = await dayWithSubject(own, day, SUBJECT, "R1", expect);
    // The sealer has read the day's objects and written its bundle when the erasure starts.
    const paused = gate<SealStep>("bundle-written");
    const sealing = seal(own, day, paused.hook);
    await paused.reached;
    const erasing = erase(own, SUBJECT, { lease: { waitMs: 30_000, pollMs: 100 } });
    await new Promise((r) => setTimeout(r, 500));
    paused.open();

    const sealed = await sealing;
    const result = await erasing;

    await expectErasedAndIntact(own, day, SUBJECT, expected, "R1", expect);
    expect(sealed.outcome).toBe("sealed");
    expect(result).toMatchObject({ outcome: "succeeded", summary: { records: 2, sealedRecordsRemoved: 2, bundlesRewritten: 1, remaining: [] } });
    expect(await readDayManifest(s3, config, service, day)).toMatchObject({ records: 16 });
  }, 240_000);

  it("erasure first: the seal finds the day busy and leaves it for the next run, which seals what the erasure left", async ({ expect }) => {
    const own = await archive();
    const { s3, config, service } = own;
    const day = { year: 2024, month: 5, day: 8 };
    const SUBJECT = "RACE#2";
    const expected = await dayWithSubject(own, day, SUBJECT, "R2", expect);
    // The erasure has planned (the day is open) and holds the lease when the seal starts.
    const paused = gate<ErasureStep>("leases-taken");
    const erasing = erase(own, SUBJECT, { onStep: paused.hook });
    await paused.reached;
    const busy = await seal(own, day);
    paused.open();
    const result = await erasing;
    // The next run seals the day without the subject.
    const run = await sealService(s3, config, service, { now: NOW, manifestPageRows: 10 });

    await expectErasedAndIntact(own, day, SUBJECT, expected, "R2", expect);
    expect(result).toMatchObject({ outcome: "succeeded", summary: { records: 2, remaining: [] } });
    expect(busy).toMatchObject({ outcome: "busy", newlySealed: 0 });
    expect(busy.problem).toBe(`busy, will seal on the next run: day 2024-05-08 of ${service.name} is being edited by an erasure`);
    expect(run.days.find((d) => d.date === "2024-05-08")).toMatchObject({ outcome: "sealed", newlySealed: 16 });
  }, 240_000);
});

describe.concurrent("a holder killed mid-way", () => {
  it("an erasure killed holding the lease: the seal is busy until the lease runs out, then seals, and erasing again finishes", async ({ expect, onTestFinished }) => {
    const own = await archive();
    const { configPath } = own;
    const processes = new StepKiller("the holder");
    onTestFinished(() => processes.cleanUp());
    const day = { year: 2024, month: 5, day: 9 };
    const SUBJECT = "RACE#3";
    const expected = await dayWithSubject(own, day, SUBJECT, "R3", expect);
    await processes.killAt("tests/support/erase-process.ts", [configPath, SUBJECT, "objects-deleted", String(LEASE_MS)], "objects-deleted");

    expect((await seal(own, day)).outcome).toBe("busy");
    await new Promise((r) => setTimeout(r, LEASE_RUNS_OUT_MS));
    expect(await seal(own, day)).toMatchObject({ outcome: "sealed", newlySealed: 16 });
    expect(await erase(own, SUBJECT)).toMatchObject({ outcome: "succeeded", summary: { remaining: [] } });
    await expectErasedAndIntact(own, day, SUBJECT, expected, "R3", expect);
  }, 240_000);

  it("a seal killed after its bundle: the erasure refuses while the lease lives, then removes the uncommitted bundle and the subject", async ({ expect, onTestFinished }) => {
    const own = await archive();
    const { s3, config, service, failures, configPath } = own;
    const processes = new StepKiller("the holder");
    onTestFinished(() => processes.cleanUp());
    const day = { year: 2024, month: 5, day: 10 };
    const SUBJECT = "RACE#4";
    const expected = await dayWithSubject(own, day, SUBJECT, "R4", expect);
    await processes.killAt("tests/support/seal-process.ts", [configPath, formatDay(day), "entries-written", "1000", String(LEASE_MS)], "entries-written");

    const refused = await erase(own, SUBJECT, { lease: { waitMs: 200, pollMs: 50 } });
    expect(refused).toMatchObject({ outcome: "refused", code: "busy", message: `Nothing was erased: day 2024-05-10 of ${service.name} is being sealed; try again in a minute.` });
    // Nothing was done: the subject is still found by key, and not in the ledger.
    expect(await lookUp(s3, config, service, SUBJECT)).toHaveLength(2);

    await new Promise((r) => setTimeout(r, LEASE_RUNS_OUT_MS));
    expect(await erase(own, SUBJECT)).toMatchObject({ outcome: "succeeded", summary: { records: 2, remaining: [] } });
    // The seal's uncommitted bundle held the subject; the erasure removed it, and the next seal bundles the rest.
    expect(await findTraces(s3, [config.archive.bucket, failures], personNeedles(SUBJECT))).toEqual([]);
    expect(await seal(own, day)).toMatchObject({ outcome: "sealed", newlySealed: 16 });
    await expectErasedAndIntact(own, day, SUBJECT, expected, "R4", expect);
  }, 240_000);
});
