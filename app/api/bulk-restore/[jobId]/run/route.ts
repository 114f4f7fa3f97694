import { jobParams } from "@/lib/bulk-restore/job-store";
import { startJob } from "@/lib/bulk-restore/jobs";
import { runOptionsSchema } from "@/lib/bulk-restore/job-types";
import { json, route } from "@/lib/http/route";

/** Starts a planned job (audited write-ahead); the runner works in the background and the page polls. */
export const POST = route({ permission: "bulk-restore", params: jobParams, body: runOptionsSchema }, async ({ params, body, user, config, aws }) =>
  json({ job: await startJob({ ...aws(), config }, params.jobId, body, user) }, 202),
);
