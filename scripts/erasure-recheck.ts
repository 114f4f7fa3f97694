import { parseArgs } from "node:util";
import { createS3Client } from "../lib/aws/clients";
import { ConfigError, loadConfig } from "../lib/config/load";
import { recheckErasures } from "../lib/erasure/erasure-recheck";

const USAGE = `Re-checks erasures whose window is over: removes any of the erased keys' records that
an archiver or an on-failure destination wrote after the erasure, and audits the run.

usage: npm run erasure-recheck [-- --now ISO-TIME]

  --now ISO-TIME   treat this as the current time (to re-check ahead, e.g. in a drill)

Run it on a schedule (hourly is plenty): an erasure becomes due once the archiver's
ledger cache window, its timeout and the mapping's maximum record age have passed, and
is re-checked once. The config is LAZARUS_CONFIG (default ./lazarus.config.json); S3 is
AWS_ENDPOINT_URL when set. Exits 1 when something could not be removed, 2 on bad arguments.`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function options(): { now: Date } {
  let values;
  try {
    ({ values } = parseArgs({ options: { now: { type: "string" }, help: { type: "boolean", short: "h", default: false } }, strict: true, allowPositionals: false }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const now = values.now === undefined ? new Date() : new Date(values.now);
  if (Number.isNaN(now.getTime())) fail(`--now must be an ISO 8601 time, got "${values.now}"`);
  return { now };
}

async function main(): Promise<number> {
  const { now } = options();
  const config = loadConfig();
  const result = await recheckErasures(createS3Client({ region: config.region }), config, { now });
  if (result.due === 0) {
    console.log("no erasure is due for a re-check");
    return 0;
  }
  console.log(
    `re-checked ${result.due} erasure(s) (audit operation ${result.auditId}): ${result.recordsRemoved} record(s) archived after an erasure removed ` +
      `(${result.objectVersionsRemoved} object version(s), ${result.indexEntriesRemoved} index entry version(s)), ` +
      `${result.sealedRecordsRemoved} sealed since (${result.bundlesRewritten} bundle part(s) rewritten), ` +
      `${result.attributionRecordsRemoved} attribution record(s), ` +
      `${result.failureCopiesRewritten + result.failureCopiesDeleted} failed batch(es) cleaned`,
  );
  for (const { location, reason } of result.remaining) console.log(`  not removed ${location}: ${reason}`);
  return result.remaining.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `erasure re-check failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exit(1);
  },
);
