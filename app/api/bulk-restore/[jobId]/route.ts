import { jobParams } from "@/lib/bulk-restore/job-store";
import { getJobView } from "@/lib/bulk-restore/jobs";
import { json, route } from "@/lib/http/route";

/** Status and progress from S3; a running job whose runner is gone is resumed by this request. */
export const GET = route({ permission: "bulk-restore", params: jobParams }, async ({ params, config, aws }) =>
  json(await getJobView({ ...aws(), config }, params.jobId)),
);
