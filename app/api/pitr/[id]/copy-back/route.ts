import { HttpError } from "@/lib/http/error-response";
import { json, route } from "@/lib/http/route";
import { copyBack } from "@/lib/pitr/pitr-copy-back";
import { loadLatestCompareState, requireJob } from "@/lib/pitr/pitr-store";
import { copyBackBodySchema, pitrJobParams } from "@/lib/pitr/pitr-types";

/** Copies chosen items of a finished compare back into the live table, with conditional writes. */
export const POST = route({ permission: "pitr", params: pitrJobParams, body: copyBackBodySchema }, async ({ params, body, user, config, aws }) => {
  const { job, service } = await requireJob(aws(), config, params.id);
  const state = await loadLatestCompareState(aws().s3, config, job.id);
  if (!state) throw new HttpError(404, "compare-not-found", "This restore has not been compared with live yet.");
  return json({ result: await copyBack(aws(), config, service, job, state, body, user) });
});
