import { ErasedKeysByService, recordCallEvent } from "../../lib/attribution/record-calls";
import { createS3Client } from "../../lib/aws/clients";
import { parseConfig } from "../../lib/config/load";

/**
 * The attribution function (docs/ATTRIBUTION.md): EventBridge hands it one CloudTrail
 * data event for a delete-capable DynamoDB call at a time; it writes one attribution
 * record per key the call deleted in a protected table. The config is built into the
 * bundle by infra and checked at the cold start.
 */
declare const LAZARUS_CONFIG_JSON: string;
const config = parseConfig(JSON.parse(LAZARUS_CONFIG_JSON), "the bundled lazarus.config.json");
const s3 = createS3Client({ region: config.region });
// Kept across invocations: the ledger is listed at most once per cache period per service.
const erasures = new ErasedKeysByService(s3, config.archive);

export async function handler(event: unknown): Promise<{ keys: number; written: number; duplicates: number; erased: number }> {
  // An unreadable event or a failed write throws: Lambda retries it, then sends it to the dead-letter queue.
  const outcome = await recordCallEvent(s3, config, event, new Date(), erasures);
  // The event id, the call and counts only: never keys, which can be personal data.
  console.info(JSON.stringify({ message: "attributed", ...outcome }));
  return { keys: outcome.keys, written: outcome.written, duplicates: outcome.duplicates, erased: outcome.erased };
}
