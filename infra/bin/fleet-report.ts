import { loadConfig, parseConfig } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import { createLazarusApp } from "../lib/app-context";
import { CONSOLE_TIERS } from "../lib/console-tiers";
import { buildLazarus, resourceCount } from "../lib/lazarus-app";

/**
 * How the app splits a fleet: `npx tsx infra/bin/fleet-report.ts 1 40 200` builds the
 * configured services copied to each count (names suffixed -2, -3, ...; with
 * `--shared-failure-bucket`, S3 copies keep their service's bucket) and prints the
 * resources of every stack and the console's policies per tier with their estimated sizes.
 * Offline, no bundling: the same figures docs/INFRA.md quotes.
 */
function fleetOf(base: LazarusConfig, count: number, sharedFailureBucket: boolean): LazarusConfig {
  const services = Array.from({ length: count }, (_, i) => {
    const s = structuredClone(base.services[i % base.services.length]!);
    const copy = Math.floor(i / base.services.length);
    if (copy === 0) return s;
    const suffix = `-${copy + 1}`;
    const onFailure =
      s.onFailure.type === "sqs" ? { ...s.onFailure, queueName: `${s.onFailure.queueName}${suffix}` } : sharedFailureBucket ? s.onFailure : { ...s.onFailure, bucket: `${s.onFailure.bucket}${suffix}` };
    return { ...s, name: `${s.name}${suffix}`, table: { ...s.table, name: `${s.table.name}${suffix}` }, archiver: { ...s.archiver, functionName: `${s.archiver.functionName}${suffix}` }, onFailure };
  });
  return parseConfig({ ...base, services }, `${count} services`);
}

const args = process.argv.slice(2);
const shared = args.includes("--shared-failure-bucket");
const base = loadConfig();
for (const count of args.filter((a) => /^\d+$/.test(a)).map(Number)) {
  const app = createLazarusApp({ context: { "aws:cdk:bundling-stacks": [] } });
  const { foundation, archivers } = buildLazarus(app, fleetOf(base, count, shared));
  const counts = archivers.map(resourceCount);
  const tiers = CONSOLE_TIERS.map((tier) => {
    const policies = foundation.consolePolicies.tier(tier);
    return `${tier} ${policies.length} (${policies.map((p) => foundation.consolePolicies.estimatedSizes.get(p)).join("/")} chars)`;
  });
  console.log(
    `${count} services: foundation ${resourceCount(foundation)} resources; ${archivers.length} archivers stacks of ` +
      `${Math.min(...counts)}-${Math.max(...counts)} resources (${counts.reduce((a, b) => a + b, 0)} in all); console policies: ${tiers.join(", ")}`,
  );
}
