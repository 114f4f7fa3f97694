import { principalFromParams } from "@/lib/attribution/principal-filter";
import { dayRecordsQuerySchema } from "@/lib/http/api-types";
import { dayRecordsPage } from "@/lib/http/day-records";
import { requireService, serviceDayParams } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";

export const GET = route(
  { permission: "archive:read", params: serviceDayParams, query: dayRecordsQuerySchema },
  async ({ params, query, config, aws }) => {
    const { who, whoMatch, ...rest } = query;
    const principal = principalFromParams({ who, whoMatch });
    return json(await dayRecordsPage(aws().s3, config, requireService(config, params.service), params.date, { ...rest, ...(principal ? { principal } : {}), withDeletedBy: true }));
  },
);
