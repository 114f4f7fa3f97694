import { z } from "zod";
import { createDynamoDBClient, createS3Client } from "../../lib/aws/clients";
import { parseConfig } from "../../lib/config/load";
import { scheduledDeliveryTargets } from "../../lib/alerts/webhook-secret";
import { runDrill, SCHEDULE_ACTOR } from "../../lib/drills/drill-run";

/**
 * The scheduled restore drill (docs/DRILLS.md): one EventBridge rule per drilled service
 * sends `{ "service": name }`. The config is built into the bundle by infra, and checked
 * at the cold start.
 */
declare const LAZARUS_CONFIG_JSON: string;
const config = parseConfig(JSON.parse(LAZARUS_CONFIG_JSON), "the bundled lazarus.config.json");
const clients = { s3: createS3Client({ region: config.region }), dynamodb: createDynamoDBClient({ region: config.region }) };

/** Kept back from the function's time to delete the scratch table, store the report and audit it. */
export const DRILL_TIME_RESERVE_MS = 2 * 60_000;

const eventSchema = z.object({ service: z.string().min(1).max(63) }).strict();

export interface DrillContext {
  getRemainingTimeInMillis(): number;
}

export async function handler(event: unknown, context: DrillContext) {
  const { service: name } = eventSchema.parse(event);
  const service = config.services.find((s) => s.name === name);
  if (!service) throw new Error(`service ${name} is not in the bundled config`);
  const report = await runDrill(clients, config, service, {
    trigger: "schedule",
    actor: { ...SCHEDULE_ACTOR },
    role: "admin",
    waitLimitMs: Math.max(0, context.getRemainingTimeInMillis() - DRILL_TIME_RESERVE_MS),
    alerting: "await",
    // The topic, and the webhook whose URL is read from Secrets Manager (never from the environment).
    alertTargets: () => scheduledDeliveryTargets(config),
  });
  // Measures and reasons only: reasons name attributes and archive keys, never values.
  console.info(JSON.stringify({ message: "restore drill", service: name, drillId: report.id, passed: report.passed, rtoSeconds: report.restore.rtoSeconds, rpoSeconds: report.pitr.rpoSeconds, reasons: report.reasons }));
  // A failed drill is an Errors datapoint, so the alarm on the function reaches people.
  if (!report.passed) throw new Error(`restore drill of ${name} failed: ${report.reasons.join("; ")}`);
  return { drillId: report.id, passed: report.passed };
}
