import { archiveKeyQuerySchema, type CompareResponse } from "@/lib/http/api-types";
import { readArchivedDeletion, liveKeyOf } from "@/lib/http/archived-record";
import { requireService, serviceParams } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";
import { getLiveItem } from "@/lib/restore/live-item";
import { planRestore } from "@/lib/restore/restore-planner";

/** The archived item against the live one with the same key: the diff, the live item's fingerprint, the TTL state. */
export const GET = route(
  { permission: "archive:read", params: serviceParams, query: archiveKeyQuerySchema },
  async ({ params, query, config, aws }) => {
    const service = requireService(config, params.service);
    const { s3, dynamodb } = aws();
    const deletion = await readArchivedDeletion(s3, config, service, query.archiveKey);
    const live = await getLiveItem(dynamodb, service.table.name, liveKeyOf(service, deletion));
    const plan = planRestore({ service, oldImage: deletion.oldImage, live, now: new Date() });
    return json({ ...plan, live, table: service.table.name } satisfies CompareResponse);
  },
);
