import { jobParams, withJobErrors } from "@/lib/bulk-restore/http";
import { cancelJob } from "@/lib/bulk-restore/jobs";
import { json, route } from "@/lib/http/route";

/** Stops the job at its runner's next item; what was written stays written and is in the results. */
export const POST = route({ permission: "bulk-restore", params: jobParams }, async ({ params, user, config, aws }) =>
  json({ job: await withJobErrors(() => cancelJob({ ...aws(), config }, params.jobId, user)) }),
);
