import { dlqClients } from "@/lib/dlq/clients";
import { dlqListQuerySchema, listFailures } from "@/lib/dlq/dlq-service";
import { json, route } from "@/lib/http/route";

/** The failed batches in each service's on-failure destination (SQS DLQ or S3), read without consuming them. */
export const GET = route({ permission: "dlq", query: dlqListQuerySchema }, async ({ query, config }) => {
  return json(await listFailures(dlqClients(config), config, query.service));
});
