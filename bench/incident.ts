import pLimit from "p-limit";
import { createArchiverHandler } from "../lib/archive/archiver";
import { ErasedKeysByService, recordCallEvent } from "../lib/attribution/record-calls";
import { createS3Client } from "../lib/aws/clients";
import { incidentQuerySchema } from "../lib/incidents/incident-params";
import { queryIncident } from "../lib/incidents/incident-query";
import { cloudTrailEventFor, type LocalPrincipal } from "../scripts/local-stack/cloudtrail-events";
import { BENCH_REGION as REGION, benchAttributionConfig } from "./attribution-fixture";
import { countRequests, table, timed, withMoto } from "./harness";
import { removeEvent } from "./stream-fixtures";

const SIZES = [500, 2_000];
const CONCURRENCY = 16;
const support: LocalPrincipal = { accountId: "111122223333", roleName: "bench-support", sessionName: "by-hand", sourceIp: "192.0.2.1", userAgent: "bench" };
const cleanup: LocalPrincipal = { accountId: "111122223333", roleName: "bench-cleanup", sessionName: "run-1", sourceIp: "192.0.2.2", userAgent: "bench" };
/** The incident: the clean-up role's deletes in this quarter hour of the bench's day; everything else is by hand or TTL. */
const FROM = "2025-01-01T10:00";
const TO = "2025-01-01T10:14";

/**
 * The incident view's requests for one day of a service at two sizes: the callers seen
 * in a window, then one role's deletions in it. Reads cost per day (one LIST per 1,000
 * names of the day's attribution folder and archive folder), never per record.
 */
export async function benchIncident(): Promise<string> {
  return withMoto(async () => {
    const rows: Record<string, string | number>[] = [];
    for (const size of SIZES) {
      const s3 = createS3Client({ region: REGION });
      const counter = countRequests(s3);
      const config = await benchAttributionConfig(s3, "bench-incident");
      const bucket = config.archive.bucket;
      const stream = removeEvent(size, { days: 1 });
      const handler = createArchiverHandler({ s3, target: { bucket, prefix: "", service: "bench-svc", table: "bench-contact", partitionKey: "PK", sortKey: "SK" } });
      for (let i = 0; i < stream.Records.length; i += 500) await handler({ Records: stream.Records.slice(i, i + 500) });
      const window = incidentQuerySchema.parse({ from: FROM, to: TO });
      const start = Date.parse(`${FROM}:00Z`);
      const end = Date.parse(`${TO}:59Z`);
      let inWindow = 0;
      const events = stream.Records.flatMap((r) => {
        if (r.userIdentity) return [];
        const at = new Date(Number(r.dynamodb!.ApproximateCreationDateTime) * 1000);
        const isIncident = at.getTime() >= start && at.getTime() <= end;
        if (isIncident) inWindow += 1;
        return [cloudTrailEventFor({ api: "DeleteItem", principal: isIncident ? cleanup : support, at, region: REGION, deletes: [{ table: "bench-contact", key: { PK: r.dynamodb!.Keys!.PK!.S!, SK: "PROFILE" } }] })];
      });
      const limit = pLimit(CONCURRENCY);
      const erasures = new ErasedKeysByService(s3, config.archive);
      await Promise.all(events.map((e) => limit(() => recordCallEvent(s3, config, e, new Date(), erasures))));

      counter.reset();
      const seen = await timed(() => queryIncident(s3, config, window));
      const seenRequests = { lists: counter.total("ListObjectsV2Command"), gets: counter.total("GetObjectCommand") };
      counter.reset();
      const byRole = await timed(() => queryIncident(s3, config, { ...window, who: "role:bench-cleanup" }));
      const roleRequests = { lists: counter.total("ListObjectsV2Command"), gets: counter.total("GetObjectCommand") };
      if (byRole.result.records.length !== inWindow) throw new Error(`the incident view found ${byRole.result.records.length} of the role's ${inWindow} deletions`);
      console.log(`incident: ${size} deletions, ${inWindow} by the role in the window, callers ${seenRequests.lists}+${seenRequests.gets}, role ${roleRequests.lists}+${roleRequests.gets}`);
      rows.push({
        "deletions that day (calls)": `${size.toLocaleString("en")} (${events.length.toLocaleString("en")})`,
        "role's deletions in the window": inWindow,
        "callers seen: LISTs + GETs": `${seenRequests.lists} + ${seenRequests.gets}`,
        "callers seen: ms": Math.round(seen.ms),
        "role's records: LISTs + GETs": `${roleRequests.lists} + ${roleRequests.gets}`,
        "role's records: ms": Math.round(byRole.ms),
      });
    }
    return [`### Incident view (\`bench/incident.ts\`, \`npm run bench -- incident\`)`, "", `One service, one day, window ${FROM}–${TO.slice(11)} UTC.`, "", table(rows)].join("\n");
  });
}
