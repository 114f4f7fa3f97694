import { parseArgs } from "node:util";
import { z } from "zod";
import { sealAfterDays } from "../lib/archive/sealed-store";
import { ConfigError, configPath, loadConfigFile } from "../lib/config/load";
import type { LazarusConfig, KeyAttributeConfig } from "../lib/config/schema";
import { DEFAULT_SEAL_INTERVAL_MS } from "./local-stack/closed-day-sealer";
import { DEFAULT_MOTO_PORT, LocalStackError, startLocalStack, type LocalStack } from "./local-stack/local-stack";
import { MotoServerError } from "./local-stack/moto-server";
import { ProvisionError } from "./local-stack/provision";

/**
 * `npm run stack`: the local AWS stack for Lazarus, until Ctrl-C.
 *   --port <n>   moto_server's port (default LAZARUS_MOTO_PORT, else 4566)
 *   LAZARUS_CONFIG   the config file (default ./lazarus.config.json)
 */

const USAGE = `Usage: npm run stack -- [--port <port>]

Starts moto_server on 127.0.0.1, creates what lazarus.config.json names (or the file
LAZARUS_CONFIG names), and runs the stream mapping runner, the TTL sweeper and the
sealer of closed days (at start, then every ${DEFAULT_SEAL_INTERVAL_MS / 60_000} minutes) until Ctrl-C.
The port comes from --port, else LAZARUS_MOTO_PORT, else ${DEFAULT_MOTO_PORT}.`;

const portSchema = z.coerce
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(1, "must be between 1 and 65535")
  .max(65_535, "must be between 1 and 65535");

/** Long enough for a handler mid-batch to finish and moto_server to exit (it gets SIGKILL after 3 s). */
const STOP_TIMEOUT_MS = 15_000;

function readPort(flag: string | undefined): number {
  const [source, raw] = flag !== undefined ? ["--port", flag] : ["LAZARUS_MOTO_PORT", process.env.LAZARUS_MOTO_PORT?.trim()];
  if (raw === undefined || raw === "") return DEFAULT_MOTO_PORT;
  const parsed = portSchema.safeParse(raw);
  if (!parsed.success) throw new LocalStackError(`${source} "${raw}" ${parsed.error.issues[0]?.message ?? "is not a port"}`);
  return parsed.data;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function sampleKeyValue(attribute: KeyAttributeConfig, sample: { text: string; number: string }): Record<string, string> {
  if (attribute.type === "N") return { N: sample.number };
  if (attribute.type === "B") return { B: Buffer.from(sample.text).toString("base64") };
  return { S: sample.text };
}

function usageExample(config: LazarusConfig, endpoint: string): string {
  const service = config.services[0];
  if (!service) return "";
  const t = service.table;
  const key: Record<string, Record<string, string>> = {
    [t.partitionKey.name]: sampleKeyValue(t.partitionKey, { text: "demo-1", number: "1" }),
    ...(t.sortKey ? { [t.sortKey.name]: sampleKeyValue(t.sortKey, { text: "profile", number: "1" }) } : {}),
  };
  const item = { ...key, note: { S: "hello from the local stack" } };
  const sdkDelete =
    `import { DynamoDBClient, DeleteItemCommand } from "@aws-sdk/client-dynamodb"; ` +
    `await new DynamoDBClient({}).send(new DeleteItemCommand({ TableName: ${JSON.stringify(t.name)}, Key: ${JSON.stringify(key)} }));`;
  return [
    "Try it from another terminal in this directory:",
    "",
    `  export AWS_ENDPOINT_URL=${endpoint} AWS_REGION=${config.region} AWS_DEFAULT_REGION=${config.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`,
    `  aws dynamodb put-item --table-name ${shellQuote(t.name)} --item ${shellQuote(JSON.stringify(item))}`,
    `  aws dynamodb delete-item --table-name ${shellQuote(t.name)} --key ${shellQuote(JSON.stringify(key))}`,
    `  aws s3 ls --recursive s3://${config.archive.bucket}/${config.archive.prefix}${service.name}/`,
    "",
    "  # the same delete without the AWS CLI, through the SDK:",
    `  node --input-type=module -e ${shellQuote(sdkDelete)}`,
  ].join("\n");
}

function describeStack(stack: LocalStack): string {
  const lines = [
    "",
    `Lazarus local stack is up at ${stack.endpoint} (region ${stack.region})`,
    `  archive bucket  s3://${stack.provisioned.archiveBucket.name}/${stack.config.archive.prefix}`,
  ];
  for (const s of stack.provisioned.services) {
    const failure = s.onFailure.type === "sqs" ? `sqs:${s.onFailure.queueName}` : `s3://${s.onFailure.bucket}`;
    const ttl = s.table.ttlAttribute ? `TTL on "${s.table.ttlAttribute}"` : "no TTL";
    lines.push(`  ${s.service.padEnd(24)} table ${s.table.name}, ${ttl}, on failure ${failure}`);
  }
  lines.push(
    stack.sealer
      ? `  closed days (older than ${sealAfterDays(stack.config)} days) are sealed at start and every ${DEFAULT_SEAL_INTERVAL_MS / 60_000} minutes`
      : "  sealing is off",
  );
  lines.push("", usageExample(stack.config, stack.endpoint), "", "Ctrl-C stops everything.", "");
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = readPort(values.port);
  const config = loadConfigFile(configPath());
  const log = (message: string) => console.log(`${new Date().toISOString()} ${message}`);

  const stack = await startLocalStack({ config, port, log });
  console.log(describeStack(stack));

  let isStopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    // One Ctrl-C can arrive twice (from the terminal and relayed by tsx), so repeats are
    // ignored; a stop that hangs is cut short instead.
    if (isStopping) return;
    isStopping = true;
    log(`${signal}: stopping the local stack`);
    setTimeout(() => {
      console.error(`the local stack did not stop within ${STOP_TIMEOUT_MS / 1_000} s; exiting`);
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    await stack.stop();
    log("stopped");
    process.exit(0);
  };
  process.on("SIGINT", (s) => void shutdown(s));
  process.on("SIGTERM", (s) => void shutdown(s));
}

main().catch((e: unknown) => {
  const isBadArgument = e instanceof TypeError && "code" in e && String(e.code).startsWith("ERR_PARSE_ARGS");
  const isExpected =
    isBadArgument || e instanceof ConfigError || e instanceof LocalStackError || e instanceof MotoServerError || e instanceof ProvisionError;
  console.error(isExpected ? (e as Error).message : e);
  if (isBadArgument) console.error(`\n${USAGE}`);
  process.exit(1);
});
