import { z } from "zod";
import { createS3Client } from "../../lib/aws/clients";
import { parseConfig } from "../../lib/config/load";
import { applyReplicaErasures, ledgerEntryOfKey } from "../../lib/erasure/replica-eraser";

/**
 * The replica eraser (docs/ERASURE.md, "The replica"), in the replica's account: the same
 * code as `npm run replica-erase`. EventBridge invokes it with S3's "Object Created" event
 * when a ledger entry replicates into the replica bucket (that entry is applied), and with
 * the daily schedule's event (every entry not yet applied is). The config is built in by
 * infra, with `region` the replica bucket's, and checked at the cold start.
 */
declare const LAZARUS_CONFIG_JSON: string;
const config = parseConfig(JSON.parse(LAZARUS_CONFIG_JSON), "the bundled lazarus.config.json");
const s3 = createS3Client({ region: config.region });

const objectCreated = z.object({
  "detail-type": z.literal("Object Created"),
  detail: z.object({ object: z.object({ key: z.string().max(1024) }) }),
});

export async function handler(event: unknown): Promise<{ due: number; applied: number; pending: number; remaining: number }> {
  const created = objectCreated.safeParse(event);
  let only: { service: string; keyHash: string }[] | undefined;
  if (created.success) {
    const entry = ledgerEntryOfKey(config, created.data.detail.object.key);
    // Aliases, re-check markers and anything else under the ledger folder are not entries.
    if (!entry) return { due: 0, applied: 0, pending: 0, remaining: 0 };
    only = [entry];
  }
  const result = await applyReplicaErasures(s3, config, only ? { only } : {});
  // Counts and the audit operation only: locations are in the audit entry.
  const summary = {
    due: result.due,
    applied: result.erasures.filter((e) => e.state === "applied").length,
    pending: result.pending.length,
    remaining: result.summary.remaining.length,
  };
  console.info(JSON.stringify({ message: "replica erasure", auditId: result.auditId, trigger: only ? "ledger entry" : "sweep", ...summary }));
  // Locked versions are expected and wait for a later sweep; anything else left is an error, so the alarm fires.
  if (summary.remaining > 0) throw new Error(`${summary.remaining} location(s) in the replica could not be erased; see audit operation ${result.auditId}`);
  return summary;
}
