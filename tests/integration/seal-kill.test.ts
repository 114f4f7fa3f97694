import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectVersionsCommand, type S3Client } from "@aws-sdk/client-s3";
import { describe, it } from "vitest";
import { formatDay } from "../../lib/archive/archive-input";
import { CLOCK_MARGIN_MS } from "../../lib/archive/day-lease";
import { dayPrefix } from "../../lib/archive/layout";
import { sealDay, type SealStep } from "../../lib/archive/sealer";
import { archiveAll, deletionsOfDay, lookUp, readDay, sealingFixture } from "../support/sealing";
import { StepKiller } from "../support/kill-at-step";

/**
 * The sealing process killed with SIGKILL at each step: before the bundle is written,
 * after it, after the index entries, after the manifest, after the summary, and midway
 * through the deletes. Right after the kill every record of the day reads, once, with
 * the same item and counts; sealing again finishes the job and changes none of that.
 */

const RECORDS = 45;
const DELETE_BATCH = 10;
const KILL_POINTS: { step: SealStep; label: string }[] = [
  { step: "listed", label: "before the bundle" },
  { step: "bundle-written", label: "after the bundle" },
  { step: "entries-written", label: "after the index entries" },
  { step: "manifest-written", label: "after the manifest" },
  { step: "summary-written", label: "after the month summary" },
  { step: "objects-deleted", label: "midway through the deletes" },
];

/** Each kill test has a bucket of its own, so they run at once: most of their time is a killed seal's lease running out. */
async function fixture() {
  const made = await sealingFixture("seal-kill");
  return { ...made, configPath: made.configPath(mkdtempSync(join(tmpdir(), "lazarus-seal-kill-"))) };
}

/** A killed seal holds its day's lease until it runs out: a short one here, waited out before sealing again. Long enough that a live seal renews it in time on a loaded machine (a renewal every third of it). */
const KILLED_LEASE_MS = 5_000;

async function sealUntilKilled(processes: StepKiller, configPath: string, date: string, step: SealStep): Promise<void> {
  await processes.killAt("tests/support/seal-process.ts", [configPath, date, step, String(DELETE_BATCH), String(KILLED_LEASE_MS)], step);
  // Judged by S3's clock: its length, the margin, and a second for S3's whole-second stamps.
  await new Promise((resolve) => setTimeout(resolve, KILLED_LEASE_MS + CLOCK_MARGIN_MS + 1_200));
}

async function objectVersions(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
  return (out.Versions ?? []).length + (out.DeleteMarkers ?? []).length;
}

describe.concurrent("a sealing process killed", () => {
  KILL_POINTS.forEach(({ step, label }, i) => {
    it(`${label}: every record reads once, and sealing again completes`, async ({ expect, onTestFinished }) => {
      const { s3, config, service, configPath } = await fixture();
      const processes = new StepKiller("the sealing process");
      onTestFinished(() => processes.cleanUp());
      const day = { year: 2024, month: 6, day: i + 1 };
      await archiveAll(s3, config, service, deletionsOfDay(day, RECORDS, `K${i}`));
      const before = await readDay(s3, config, service, day);
      expect(before.names).toHaveLength(RECORDS);

      await sealUntilKilled(processes, configPath, formatDay(day), step);
      expect(await readDay(s3, config, service, day)).toEqual(before);
      expect(await lookUp(s3, config, service, `K${i}#3`)).toEqual([before.images[before.names.findIndex((n) => n.includes(`_K${i}#3_`))]]);

      const report = await sealDay(s3, config, service, day, { manifestPageRows: 20 });
      expect(report.outcome).not.toBe("failed");
      expect(report.records).toBe(RECORDS);
      expect(await readDay(s3, config, service, day)).toEqual(before);
      expect(await objectVersions(s3, config.archive.bucket, dayPrefix(config.archive.prefix, service.name, day))).toBe(0);
    }, 180_000);
  });
});
