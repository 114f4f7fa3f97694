import { parseArgs } from "node:util";
import { parseDay } from "../lib/archive/archive-input";
import { sealServices } from "../lib/archive/seal-run";
import { sealDay, SealRefusedError, type DaySealReport } from "../lib/archive/sealer";
import { createS3Client } from "../lib/aws/clients";
import { ConfigError, loadConfig } from "../lib/config/load";
import type { ServiceConfig } from "../lib/config/schema";
import { selectServices, SERVICE_OPTIONS } from "./service-selection";

const USAGE = `Seals closed days of the archive: each day's records go into gzip bundles with a
paged manifest, and the per-record objects are removed once the bundles read back.

usage: npm run seal -- (--service NAME ... | --all) [--date YYYY-MM-DD]

  --service NAME   a service from the config (repeatable)
  --all            every configured service
  --date DAY       seal this day only (it must be at least 2 days old); without it, every
                   day older than seal.afterDays that still holds per-record objects

The config is LAZARUS_CONFIG (default ./lazarus.config.json); S3 is AWS_ENDPOINT_URL when set.
Without --date, a service that cannot be listed does not stop the others, and each service
whose oldest due day is still unsealed afterwards gets a "seal lag" line.
Exits 1 when a day or a service could not be sealed (a damaged manifest, a refused delete),
2 on bad arguments.`;

const MAX_LISTED_PROBLEMS = 20;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function parse(): { services: ServiceConfig[]; date?: string } {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        ...SERVICE_OPTIONS,
        date: { type: "string" },
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
  return { services, ...(values.date !== undefined ? { date: values.date } : {}) };
}

function describe(report: DaySealReport): string {
  const r = report.requests;
  const lines = [
    `${report.service} ${report.date}: ${report.outcome}, ${report.records} records sealed in all, ${report.newlySealed} newly, ` +
      `${report.duplicatesRemoved} duplicates removed, ${report.objectVersionsDeleted} object versions deleted ` +
      `(requests: ${r.list} LIST, ${r.get} GET, ${r.put} PUT, ${r.delete} DELETE)`,
  ];
  if (report.problem) lines.push(`  problem: ${report.problem}`);
  for (const { key, reason } of report.leftInPlace.slice(0, MAX_LISTED_PROBLEMS)) lines.push(`  left as an object ${key}: ${reason}`);
  if (report.leftInPlace.length > MAX_LISTED_PROBLEMS) lines.push(`  ... and ${report.leftInPlace.length - MAX_LISTED_PROBLEMS} more`);
  return lines.join("\n");
}

async function main(): Promise<number> {
  const { services, date } = parse();
  const config = loadConfig();
  const s3 = createS3Client({ region: config.region });
  let failed = 0;
  if (date !== undefined) {
    for (const service of services) {
      const report = await sealDay(s3, config, service, parseDay(date));
      console.log(describe(report));
      if (report.outcome === "failed") failed += 1;
    }
    return failed > 0 ? 1 : 0;
  }
  // The same run as the scheduled sealing function's.
  const run = await sealServices(s3, config, services);
  for (const outcome of run.services) {
    if (outcome.error !== undefined) {
      console.error(`${outcome.service}: could not be sealed: ${outcome.error}`);
      failed += 1;
      continue;
    }
    const reports = outcome.report?.days ?? [];
    if (reports.length === 0) console.log(`${outcome.service}: no day to seal`);
    for (const report of reports) {
      console.log(describe(report));
      if (report.outcome === "failed") failed += 1;
    }
    if (outcome.lagDays) console.log(`${outcome.service}: seal lag ${outcome.lagDays} days (oldest unsealed day ${outcome.oldestUnsealed})`);
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof SealRefusedError || (error instanceof Error && error.name === "ArchiveInputError");
    console.error(known ? (error as Error).message : `seal failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exit(1);
  },
);
