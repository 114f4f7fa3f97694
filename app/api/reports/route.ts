import { json, route } from "@/lib/http/route";
import { deletionReport } from "@/lib/reports/deletion-report";
import { reportQuerySchema } from "@/lib/reports/report-range";
import { resolveReportScope } from "@/lib/reports/report-scope";

/** Deletion counts of services over a range, from listings alone (no GETs). */
export const GET = route({ permission: "report:export", query: reportQuerySchema }, async ({ query, config, aws }) => {
  const now = new Date();
  const { services, range } = resolveReportScope(config, query, now);
  return json(await deletionReport(aws().s3, config, services, range, now));
});
