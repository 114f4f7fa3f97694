/**
 * Starts one planned bulk-restore job in a process of its own, as a console server
 * would, so a test can kill it (SIGKILL) mid-job. Every PutItem is delayed as over a
 * real network, so the job takes long enough to be killed halfway.
 *
 *   node --import tsx --conditions=react-server tests/support/bulk-restore-process.ts <config.json> <jobId> <leaseMs>
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { SessionUser } from "../../lib/auth/roles";
import { createDynamoDBClient, createS3Client } from "../../lib/aws/clients";
import { startJob } from "../../lib/bulk-restore/jobs";
import { startRunner } from "../../lib/bulk-restore/runner";
import { loadConfigFile } from "../../lib/config/load";

const PUT_LATENCY_MS = 15;
const [configPath, jobId, leaseMs] = process.argv.slice(2);
if (!configPath || !jobId || !leaseMs) throw new Error("usage: bulk-restore-process.ts <config.json> <jobId> <leaseMs>");

const config = loadConfigFile(configPath);
const dynamodb = createDynamoDBClient({ region: config.region });
dynamodb.middlewareStack.add(
  (next, context) => async (args) => {
    if (context.commandName === "PutItemCommand") await sleep(PUT_LATENCY_MS);
    return next(args);
  },
  { step: "initialize", name: "networkLatency" },
);
const deps = { s3: createS3Client({ region: config.region }), dynamodb, config, leaseMs: Number(leaseMs), concurrency: 2 };
const admin: SessionUser = { id: "u-admin", email: "admin@example.com", name: "Ada Admin", role: "admin" };

await startJob(deps, jobId, { overwriteConflicting: false, ttl: { action: "keep" } }, admin);
process.stdout.write("started\n");
process.stdout.write(`${await startRunner(deps, jobId)}\n`);
