import { jobParams } from "@/lib/bulk-restore/job-store";
import { cancelJob } from "@/lib/bulk-restore/jobs";
import { json, route } from "@/lib/http/route";

/** Stops the job at its runner's next item; what was written stays written and is in the results. */
export const POST = route({ permission: "bulk-restore", params: jobParams }, async ({ params, user, config, aws }) =>
  json({ job: await cancelJob({ ...aws(), config }, params.jobId, user) }),
);
