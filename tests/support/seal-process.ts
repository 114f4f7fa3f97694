/**
 * Seals one day in a process of its own and stops dead at a chosen step, so a test can
 * kill it there (SIGKILL) as a crash or a Lambda timeout would.
 *
 *   node --import tsx --conditions=react-server tests/support/seal-process.ts <config.json> <YYYY-MM-DD> <step> <deleteBatchSize> [leaseMs]
 *
 * Prints "at <step>" when it gets there, then waits forever.
 */
import { parseDay } from "../../lib/archive/archive-input";
import { sealDay, type SealStep } from "../../lib/archive/sealer";
import { createS3Client } from "../../lib/aws/clients";
import { loadConfigFile } from "../../lib/config/load";

const [configPath, date, stopAt, deleteBatchSize, leaseMs] = process.argv.slice(2);
if (!configPath || !date || !stopAt || !deleteBatchSize) throw new Error("usage: seal-process.ts <config.json> <YYYY-MM-DD> <step> <deleteBatchSize>");

const config = loadConfigFile(configPath);
const service = config.services[0]!;
await sealDay(createS3Client({ region: config.region }), config, service, parseDay(date), {
  deleteBatchSize: Number(deleteBatchSize),
  manifestPageRows: 20,
  ...(leaseMs ? { lease: { leaseMs: Number(leaseMs) } } : {}),
  onStep: async (step: SealStep) => {
    if (step !== stopAt) return;
    process.stdout.write(`at ${step}\n`);
    await new Promise(() => {});
  },
});
process.stdout.write("finished\n");
