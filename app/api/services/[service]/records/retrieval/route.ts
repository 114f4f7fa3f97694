import { getRetrievalStatus, type RetrievalStatus } from "@/lib/archive/glacier-retrieval";
import { requestAuditedRetrieval } from "@/lib/archive/retrieval-request";
import { archiveKeyQuerySchema, retrievalBodySchema } from "@/lib/http/api-types";
import { requireService, serviceParams } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";

/** Where an archived record stands: readable, in Glacier, being retrieved, or retrieved until a date. */
export const GET = route(
  { permission: "archive:read", params: serviceParams, query: archiveKeyQuerySchema },
  async ({ params, query, config, aws }) => {
    const service = requireService(config, params.service);
    const status: RetrievalStatus = await getRetrievalStatus(aws().s3, config, service, query.archiveKey);
    return json(status);
  },
);

/** Asks S3 for a temporary readable copy of a record in Glacier (audited: see requestAuditedRetrieval). */
export const POST = route(
  { permission: "glacier:retrieve", params: serviceParams, body: retrievalBodySchema },
  async ({ params, body, user, config, aws }) => {
    const service = requireService(config, params.service);
    return json(await requestAuditedRetrieval(aws().s3, config, service, body.archiveKey, { tier: body.tier, days: body.days }, user));
  },
);
