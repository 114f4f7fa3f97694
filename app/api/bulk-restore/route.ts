import { listJobs } from "@/lib/bulk-restore/jobs";
import { json, route } from "@/lib/http/route";

/** The most recent bulk-restore jobs, newest first. */
export const GET = route({ permission: "bulk-restore" }, async ({ config, aws }) => json({ jobs: await listJobs(aws().s3, config) }));
