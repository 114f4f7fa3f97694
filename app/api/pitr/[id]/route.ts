import { json, route } from "@/lib/http/route";
import { requireJob } from "@/lib/pitr/pitr-store";
import { pitrJobParams } from "@/lib/pitr/pitr-types";
import { refreshJob } from "@/lib/pitr/pitr-restore";

/** One restore with its target's current status; the page polls this until ACTIVE. */
export const GET = route({ permission: "pitr", params: pitrJobParams }, async ({ params, config, aws }) => {
  const { job } = await requireJob(aws(), config, params.id);
  return json({ job: await refreshJob(aws(), config, job) });
});
