import { z } from "zod";
import { principalFromParams, principalParamsShape } from "@/lib/attribution/principal-filter";
import { json, route } from "@/lib/http/route";
import { countServiceDays } from "@/lib/reports/deletion-report";
import { reportQuerySchema } from "@/lib/reports/report-range";
import { reportRecordsScreen } from "@/lib/reports/report-records";
import { resolveReportScope } from "@/lib/reports/report-scope";

const querySchema = reportQuerySchema.extend({
  cursor: z.string().min(1).max(6000).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  // The same fields, schema and messages as the report page's URL.
  ...principalParamsShape,
});

/** The report's records a page at a time, service by service, day by day (names only). */
export const GET = route({ permission: "report:export", query: querySchema }, async ({ query, config, aws }) => {
  const { services, range } = resolveReportScope(config, query, new Date());
  const s3 = aws().s3;
  const scope = await countServiceDays(s3, config, services, range);
  const principal = principalFromParams(query);
  return json(await reportRecordsScreen(s3, config, scope, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}), ...(principal ? { principal } : {}) }));
});
