import type { S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { sealLag } from "../../lib/archive/seal-lag";
import { sealDay, sealService } from "../../lib/archive/sealer";
import { createS3Client } from "../../lib/aws/clients";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { archiveAll, deletionsOfDay, sealingFixture } from "../support/sealing";

/**
 * Seal lag against moto: the age of the oldest closed day not sealed yet, read from the
 * listing and the month summaries at a cost that does not depend on how many days are sealed.
 */

let s3: S3Client;
let config: LazarusConfig;
let service: ServiceConfig;
const counted = { list: 0, get: 0, other: 0 };
let counting: S3Client;

const jan10 = { year: 2024, month: 1, day: 10 };
const jan15 = { year: 2024, month: 1, day: 15 };
const feb03 = { year: 2024, month: 2, day: 3 };
const mar05 = { year: 2024, month: 3, day: 5 };
const now = new Date("2024-03-06T12:00:00Z");

async function lagCounted(at: Date) {
  counted.list = counted.get = counted.other = 0;
  const lag = await sealLag(counting, config, service, at);
  return { lag, requests: { ...counted } };
}

beforeAll(async () => {
  ({ s3, config, service } = await sealingFixture("seal-lag"));
  counting = createS3Client({ region: config.region });
  counting.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "ListObjectsV2Command") counted.list += 1;
      else if (context.commandName === "GetObjectCommand") counted.get += 1;
      else counted.other += 1;
      return next(args);
    },
    { step: "initialize" },
  );
  for (const [i, day] of [jan10, jan15, feb03, mar05].entries()) await archiveAll(s3, config, service, deletionsOfDay(day, 12, `D${i}`));
}, 120_000);

describe("seal lag", () => {
  it("counts the days the oldest closed day has been due while nothing is sealed, for one LIST and one GET", async () => {
    const { lag, requests } = await lagCounted(now);
    expect(lag).toMatchObject({ oldestUnsealed: "2024-01-10", lagDays: 54, isLagging: true, thresholdDays: 2, complete: true });
    expect(requests).toEqual({ list: 1, get: 1, other: 0 });
    expect(lag.requests).toEqual({ list: 1, get: 1 });
  });

  it("moves to the next unsealed day as days are sealed", async () => {
    await sealDay(s3, config, service, jan10, { now });
    await sealDay(s3, config, service, jan15, { now });
    const { lag, requests } = await lagCounted(now);
    expect(lag).toMatchObject({ oldestUnsealed: "2024-02-03", lagDays: 30, isLagging: true });
    expect(requests).toEqual({ list: 1, get: 1, other: 0 });
  }, 60_000);

  it("is 0 once every closed day is sealed; the open day of yesterday does not count", async () => {
    const report = await sealService(s3, config, service, { now });
    expect(report.days.map((d) => d.date)).toEqual(["2024-02-03"]);
    const { lag, requests } = await lagCounted(now);
    expect(lag).toMatchObject({ oldestUnsealed: null, lagDays: 0, isLagging: false, complete: true });
    // The sealed months roll up into one entry each, so the first object listed is the open day's.
    expect(requests).toEqual({ list: 1, get: 0, other: 0 });
  }, 60_000);

  it("does not count a sealed day that received a late record, and steps over it with one more LIST", async () => {
    await archiveAll(s3, config, service, deletionsOfDay(jan15, 1, "LATE"));
    const { lag, requests } = await lagCounted(now);
    expect(lag).toMatchObject({ oldestUnsealed: null, lagDays: 0, complete: true });
    expect(requests).toEqual({ list: 2, get: 1, other: 0 });
  });

  it("turns lagging only past seal.lagThresholdDays", async () => {
    // 2024-03-05 falls due on 2024-03-07 (seal.afterDays 2): a day waiting for its run is no lag.
    const justDue = await sealLag(s3, config, service, new Date("2024-03-07T01:00:00Z"));
    expect(justDue).toMatchObject({ oldestUnsealed: "2024-03-05", lagDays: 0, isLagging: false });
    const atTwo = await sealLag(s3, config, service, new Date("2024-03-09T01:00:00Z"));
    expect(atTwo).toMatchObject({ oldestUnsealed: "2024-03-05", lagDays: 2, isLagging: false });
    const atThree = await sealLag(s3, config, service, new Date("2024-03-10T01:00:00Z"));
    expect(atThree).toMatchObject({ oldestUnsealed: "2024-03-05", lagDays: 3, isLagging: true });
    const strict = await sealLag(s3, { ...config, seal: { ...config.seal, lagThresholdDays: 5 } }, service, new Date("2024-03-10T01:00:00Z"));
    expect(strict).toMatchObject({ lagDays: 3, isLagging: false, thresholdDays: 5 });
  });
});
