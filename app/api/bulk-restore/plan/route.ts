import { createJob } from "@/lib/bulk-restore/jobs";
import { planRequestSchema } from "@/lib/bulk-restore/job-types";
import { requireService } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";

/** Creates a job and its plan; nothing is written to DynamoDB. */
export const POST = route({ permission: "bulk-restore", body: planRequestSchema }, async ({ body, user, config, aws }) => {
  requireService(config, body.selection.service);
  const job = await createJob(aws(), config, body.selection, user);
  return json({ job }, 201);
});
