import { parseArgs } from "node:util";
import { createS3Client } from "../lib/aws/clients";
import { ConfigError, loadConfig } from "../lib/config/load";
import { applyReplicaErasures } from "../lib/erasure/replica-eraser";

const USAGE = `Applies the erasure ledger in the archive's replica (archive.secondCopy.replication):
removes from the replica bucket every version of each erased subject's records, as the
console's erasure did in the archive, and audits the run in the replica's own audit log.

usage: npm run replica-erase [-- --now ISO-TIME] [--all]

  --now ISO-TIME   judge settling by this time (a drill; an erasure also settles only once the
                   archive's re-check marker has replicated); Object Lock is judged by the real clock
  --all            apply entries already marked applied too (after an S3 Batch Replication)

Run it with the replica account's credentials. Deployed, the same code runs as the
Lambda function lazarus-replica-eraser (docs/ERASURE.md, "The replica"). The config is
LAZARUS_CONFIG (default ./lazarus.config.json); S3 is AWS_ENDPOINT_URL when set. Exits 1
when something could not be removed, 2 on bad arguments; locked versions are reported
pending and are not an error.`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function options(): { now: Date; all: boolean } {
  let values;
  try {
    ({ values } = parseArgs({
      options: { now: { type: "string" }, all: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const now = values.now === undefined ? new Date() : new Date(values.now);
  if (Number.isNaN(now.getTime())) fail(`--now must be an ISO 8601 time, got "${values.now}"`);
  return { now, all: values.all === true };
}

async function main(): Promise<number> {
  const { now, all } = options();
  const config = loadConfig();
  const region = config.archive.secondCopy.replication?.eraser?.region ?? config.region;
  const result = await applyReplicaErasures(createS3Client({ region }), config, { now, all });
  if (result.due === 0) {
    console.log("no erasure is due in the replica");
    return 0;
  }
  const { summary } = result;
  console.log(
    `applied ${result.due} erasure(s) in the replica (audit operation ${result.auditId}): ${summary.records} record(s) erased ` +
      `(${summary.objectVersionsRemoved} object version(s), ${summary.indexEntriesRemoved} index entry version(s), ${summary.sealedRecordsRemoved} sealed record(s), ` +
      `${summary.sealedVersionsRemoved} replaced sealed version(s), ${summary.failureCopyVersionsRemoved} failed-batch version(s))`,
  );
  for (const e of result.erasures) console.log(`  ${e.service} ${e.keyHash.slice(0, 16)}…: ${e.state}`);
  for (const p of result.pending) console.log(`  pending ${p.location}: ${p.reason}`);
  for (const { location, reason } of summary.remaining) console.log(`  not removed ${location}: ${reason}`);
  return summary.remaining.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `replica erasure failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exit(1);
  },
);
