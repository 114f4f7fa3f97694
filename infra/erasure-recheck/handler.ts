import { createS3Client } from "../../lib/aws/clients";
import { parseConfig } from "../../lib/config/load";
import { recheckErasures } from "../../lib/erasure/erasure-recheck";

/**
 * The scheduled erasure re-check (docs/ERASURE.md, "Redelivery"): the same code as
 * `npm run erasure-recheck`. The config is built into the bundle by infra (it is
 * larger than Lambda's environment allows), and checked at the cold start.
 */
declare const LAZARUS_CONFIG_JSON: string;
const config = parseConfig(JSON.parse(LAZARUS_CONFIG_JSON), "the bundled lazarus.config.json");
const s3 = createS3Client({ region: config.region });

export async function handler(): Promise<{ due: number; recordsRemoved: number; sealedRecordsRemoved: number; attributionRecordsRemoved: number; remaining: number }> {
  const result = await recheckErasures(s3, config);
  // Counts and the audit operation only: locations are in the audit entry.
  const summary = {
    due: result.due,
    recordsRemoved: result.recordsRemoved,
    sealedRecordsRemoved: result.sealedRecordsRemoved,
    attributionRecordsRemoved: result.attributionRecordsRemoved,
    remaining: result.remaining.length,
  };
  console.info(JSON.stringify({ message: "erasure re-check", auditId: result.auditId, ...summary }));
  // A failed run is retried by the next schedule; raising makes it an Errors metric.
  if (result.remaining.length > 0) throw new Error(`${result.remaining.length} location(s) could not be cleaned; see audit operation ${result.auditId}`);
  return summary;
}
