import { parseArgs } from "node:util";
import { createDynamoDBClient, createS3Client } from "../lib/aws/clients";
import { ConfigError, findService, loadConfig } from "../lib/config/load";
import { formatDuration } from "../lib/drills/drill-report";
import { runDrill, SCHEDULE_ACTOR } from "../lib/drills/drill-run";

const USAGE = `Runs a restore drill of a service, as the scheduled drill function does: restores its
table into a scratch table, times it (RTO), compares item counts, checks a sample of
archived records, records the PITR window (RPO), deletes the scratch table, and stores the
report and audit entries (docs/DRILLS.md).

usage: npm run drill -- --service NAME      (--all: every service in drills.services)

The config is LAZARUS_CONFIG (default ./lazarus.config.json); AWS is AWS_ENDPOINT_URL when
set. Exits 1 when a drill failed, 2 on bad arguments.`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { service: { type: "string" }, all: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } }, strict: true }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  const names = values.all ? (config.drills?.services.map((d) => d.service) ?? []) : values.service ? [values.service] : fail("name a --service or --all");
  const clients = { s3: createS3Client({ region: config.region }), dynamodb: createDynamoDBClient({ region: config.region }) };
  let failed = 0;
  for (const name of names) {
    const service = findService(config, name) ?? fail(`there is no service "${name}" in the config`);
    const report = await runDrill(clients, config, service, { trigger: "schedule", actor: { ...SCHEDULE_ACTOR }, role: "admin" });
    console.log(
      `${name}: ${report.passed ? "passed" : "FAILED"}, RTO ${formatDuration(report.restore.rtoSeconds)}, RPO ${formatDuration(report.pitr.rpoSeconds)}, ` +
        `${report.sample.identical}/${report.sample.checked} sampled records identical, scratch table ${report.scratchTable.deleted ? "deleted" : "NOT deleted"} (drill ${report.id})`,
    );
    for (const reason of report.reasons) console.log(`  ${reason}`);
    if (!report.passed) failed++;
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `drill failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exit(1);
  },
);
