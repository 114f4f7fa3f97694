/**
 * Erases one subject (exact key) in a process of its own and stops dead at a chosen
 * step, so a test can kill it there (SIGKILL) as a crash or a timeout would.
 *
 *   node --import tsx --conditions=react-server tests/support/erase-process.ts <config.json> <key> <step> [leaseMs]
 *
 * Prints "at <step>" when it gets there, then waits forever.
 */
import { createS3Client } from "../../lib/aws/clients";
import { loadConfigFile } from "../../lib/config/load";
import { eraseSubject, type ErasureStep } from "../../lib/erasure/erase";
import { confirmationText } from "../../lib/erasure/erasure-request";

const [configPath, key, stopAt, leaseMs] = process.argv.slice(2);
if (!configPath || !key || !stopAt) throw new Error("usage: erase-process.ts <config.json> <key> <step>");

const config = loadConfigFile(configPath);
const result = await eraseSubject(
  createS3Client({ region: config.region }),
  config,
  {
    query: { match: "exact", key },
    mode: "erase",
    confirmation: confirmationText("erase", key),
    actor: { id: "u-compliance", email: "cora@example.com", name: "Cora Compliance", role: "compliance" },
  },
  () => new Date(),
  {
    ...(leaseMs ? { lease: { leaseMs: Number(leaseMs) } } : {}),
    onStep: async (step: ErasureStep) => {
      if (step !== stopAt) return;
      process.stdout.write(`at ${step}\n`);
      await new Promise(() => {});
    },
  },
);
process.stdout.write(`finished ${result.outcome}\n`);
