import { z } from "zod";
import { HttpError } from "@/lib/http/error-response";
import { json, route } from "@/lib/http/route";
import { DEFAULT_SEGMENTS, MAX_SEGMENTS, startCompare, withStallStatus } from "@/lib/pitr/pitr-compare";
import { requireJob } from "@/lib/pitr/pitr-store";
import { pitrJobParams } from "@/lib/pitr/pitr-types";
import { loadLatestCompare, loadLatestCompareState } from "@/lib/pitr/pitr-store";

/** A compare's state (progress, counts); the page polls it while it runs. */
export const GET = route({ permission: "pitr", params: pitrJobParams }, async ({ params, config, aws }) => {
  await requireJob(aws(), config, params.id);
  return json({ compare: withStallStatus(await loadLatestCompareState(aws().s3, config, params.id)) });
});

export const POST = route(
  { permission: "pitr", params: pitrJobParams, body: z.strictObject({ segments: z.number().int().min(1).max(MAX_SEGMENTS).default(DEFAULT_SEGMENTS) }) },
  async ({ params, body, config, aws }) => {
    const { job, service } = await requireJob(aws(), config, params.id);
    if (job.status !== "ACTIVE") throw new HttpError(409, "restore-not-active", `The restored table ${job.targetTable} is ${job.status}; compare it once it is ACTIVE.`);
    const latest = await loadLatestCompare(aws().s3, config, job.id);
    if (withStallStatus(latest.state)?.status === "running") {
      throw new HttpError(409, "compare-running", "A compare of this restore is already running.");
    }
    // Runs on after the response; its state in S3 is what every instance shows.
    const { state } = await startCompare(aws(), config, service, job, { segments: body.segments, latestEtag: latest.etag });
    return json({ compare: state }, 202);
  },
);
