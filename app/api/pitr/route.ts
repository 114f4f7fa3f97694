import pLimit from "p-limit";
import { requireService } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";
import { refreshJob, startPitrRestore } from "@/lib/pitr/pitr-restore";
import { listJobs } from "@/lib/pitr/pitr-store";
import { startPitrBodySchema } from "@/lib/pitr/pitr-types";

/** The restores started from the console, newest first; unfinished ones get a fresh status. */
export const GET = route({ permission: "pitr" }, async ({ config, aws }) => {
  const jobs = await listJobs(aws().s3, config);
  const refresh = pLimit(4);
  const now = new Date();
  const views = await Promise.all(jobs.map((job) => refresh(() => refreshJob(aws(), config, job, now))));
  return json({ jobs: views });
});

export const POST = route({ permission: "pitr", body: startPitrBodySchema }, async ({ body, user, config, aws }) => {
  const service = requireService(config, body.service);
  const job = await startPitrRestore(aws(), config, { service, time: body.time === "latest" ? "latest" : new Date(body.time), targetTable: body.targetTable, actor: user });
  return json({ job }, 201);
});
