import { parseArgs } from "node:util";
import { createS3Client } from "../lib/aws/clients";
import { ConfigError, loadConfig } from "../lib/config/load";
import type { ServiceConfig } from "../lib/config/schema";
import { selectServices, SERVICE_OPTIONS } from "./service-selection";
import { rebuildIndex, DEFAULT_REINDEX_CONCURRENCY, type ReindexReport } from "../lib/archive/reindex";

const USAGE = `Rebuilds the by-key index of the archive from the archive objects.

usage: npm run reindex -- (--service NAME ... | --all) [--dry-run] [--prune] [--concurrency N]

  --service NAME   a service from the config (repeatable)
  --all            every configured service
  --dry-run        read and count only; write and delete nothing
  --prune          also delete index entries whose archive object no longer exists
  --concurrency N  archive objects read at once (default ${DEFAULT_REINDEX_CONCURRENCY})

The config is LAZARUS_CONFIG (default ./lazarus.config.json); S3 is AWS_ENDPOINT_URL when set.
Exits 1 when any object could not be indexed, 2 on bad arguments.`;

const MAX_LISTED_PROBLEMS = 20;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function chooseServices(): { services: ServiceConfig[]; dryRun: boolean; prune: boolean; concurrency: number } {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        ...SERVICE_OPTIONS,
        "dry-run": { type: "boolean", default: false },
        prune: { type: "boolean", default: false },
        concurrency: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const services = selectServices(loadConfig(), values, fail);
  const concurrency = values.concurrency === undefined ? DEFAULT_REINDEX_CONCURRENCY : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) fail(`--concurrency must be a positive integer, got "${values.concurrency}"`);
  return { services, dryRun: values["dry-run"], prune: values.prune, concurrency };
}

function summarize(report: ReindexReport): string {
  const verb = report.dryRun ? "would create" : "created";
  const lines = [
    `${report.service}: ${report.scanned} objects scanned, ${report.created} index entries ${verb}, ${report.alreadyPresent} already present, ` +
      `${report.pruned} orphan entries ${report.dryRun ? "would be pruned" : "pruned"}, ${report.skipped.length} skipped, ${report.errors.length} errors ` +
      `(requests: ${report.requests.list} LIST, ${report.requests.get} GET, ${report.requests.put} PUT, ${report.requests.delete} DELETE)`,
  ];
  for (const { key, reason } of report.skipped.slice(0, MAX_LISTED_PROBLEMS)) lines.push(`  skipped ${key}: ${reason}`);
  for (const { key, message } of report.errors.slice(0, MAX_LISTED_PROBLEMS)) lines.push(`  error   ${key}: ${message}`);
  const hidden = Math.max(0, report.skipped.length - MAX_LISTED_PROBLEMS) + Math.max(0, report.errors.length - MAX_LISTED_PROBLEMS);
  if (hidden > 0) lines.push(`  ... and ${hidden} more`);
  return lines.join("\n");
}

async function main(): Promise<number> {
  const { services, ...options } = chooseServices();
  const config = loadConfig();
  const s3 = createS3Client({ region: config.region });
  let errors = 0;
  for (const service of services) {
    const report = await rebuildIndex(s3, config, service, options);
    console.log(summarize(report));
    errors += report.errors.length;
  }
  return errors > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `reindex failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exit(1);
  },
);
