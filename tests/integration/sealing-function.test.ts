import { GetMetricStatisticsCommand, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { GetObjectTaggingCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { monthSummaryKey, sealedDayPrefix } from "../../lib/archive/sealed-format";
import { beforeAll, describe, expect, it } from "vitest";
import { SEAL_LAG_METRIC, SEAL_METRIC_NAMESPACE } from "../../lib/archive/seal-labels";
import { sealLagDays } from "../../lib/archive/seal-lag";
import { createCloudWatchClient } from "../../lib/aws/clients";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { archiveAll, deletionsOfDay, readDay, sealingFixture } from "../support/sealing";

/**
 * The scheduled sealing function's handler against moto: it seals what `npm run seal -- --all`
 * would, stops starting days when its time runs short, and publishes the seal lag the alarm reads.
 */

let s3: S3Client;
let config: LazarusConfig;
let service: ServiceConfig;
let handler: typeof import("../../infra/sealing/handler").handler;
const older = { year: 2024, month: 5, day: 9 };
const newer = { year: 2024, month: 5, day: 20 };

/** Every value published in the last hour, as CloudWatch aggregates them (one run's values can share a minute). */
async function lagMetric(withService: boolean): Promise<{ min: number; max: number }> {
  const cloudwatch = createCloudWatchClient({ region: config.region });
  const out = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: SEAL_METRIC_NAMESPACE,
      MetricName: SEAL_LAG_METRIC,
      Dimensions: [{ Name: "Archive", Value: config.archive.bucket }, ...(withService ? [{ Name: "Service", Value: service.name }] : [])],
      StartTime: new Date(Date.now() - 3_600_000),
      EndTime: new Date(Date.now() + 3_600_000),
      Period: 60,
      Statistics: ["Maximum", "Minimum"],
    }),
  );
  const points = out.Datapoints ?? [];
  return {
    min: Math.min(...points.map((d) => d.Minimum ?? NaN)),
    max: Math.max(...points.map((d) => d.Maximum ?? NaN)),
  };
}

beforeAll(async () => {
  ({ s3, config, service } = await sealingFixture("sealing-fn"));
  await archiveAll(s3, config, service, [...deletionsOfDay(older, 30, "OLD"), ...deletionsOfDay(newer, 20, "NEW")]);
  // The bundle carries the config this way (infra/lib/sealing-schedule.ts).
  (globalThis as { LAZARUS_CONFIG_JSON?: string }).LAZARUS_CONFIG_JSON = JSON.stringify(config);
  ({ handler } = await import("../../infra/sealing/handler"));
});

describe("the sealing function", () => {
  it("starts no day with too little time left, and reports the days the oldest unsealed day has been due as the lag", async () => {
    const summary = await handler({}, { getRemainingTimeInMillis: () => 60_000 });
    expect(summary).toMatchObject({ daysSealed: 0, deferredDays: 2, failedDays: 0, servicesFailed: 0 });
    const expected = sealLagDays(config, older, new Date());
    expect(summary.maxLagDays).toBe(expected);
    expect(expected).toBeGreaterThan(2);
    expect(await lagMetric(true)).toMatchObject({ min: expected, max: expected });
    expect(await lagMetric(false)).toMatchObject({ min: expected, max: expected });
    // One series per service and one for the whole archive, which the alarm watches.
    const listed = await createCloudWatchClient({ region: config.region }).send(
      new ListMetricsCommand({ Namespace: SEAL_METRIC_NAMESPACE, MetricName: SEAL_LAG_METRIC, Dimensions: [{ Name: "Archive", Value: config.archive.bucket }] }),
    );
    const series = (listed.Metrics ?? []).map((m) => (m.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).sort().join(",")).sort();
    expect(series).toEqual([`Archive=${config.archive.bucket}`, `Archive=${config.archive.bucket},Service=${service.name}`]);
  });

  it("seals every due day with time to spare, keeps each record readable once, and reports no lag", async () => {
    const before = [await readDay(s3, config, service, older), await readDay(s3, config, service, newer)];
    const summary = await handler({}, { getRemainingTimeInMillis: () => 900_000 });
    expect(summary).toMatchObject({ daysSealed: 2, recordsSealed: 50, deferredDays: 0, failedDays: 0, maxLagDays: 0 });
    expect([await readDay(s3, config, service, older), await readDay(s3, config, service, newer)]).toEqual(before);
    expect(await lagMetric(true)).toMatchObject({ min: 0 });
    expect(await lagMetric(false)).toMatchObject({ min: 0 });

    // Bundles carry the tag the lifecycle tiers them by; manifests and summaries carry none, and stay in Standard.
    const sealedObjects = await s3.send(new ListObjectsV2Command({ Bucket: config.archive.bucket, Prefix: sealedDayPrefix(config.archive.prefix, service.name, older) }));
    const tags = await Promise.all(
      (sealedObjects.Contents ?? []).map(async (o) => [o.Key!, (await s3.send(new GetObjectTaggingCommand({ Bucket: config.archive.bucket, Key: o.Key! }))).TagSet ?? []] as const),
    );
    expect(tags.length).toBeGreaterThan(1);
    for (const [key, tagSet] of tags) expect(tagSet, key).toEqual(key.endsWith(".jsonl.gz") ? [{ Key: "lazarus-sealed", Value: "bundle" }] : []);
    const summary2 = await s3.send(new GetObjectTaggingCommand({ Bucket: config.archive.bucket, Key: monthSummaryKey(config.archive.prefix, service.name, older) }));
    expect(summary2.TagSet ?? []).toEqual([]);

    const again = await handler({}, { getRemainingTimeInMillis: () => 900_000 });
    expect(again).toMatchObject({ daysSealed: 0, recordsSealed: 0, maxLagDays: 0 });
  });
});
