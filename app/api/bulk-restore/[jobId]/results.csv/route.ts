import { jobParams, JobStore } from "@/lib/bulk-restore/job-store";
import { resultsCsv } from "@/lib/bulk-restore/jobs";
import { route } from "@/lib/http/route";

/** One row per item with its outcome, streamed as CSV. */
export const GET = route({ permission: "bulk-restore", params: jobParams }, async ({ params, config, aws }) => {
  const { s3 } = aws();
  await new JobStore(s3, config).get(params.jobId);
  return new Response(resultsCsv(s3, config, params.jobId), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="bulk-restore-${params.jobId}.csv"`,
      "Cache-Control": "no-store",
    },
  });
});
