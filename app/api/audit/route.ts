import { parseDay } from "@/lib/archive/archive-reader";
import { listAuditEntries } from "@/lib/audit/audit-log";
import { auditQuerySchema } from "@/lib/http/api-types";
import { json, route } from "@/lib/http/route";

/** One UTC day of the audit log, a page at a time. */
export const GET = route({ permission: "audit:read", query: auditQuerySchema }, async ({ query, config, aws }) => {
  const page = await listAuditEntries(aws().s3, config, {
    day: parseDay(query.date),
    ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
    ...(query.limit !== undefined ? { limit: query.limit } : {}),
  });
  return json(page);
});
