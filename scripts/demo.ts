import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import {
  createDynamoDBClient,
  createDynamoDBStreamsClient,
  createIamClient,
  createLambdaClient,
  createS3Client,
  createSqsClient,
} from "../lib/aws/clients";
import { ConfigError, configPath, loadConfigFile } from "../lib/config/load";
import type { LazarusConfig } from "../lib/config/schema";
import { localConsoleEnvironment, type LocalConsoleSettings } from "./demo/console-env";
import { LocalIdpError, startLocalIdp } from "./local-idp/local-idp";
import { LOCAL_IDP_USERS } from "./local-idp/users";
import { DEMO_LOGINS, DEMO_SECOND_LOGINS, DEFAULT_DEMO_PASSWORD, EXPIRING_SOON, WALKTHROUGH, walkthroughDeletedAt, type WalkthroughRecord } from "./demo/fixtures";
import { DemoConfigError, type DemoScale } from "./demo/history";
import { assertPortFree, buildConsole, ConsoleServerError, staleBuildReason, startConsole, stopBuild, type ConsoleServer } from "./demo/next-server";
import { seedDemo, type SeedReport } from "./demo/seed";
import { startAlertReceiver } from "./demo/alert-receiver";
import { ALERT_WEBHOOK_ENV } from "../lib/alerts/alert-delivery";
import { sealClosedDays } from "./local-stack/closed-day-sealer";
import { DEFAULT_MOTO_PORT, LocalStackError, startLocalStack } from "./local-stack/local-stack";
import { freePort, MotoServerError } from "./local-stack/moto-server";
import { ProvisionError, provisionLocalStack } from "./local-stack/provision";

/**
 * `npm run demo`: the local stack, a seeded history, and the console on
 * http://localhost:3000 with a demo user per role, until Ctrl-C. See docs/DEMO.md.
 */

const USAGE = `Usage: npm run demo -- [options]

Starts the local AWS stack (moto_server, stream mapping runner, TTL sweeper), seeds it
with months of deletions, builds the console and serves it with demo sign-in, until Ctrl-C.

  --port <n>          the console's port (default PORT, else 3000)
  --host <address>    the address the console listens on (default 127.0.0.1)
  --moto-port <n>     moto_server's port (default LAZARUS_MOTO_PORT, else ${DEFAULT_MOTO_PORT}; 0 = any free port)
  --scale small|full  small: ~330 deletions (default); full: ~3,200, slow to seal on moto_server
  --skip-build        reuse the build in .next when no source file is newer than it
  --sso               also start a local OpenID Connect provider and offer single sign-on
                      through it, as production does (the demo users stay)
  --idp-port <n>      the local provider's port with --sso (default 3001)
  --seed-only         seed, print what was seeded, stop everything and exit
  --endpoint <url>    seed a local stack that is already running (npm run stack) instead of
                      starting one; the demo then starts no moto_server, runner or sweeper
  --alerts-webhook    send the console's alerts to a local webhook receiver that prints
                      them in this log (docs/ALERTS.md)
  --now <time>        seed and seal as of this UTC time (ISO 8601, not in the future;
                      default: the current time), so a history can be seeded again alike

Environment: LAZARUS_CONFIG (default ./lazarus.config.json), LAZARUS_DEMO_PASSWORD
(default "${DEFAULT_DEMO_PASSWORD}").`;

/** Long enough for Next, the runner and moto_server to stop; a hang is cut off. */
const STOP_TIMEOUT_MS = 20_000;
const DEFAULT_CONSOLE_PORT = 3000;
const DEFAULT_IDP_PORT = 3001;
const SSO_NAME = "Local SSO";

const portSchema = (min: number) =>
  z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(min, `must be between ${min} and 65535`).max(65_535, `must be between ${min} and 65535`);

class DemoArgumentError extends Error {
  override name = "DemoArgumentError";
}

interface DemoOptions {
  port: number;
  host: string;
  motoPort: number;
  scale: DemoScale;
  skipBuild: boolean;
  alertsWebhook: boolean;
  sso: boolean;
  idpPort: number;
  seedOnly: boolean;
  endpoint?: string;
  /** The moment the seeded history is relative to. */
  now: Date;
}

function readPort(flag: string, flagValue: string | undefined, envName: string, fallback: number, min: number): number {
  const [source, raw] = flagValue !== undefined ? [flag, flagValue] : [envName, process.env[envName]?.trim()];
  if (raw === undefined || raw === "") return fallback;
  const parsed = portSchema(min).safeParse(raw);
  if (!parsed.success) throw new DemoArgumentError(`${source} "${raw}" ${parsed.error.issues[0]?.message ?? "is not a port"}`);
  return parsed.data;
}

/** The demo writes data and serves known passwords: only ever against a local endpoint. */
function readEndpoint(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DemoArgumentError(`--endpoint "${raw}" is not a URL`);
  }
  if (!/^https?:$/.test(url.protocol) || !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
    throw new DemoArgumentError(`--endpoint must be a local stack on this machine (http://127.0.0.1:<port>), not ${raw}`);
  }
  return url.origin;
}

function readOptions(): DemoOptions | undefined {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "moto-port": { type: "string" },
      scale: { type: "string" },
      "skip-build": { type: "boolean", default: false },
      sso: { type: "boolean", default: false },
      "idp-port": { type: "string" },
      "seed-only": { type: "boolean", default: false },
      endpoint: { type: "string" },
      "alerts-webhook": { type: "boolean", default: false },
      now: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const scale = z.enum(["small", "full"]).safeParse(values.scale ?? "small");
  if (!scale.success) throw new DemoArgumentError(`--scale must be small or full, not "${values.scale}"`);
  const endpoint = readEndpoint(values.endpoint);
  if (endpoint && values["moto-port"] !== undefined) throw new DemoArgumentError("--endpoint and --moto-port exclude each other");
  return {
    port: readPort("--port", values.port, "PORT", DEFAULT_CONSOLE_PORT, 1),
    host: values.host ?? "127.0.0.1",
    motoPort: readPort("--moto-port", values["moto-port"], "LAZARUS_MOTO_PORT", DEFAULT_MOTO_PORT, 0),
    scale: scale.data,
    skipBuild: values["skip-build"],
    sso: values.sso,
    idpPort: readPort("--idp-port", values["idp-port"], "LAZARUS_IDP_PORT", DEFAULT_IDP_PORT, 1),
    seedOnly: values["seed-only"],
    alertsWebhook: values["alerts-webhook"],
    now: readNow(values.now),
    ...(endpoint ? { endpoint } : {}),
  };
}

/** A seeded history in the future would show deletions that have not happened. */
function readNow(raw: string | undefined): Date {
  const current = new Date();
  if (raw === undefined) return current;
  const parsed = z.iso.datetime({ offset: true }).safeParse(raw);
  if (!parsed.success) throw new DemoArgumentError(`--now must be a UTC date and time such as 2026-12-07T23:59:00Z, not "${raw}"`);
  const now = new Date(parsed.data);
  if (now.getTime() > current.getTime()) throw new DemoArgumentError(`--now must not be in the future: ${raw} is after ${current.toISOString()}`);
  return now;
}

const log = (message: string) => console.log(`${new Date().toISOString()} ${message}`);

/** What was started, stopped last-first; each stop runs once. */
const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
let isStopping = false;

async function shutdown(exitCode: number, reason?: string): Promise<never> {
  if (!isStopping) {
    isStopping = true;
    if (reason) log(reason);
    setTimeout(() => {
      console.error(`the demo did not stop within ${STOP_TIMEOUT_MS / 1_000} s; exiting`);
      process.exit(exitCode || 1);
    }, STOP_TIMEOUT_MS).unref();
    await stopBuild();
    for (const { name, stop } of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (e) {
        console.error(`while stopping ${name}: ${(e as Error).message}`);
      }
    }
    process.exit(exitCode);
  }
  // A second signal, or a failure while stopping: the first shutdown finishes the job.
  return new Promise<never>(() => {});
}

function clientsFor(config: LazarusConfig, endpoint: string) {
  const options = { region: config.region, endpoint };
  return {
    s3: createS3Client(options),
    dynamodb: createDynamoDBClient(options),
    streams: createDynamoDBStreamsClient(options),
    sqs: createSqsClient(options),
    lambda: createLambdaClient(options),
    iam: createIamClient(options),
  };
}

/** Starts (or, with --endpoint, joins) the local stack; returns its endpoint. */
async function startStack(config: LazarusConfig, options: DemoOptions): Promise<string> {
  if (options.endpoint) {
    const clients = clientsFor(config, options.endpoint);
    try {
      await provisionLocalStack(config, clients, { log });
    } finally {
      Object.values(clients).forEach((c) => c.destroy());
    }
    log(`using the local stack at ${options.endpoint}`);
    return options.endpoint;
  }
  // moto_server needs a real port on its command line; 0 means "pick one" here.
  const port = options.motoPort === 0 ? await freePort() : options.motoPort;
  await assertPortFree("127.0.0.1", port, "--moto-port or LAZARUS_MOTO_PORT");
  const stack = await startLocalStack({ config, port, log });
  stops.push({ name: "the local stack", stop: () => stack.stop() });
  // Its first sealing run finds an empty archive; waiting for it keeps it out of the seed's way.
  await stack.sealer?.firstRun;
  return stack.endpoint;
}

async function seed(config: LazarusConfig, endpoint: string, scale: DemoScale, now: Date): Promise<SeedReport> {
  const clients = clientsFor(config, endpoint);
  try {
    log(`seeding the demo history (${scale} scale)`);
    // The same sealing the local stack runs on its timer, done now so the console opens on sealed and open days.
    const report = await seedDemo({ config, clients, scale, now, log, seal: () => sealClosedDays(clients.s3, config, { now, log }) });
    const a = report.archive;
    log(
      `seeded in ${(report.durationMs / 1_000).toFixed(1)} s: ${a.deletions} deletions (${a.ttl} TTL, ${a.manual} manual) ` +
        `from ${a.oldest.slice(0, 10)} to ${a.newest.slice(0, 10)}, ${a.glacier} in GLACIER; ${report.sealed?.days ?? 0} closed days sealed`,
    );
    return report;
  } finally {
    Object.values(clients).forEach((c) => c.destroy());
  }
}

/** The local OpenID Connect provider, with this console as its one client. */
async function startSso(options: DemoOptions, publicUrl: string): Promise<NonNullable<LocalConsoleSettings["oidc"]>> {
  await assertPortFree("127.0.0.1", options.idpPort, "--idp-port or LAZARUS_IDP_PORT");
  const client = { clientId: "lazarus-demo", clientSecret: randomBytes(24).toString("base64url") };
  log(`starting the local OpenID Connect provider on 127.0.0.1:${options.idpPort}`);
  const idp = await startLocalIdp({
    port: options.idpPort,
    clients: [{ ...client, redirectUris: [`${publicUrl}/api/auth/callback/oidc`], postLogoutRedirectUris: [`${publicUrl}/signin`] }],
    write: console.log,
  });
  stops.push({ name: "the local OpenID Connect provider", stop: () => idp.stop() });
  // The provider serves the `groups` claim under its own scope, as Okta does.
  return { issuer: idp.issuer, ...client, scopes: "groups", name: SSO_NAME };
}

function ssoBanner(options: DemoOptions): string[] {
  if (!options.sso) return [];
  return [
    "",
    `Or "Sign in with ${SSO_NAME}" (the local provider on http://127.0.0.1:${options.idpPort}; any password):`,
    ...LOCAL_IDP_USERS.map((u) => `  ${u.id.padEnd(6)} ${u.email.padEnd(24)} ${u.groups.length > 0 ? u.groups.join(", ") : "(no groups)"}`),
  ];
}

function describeKey(record: WalkthroughRecord): string {
  return record.sortKey ? `${record.partitionKey} / ${record.sortKey}` : record.partitionKey;
}

function banner(server: ConsoleServer, options: DemoOptions, endpoint: string, password: string, seededAt: Date): string {
  const url = `http://localhost:${options.port}`;
  const when = (record: WalkthroughRecord) => {
    const last = record.deletions.at(-1) as WalkthroughRecord["deletions"][number];
    const at = walkthroughDeletedAt(last, seededAt);
    return `${last.deletionType === "ttl" ? "TTL" : "manual"}, ${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  };
  const rows: [WalkthroughRecord, string][] = [
    [WALKTHROUGH.restorable, "gone from the table: sign in as support, find it, restore it"],
    [WALKTHROUGH.identical, "re-created since: identical"],
    [WALKTHROUGH.changed, "re-created since: changed (the diff)"],
    [WALKTHROUGH.ttlExpired, "expired by TTL: restoring offers to drop or extend the TTL"],
    [WALKTHROUGH.deletedThreeTimes, "deleted three times"],
    [WALKTHROUGH.glacier, "in GLACIER: request a retrieval first"],
    [WALKTHROUGH.incidentOrder, "deleted by the clean-up job incident"],
  ];
  return [
    "",
    `Lazarus demo is ready: ${url}${server.url !== `http://127.0.0.1:${options.port}` ? ` (listening on ${server.url})` : ""}`,
    "",
    `Sign in with any of these (password: ${password}):`,
    ...DEMO_LOGINS.map((l) => `  ${l.email.padEnd(26)} ${l.role}`),
    ...DEMO_SECOND_LOGINS.map((l) => `  ${l.email.padEnd(26)} ${l.role} (a second one, to approve the other's requests: docs/APPROVALS.md)`),
    ...ssoBanner(options),
    "",
    "Walkthrough keys (docs/DEMO.md):",
    ...rows.map(([r, note]) => `  ${r.serviceName.padEnd(22)} ${describeKey(r).padEnd(28)} ${when(r).padEnd(30)} ${note}`),
    `  ${EXPIRING_SOON.serviceName.padEnd(22)} ${`${EXPIRING_SOON.partitionKey} / ${EXPIRING_SOON.sortKey}`}  expires by TTL a few minutes after seeding`,
    "",
    `Local AWS endpoint: ${endpoint} (AWS_ENDPOINT_URL=${endpoint} AWS_REGION=... for the AWS CLI)`,
    "Ctrl-C stops everything the demo started.",
    "",
  ].join("\n");
}

/** Builds the console for `next start`, unless --skip-build finds an up-to-date build in .next. */
async function buildUnlessReusable(cwd: string, options: DemoOptions, env: NodeJS.ProcessEnv): Promise<void> {
  const stale = staleBuildReason(cwd);
  if (options.skipBuild && !stale) {
    log("using the existing build in .next (--skip-build)");
    return;
  }
  log(options.skipBuild ? `building the console anyway: ${stale}` : "building the console (next build; --skip-build reuses an up-to-date build)");
  await buildConsole({ cwd, env, write: console.log });
}

async function main(): Promise<void> {
  const options = readOptions();
  if (!options) {
    console.log(USAGE);
    return;
  }
  process.on("SIGINT", () => void shutdown(0, "SIGINT: stopping the demo"));
  process.on("SIGTERM", () => void shutdown(0, "SIGTERM: stopping the demo"));
  process.on("SIGHUP", () => void shutdown(0, "SIGHUP: stopping the demo"));

  const config = loadConfigFile(configPath());
  // Fail before minutes of seeding and building, not after.
  if (!options.seedOnly) await assertPortFree(options.host, options.port, "--port or PORT");
  const password = process.env.LAZARUS_DEMO_PASSWORD || DEFAULT_DEMO_PASSWORD;
  // The console refuses shorter ones; say so now rather than on the sign-in page.
  if (password.length < 8) throw new DemoArgumentError("LAZARUS_DEMO_PASSWORD must be at least 8 characters");
  const endpoint = await startStack(config, options);
  const cwd = process.cwd();
  const publicUrl = `http://localhost:${options.port}`;
  const consoleEnv = { region: config.region, endpoint, publicUrl, configFile: resolve(configPath()), demoPassword: password };
  // The build needs nothing the seed writes, and seeding mostly waits on moto_server: build meanwhile.
  const built = options.seedOnly ? undefined : buildUnlessReusable(cwd, options, localConsoleEnvironment(consoleEnv));
  built?.catch(() => undefined); // awaited below; a failure then stops the demo
  const seededAt = options.now;
  await seed(config, endpoint, options.scale, seededAt);
  if (options.seedOnly) {
    await shutdown(0, options.endpoint ? "seeded" : "seeded; stopping the local stack (--seed-only)");
    return;
  }

  const oidc = options.sso ? await startSso(options, publicUrl) : undefined;
  const env = localConsoleEnvironment({ ...consoleEnv, ...(oidc ? { oidc } : {}) });
  if (options.alertsWebhook) {
    const receiver = await startAlertReceiver(log);
    stops.push({ name: "the alert receiver", stop: receiver.stop });
    env[ALERT_WEBHOOK_ENV] = receiver.url;
    log(`alerts go to the local webhook receiver ${receiver.url}; each is printed here`);
  }
  await built;

  log(`starting the console on ${options.host}:${options.port}`);
  const server = await startConsole({ cwd, env, host: options.host, port: options.port, write: console.log });
  stops.push({ name: "the console", stop: () => server.stop() });
  void server.exited.then((code) => {
    if (!isStopping) void shutdown(1, `the console (next start) exited unexpectedly with code ${code ?? "(signal)"}; stopping the demo`);
  });
  console.log(banner(server, options, endpoint, password, seededAt));
}

main().catch(async (e: unknown) => {
  const isBadArgument = (e instanceof TypeError && "code" in e && String(e.code).startsWith("ERR_PARSE_ARGS")) || e instanceof DemoArgumentError;
  const isExpected =
    isBadArgument ||
    e instanceof ConfigError ||
    e instanceof DemoConfigError ||
    e instanceof LocalStackError ||
    e instanceof MotoServerError ||
    e instanceof ProvisionError ||
    e instanceof ConsoleServerError ||
    e instanceof LocalIdpError;
  if (isStopping) return;
  console.error(`\nThe demo could not start: ${isExpected ? (e as Error).message : ""}`);
  if (!isExpected) console.error(e);
  if (isBadArgument) console.error(`\n${USAGE}`);
  await shutdown(isBadArgument ? 2 : 1);
});
