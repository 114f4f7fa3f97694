import { json, route } from "@/lib/http/route";
import { restoredTableChecklist } from "@/lib/pitr/pitr-checklist";
import { requireJob } from "@/lib/pitr/pitr-store";
import { pitrJobParams } from "@/lib/pitr/pitr-types";

/** What the restore did not bring back, checked against the restored table. */
export const GET = route({ permission: "pitr", params: pitrJobParams }, async ({ params, config, aws }) => {
  const { job, service } = await requireJob(aws(), config, params.id);
  return json({ items: await restoredTableChecklist(aws().dynamodb, service, job.targetTable) });
});
