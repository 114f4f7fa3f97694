import pLimit from "p-limit";
import { createArchiverHandler } from "../lib/archive/archiver";
import { listDayRecords } from "../lib/archive/archive-reader";
import { deletedByForDay } from "../lib/attribution/day-attribution";
import { attributeDeletion } from "../lib/attribution/join";
import { ErasedKeysByService, recordCallEvent } from "../lib/attribution/record-calls";
import { createS3Client } from "../lib/aws/clients";
import { cloudTrailEventFor, type LocalPrincipal } from "../scripts/local-stack/cloudtrail-events";
import { BENCH_REGION as REGION, benchAttributionConfig } from "./attribution-fixture";
import { countRequests, table, timed, withMoto } from "./harness";
import { removeEvent } from "./stream-fixtures";

const EVENTS = 10_000;
/** Concurrent invocations of the function, as Lambda would run them for a burst of calls. */
const CONCURRENCY = 16;
const DAY_PAGE = 100;
const principal: LocalPrincipal = { accountId: "111122223333", roleName: "bench-role", sessionName: "bench", sourceIp: "192.0.2.1", userAgent: "bench" };

/**
 * The attribution function's throughput for EVENTS DeleteItem events (one record each),
 * and what the join costs the record page and a day table page.
 */
export async function benchAttribution(): Promise<string> {
  return withMoto(async () => {
    const s3 = createS3Client({ region: REGION });
    const counter = countRequests(s3);
    const config = await benchAttributionConfig(s3, "bench-attr");
    const bucket = config.archive.bucket;
    // One day of deletions, archived by the real archiver, and a call for each.
    const stream = removeEvent(EVENTS, { days: 1, pkOf: (i) => `CONTACT#${String(i).padStart(7, "0")}` });
    const events = stream.Records.map((r) =>
      cloudTrailEventFor({
        api: "DeleteItem",
        principal,
        at: new Date(Number(r.dynamodb!.ApproximateCreationDateTime) * 1000),
        region: REGION,
        deletes: [{ table: "bench-contact", key: { PK: r.dynamodb!.Keys!.PK!.S!, SK: r.dynamodb!.Keys!.SK!.S! } }],
      }),
    );
    const limit = pLimit(CONCURRENCY);
    // As in the function: one ledger cache for the instance, listed once per cache period.
    const erasures = new ErasedKeysByService(s3, config.archive);
    counter.reset();
    const run = await timed(() => Promise.all(events.map((e) => limit(() => recordCallEvent(s3, config, e, new Date(), erasures)))));
    const puts = counter.total("PutObjectCommand");
    // Printed at once: on a loaded machine the rest can take as long again.
    console.log(`attribution: ${EVENTS} events in ${(run.ms / 1000).toFixed(1)} s, ${Math.round(EVENTS / (run.ms / 1000))}/s, ${(puts / EVENTS).toFixed(2)} PUTs per event`);
    const redelivered = await timed(() => Promise.all(events.slice(0, 1_000).map((e) => limit(() => recordCallEvent(s3, config, e, new Date(), erasures)))));
    console.log(`attribution: 1,000 redelivered events in ${(redelivered.ms / 1000).toFixed(1)} s`);

    const handler = createArchiverHandler({ s3, target: { bucket, prefix: "", service: "bench-svc", table: "bench-contact", partitionKey: "PK", sortKey: "SK" } });
    // The first records of the day are enough for a record page and a day page of DAY_PAGE rows.
    await handler({ Records: stream.Records.slice(0, 1_000) });
    const service = config.services[0]!;
    const first = stream.Records[0]!.dynamodb!;
    const deletedAt = new Date(Number(first.ApproximateCreationDateTime) * 1000);
    const day = { year: deletedAt.getUTCFullYear(), month: deletedAt.getUTCMonth() + 1, day: deletedAt.getUTCDate() };

    counter.reset();
    const found = await attributeDeletion(s3, config.archive, config.attribution, {
      service: "bench-svc",
      table: "bench-contact",
      key: { partitionKey: { S: first.Keys!.PK!.S! }, sortKey: { S: first.Keys!.SK!.S! } },
      deletedAt,
      deletionType: "manual",
    });
    if (found.state !== "found") throw new Error(`the record page's join found nothing: ${found.state}`);
    const recordPage = { lists: counter.total("ListObjectsV2Command"), gets: counter.total("GetObjectCommand") };

    const page = await listDayRecords(s3, config, service, day, { limit: DAY_PAGE });
    counter.reset();
    const cells = await deletedByForDay(s3, config, service, day, page.entries);
    const dayPage = { lists: counter.total("ListObjectsV2Command"), gets: counter.total("GetObjectCommand") };
    const named = [...cells.values()].filter((c) => c.state === "found").length;

    return [
      `### Attribution (${EVENTS.toLocaleString("en")} DeleteItem events, ${CONCURRENCY} at a time)`,
      "",
      table([
        { measure: "events recorded per second", value: Math.round(EVENTS / (run.ms / 1000)) },
        { measure: "wall time for 10,000 events (s)", value: (run.ms / 1000).toFixed(1) },
        { measure: "PUTs per event", value: (puts / EVENTS).toFixed(2) },
        { measure: "1,000 redelivered events (s, nothing rewritten)", value: (redelivered.ms / 1000).toFixed(1) },
        { measure: "record page: extra LISTs + GETs", value: `${recordPage.lists} + ${recordPage.gets}` },
        { measure: `day page of ${DAY_PAGE} rows (day of ${EVENTS.toLocaleString("en")} calls): extra LISTs + GETs`, value: `${dayPage.lists} + ${dayPage.gets}` },
        { measure: `day page rows with a caller`, value: `${named} of ${page.entries.length}` },
      ]),
    ].join("\n");
  });
}
