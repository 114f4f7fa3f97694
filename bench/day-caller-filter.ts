import pLimit from "p-limit";
import { createArchiverHandler } from "../lib/archive/archiver";
import { parseDay } from "../lib/archive/archive-reader";
import { ErasedKeysByService, recordCallEvent } from "../lib/attribution/record-calls";
import { createS3Client } from "../lib/aws/clients";
import { dayRecordsPage } from "../lib/http/day-records";
import { cloudTrailEventFor, type LocalPrincipal } from "../scripts/local-stack/cloudtrail-events";
import { BENCH_REGION as REGION, benchAttributionConfig } from "./attribution-fixture";
import { countRequests, table, timed, withMoto } from "./harness";
import { removeEvent } from "./stream-fixtures";

const SIZES = [500, 2_000];
const CONCURRENCY = 16;
const PAGE = 100;
const support: LocalPrincipal = { accountId: "111122223333", roleName: "bench-support", sessionName: "by-hand", sourceIp: "192.0.2.1", userAgent: "bench" };
const cleanup: LocalPrincipal = { accountId: "111122223333", roleName: "bench-cleanup", sessionName: "run-1", sourceIp: "192.0.2.2", userAgent: "bench" };
/** The clean-up role made the calls of this quarter hour of the bench's day; everything else is by hand or TTL. */
const FROM = Date.parse("2025-01-01T10:00:00Z");
const TO = Date.parse("2025-01-01T10:14:59Z");

/**
 * The day table filtered by a caller, read to the end of the day as the browser does (pages
 * of 100 rows), at two sizes of day: requests per page and in all, split into the archive's
 * LISTs and the attribution folder's.
 */
export async function benchDayCallerFilter(): Promise<string> {
  return withMoto(async () => {
    const rows: Record<string, string | number>[] = [];
    for (const size of SIZES) {
      const s3 = createS3Client({ region: REGION });
      const counter = countRequests(s3);
      let attributionLists = 0;
      s3.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === "ListObjectsV2Command" && (args.input as { Prefix?: string }).Prefix?.includes("_attribution/")) attributionLists += 1;
          return next(args);
        },
        { step: "initialize", name: "benchAttributionLists" },
      );
      const config = await benchAttributionConfig(s3, "bench-day-who");
      const stream = removeEvent(size, { days: 1 });
      const handler = createArchiverHandler({ s3, target: { bucket: config.archive.bucket, prefix: "", service: "bench-svc", table: "bench-contact", partitionKey: "PK", sortKey: "SK" } });
      for (let i = 0; i < stream.Records.length; i += 500) await handler({ Records: stream.Records.slice(i, i + 500) });
      let roleDeletions = 0;
      const events = stream.Records.flatMap((r) => {
        if (r.userIdentity) return [];
        const at = new Date(Number(r.dynamodb!.ApproximateCreationDateTime) * 1000);
        const isRole = at.getTime() >= FROM && at.getTime() <= TO;
        if (isRole) roleDeletions += 1;
        return [cloudTrailEventFor({ api: "DeleteItem", principal: isRole ? cleanup : support, at, region: REGION, deletes: [{ table: "bench-contact", key: { PK: r.dynamodb!.Keys!.PK!.S!, SK: "PROFILE" } }] })];
      });
      const limit = pLimit(CONCURRENCY);
      const erasures = new ErasedKeysByService(s3, config.archive);
      await Promise.all(events.map((e) => limit(() => recordCallEvent(s3, config, e, new Date(), erasures))));

      const service = config.services[0]!;
      const day = parseDay("2025-01-01");
      const principal = { value: "bench-cleanup", match: "equals" } as const;
      counter.reset();
      attributionLists = 0;
      let pages = 0;
      let shown = 0;
      let examined = 0;
      let cursor: string | undefined;
      const read = await timed(async () => {
        do {
          const page = await dayRecordsPage(s3, config, service, day, { limit: PAGE, principal, ...(cursor ? { cursor } : {}) });
          pages += 1;
          shown += page.entries.length;
          examined += page.callerFilter?.examined ?? 0;
          cursor = page.nextCursor;
        } while (cursor);
      });
      if (shown !== roleDeletions) throw new Error(`the filtered day table showed ${shown} of the role's ${roleDeletions} deletions`);
      const lists = counter.total("ListObjectsV2Command");
      const gets = counter.total("GetObjectCommand");
      console.log(`day caller filter: ${size} deletions, ${shown} by the role, ${pages} page(s), ${lists - attributionLists} archive + ${attributionLists} attribution LISTs, ${gets} GETs`);
      rows.push({
        "deletions that day (calls)": `${size.toLocaleString("en")} (${events.length.toLocaleString("en")})`,
        "role's rows (examined)": `${shown} (${examined})`,
        pages,
        "archive LISTs": lists - attributionLists,
        "attribution LISTs": attributionLists,
        GETs: gets,
        ms: Math.round(read.ms),
      });
    }
    return [
      "### Day table filtered by caller (`bench/day-caller-filter.ts`, `npm run bench -- day-caller-filter`)",
      "",
      `One service, one day; the role's calls in 10:00–10:14:59 UTC; read to the day's end in pages of ${PAGE} rows.`,
      "",
      table(rows),
    ].join("\n");
  });
}
