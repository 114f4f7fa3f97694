import { dlqClients } from "@/lib/dlq/clients";
import { dlqReplayBodySchema, replay } from "@/lib/dlq/dlq-service";
import { json, route } from "@/lib/http/route";

/** Replays one failed batch through the archiver; audited as "dlq-replay". */
export const POST = route({ permission: "dlq", body: dlqReplayBodySchema }, async ({ body, user, config }) => {
  return json(await replay(dlqClients(config), config, body, user));
});
