import "server-only";
import type { LazarusConfig } from "../config/schema";
import { consoleClients } from "../http/clients";
import { resumeOrphanedJobs } from "./jobs";

/** A lease may be renewed by a live runner elsewhere; checking again just after it would lapse is enough. */
const AFTER_LEASE_MS = 1_000;

/**
 * Run when a console instance starts: jobs whose runner died with a previous server
 * resume here, and jobs still leased elsewhere are checked again when their lease
 * would lapse. Errors are logged, never thrown: the console starts regardless.
 */
export function startOrphanSweep(config: LazarusConfig, now: () => Date = () => new Date()): void {
  const deps = { ...consoleClients(config), config };
  const sweep = async () => {
    try {
      const { resumed, nextCheckAt } = await resumeOrphanedJobs(deps, now());
      if (resumed.length > 0) console.info(JSON.stringify({ message: "bulk-restore jobs resumed after a restart", jobs: resumed }));
      if (nextCheckAt) setTimeout(() => void sweep(), Math.max(0, nextCheckAt.getTime() - now().getTime()) + AFTER_LEASE_MS).unref();
    } catch (error) {
      console.error(JSON.stringify({ message: "bulk-restore jobs not swept at start", error: error instanceof Error ? error.name : "unknown" }));
    }
  };
  void sweep();
}
